import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { START_CURSOR } from '../../../src/storage/records.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { runTogether, startTrialWorker } from '../fixtures/trial-workers.js';
import { tempDir } from '../helpers.js';


const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('SqliteStorage shared by several processes', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  let storage: SqliteStorage;

  beforeEach(async () => {
    temp = await tempDir();
    file = join(temp.dir, 'shared.db');
    storage = SqliteStorage.open(file);
  });
  afterEach(async () => {
    await storage.close();
    await temp.remove();
  });

  it('numbers trials 0..n-1 without duplicates when four processes create 100 each at once', async () => {
    const study = await storage.createStudy({ name: 'shared', direction: 'minimize' });
    const results = await runTogether(range(4).map(() => startTrialWorker(`sqlite:${file}`, 'shared', 100, 'create')));
    for (const numbers of results) {
      expect(numbers).toHaveLength(100);
      expect(numbers).toEqual(sorted(numbers)); // each process sees its numbers grow
    }
    // The processes really overlapped: some process's numbers have gaps where others wrote.
    const gaps = results.map((ns) => ns.filter((n, i) => i > 0 && n !== (ns[i - 1] ?? 0) + 1).length);
    expect(gaps.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(sorted(results.flat())).toEqual(range(400));
    const { trials } = await storage.trialsSince(study.id, START_CURSOR);
    expect(trials.map((t) => t.number)).toEqual(range(400));
    expect(trials.every((t) => t.state === 'COMPLETE' && t.intermediateValues.size === 3 && 'x' in t.params)).toBe(true);
    expect(await storage.countTrials(study.id)).toMatchObject({ COMPLETE: 400, RUNNING: 0 });
  });

  it('never overshoots maxTrials across processes', async () => {
    const study = await storage.createStudy({ name: 'budget', direction: 'minimize' });
    const results = await runTogether(range(3).map(() => startTrialWorker(`sqlite:${file}`, 'budget', 150, 'budget')));
    expect(sorted(results.flat())).toEqual(range(150));
    expect((await storage.countTrials(study.id)).COMPLETE).toBe(150);
  });

  it('runs each enqueued trial exactly once across processes', async () => {
    const study = await storage.createStudy({ name: 'queue', direction: 'minimize' });
    for (let i = 0; i < 120; i++) await storage.createTrial(study.id, { state: 'WAITING' });
    const results = await runTogether(range(3).map(() => startTrialWorker(`sqlite:${file}`, 'queue', 0, 'claim')));
    expect(sorted(results.flat())).toEqual(range(120));
    expect(await storage.countTrials(study.id)).toMatchObject({ COMPLETE: 120, WAITING: 0, RUNNING: 0 });
  });
});
