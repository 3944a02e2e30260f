import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { floatDistribution } from '../../../src/space/distributions.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { START_CURSOR } from '../../../src/storage/records.js';
import { runTogether, startTrialWorker } from '../fixtures/trial-workers.js';
import type { ScratchDatabase } from './pg-helpers.js';
import { postgresMissing, scratchDatabase, sql } from './pg-helpers.js';


const missing = await postgresMissing();
if (missing !== null) console.warn(`skipping the PostgreSQL multi-process tests: ${missing}`);

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe.skipIf(missing !== null)('PostgresStorage shared by several processes', () => {
  let db: ScratchDatabase;
  let storage: PostgresStorage;

  beforeEach(async () => {
    db = await scratchDatabase();
    storage = await PostgresStorage.open(db.url);
  }, 60_000);
  afterEach(async () => {
    await storage.close();
    await db.drop();
  }, 60_000);

  /** The study is whole: numbers 0..n-1, each trial COMPLETE with its param, reports and value. */
  async function expectWhole(studyId: number, n: number) {
    const { trials } = await storage.trialsSince(studyId, START_CURSOR);
    expect(trials.map((t) => t.number)).toEqual(range(n));
    for (const t of trials) {
      expect(t.state).toBe('COMPLETE');
      expect(typeof t.params['x']).toBe('number');
      expect(t.values).toHaveLength(1);
      expect(t.intermediateValues.size).toBe(3);
    }
  }

  it('numbers trials 0..n-1 without duplicates when four processes create 100 each at once', async () => {
    const study = await storage.createStudy({ name: 'shared', direction: 'minimize' });
    const results = await runTogether(range(4).map(() => startTrialWorker(db.url, 'shared', 100, 'create')));
    for (const numbers of results) {
      expect(numbers).toHaveLength(100);
      expect(numbers).toEqual(sorted(numbers));
    }
    expect(sorted(results.flat())).toEqual(range(400));
    await expectWhole(study.id, 400);
  }, 300_000);

  it('never overshoots maxTrials across processes', async () => {
    const study = await storage.createStudy({ name: 'budget', direction: 'minimize' });
    const results = await runTogether(range(4).map(() => startTrialWorker(db.url, 'budget', 150, 'budget')));
    expect(sorted(results.flat())).toEqual(range(150));
    await expectWhole(study.id, 150);
  }, 300_000);

  it('runs each enqueued trial exactly once across processes', async () => {
    const study = await storage.createStudy({ name: 'queue', direction: 'minimize' });
    for (let i = 0; i < 120; i++) await storage.createTrial(study.id, { state: 'WAITING' });
    const results = await runTogether(range(4).map(() => startTrialWorker(db.url, 'queue', 0, 'claim')));
    expect(sorted(results.flat())).toEqual(range(120));
    expect(await storage.countTrials(study.id)).toMatchObject({ COMPLETE: 120, WAITING: 0, RUNNING: 0 });
    await expectWhole(study.id, 120);
  }, 300_000);

  it('reconnects when the server drops its connections', async () => {
    const study = await storage.createStudy({ name: 'dropped', direction: 'minimize' });
    const first = (await storage.createTrial(study.id))!;
    await storage.setParam(first.id, 'x', 0.5, floatDistribution(0, 1));
    const killed = await sql<{ ok: boolean }>(db.url, "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sodate'");
    expect(killed.length).toBeGreaterThan(0);
    await storage.finishTrial(first.id, 'COMPLETE', [1]);
    const second = (await storage.createTrial(study.id))!;
    await storage.setParam(second.id, 'x', 0.25, floatDistribution(0, 1));
    await storage.report(second.id, 0, 0.5);
    await storage.report(second.id, 1, 0.5);
    await storage.report(second.id, 2, 0.5);
    await storage.finishTrial(second.id, 'COMPLETE', [2]);
    const { trials } = await storage.trialsSince(study.id, START_CURSOR);
    expect(trials.map((t) => [t.number, t.state, t.values])).toEqual([
      [0, 'COMPLETE', [1]],
      [1, 'COMPLETE', [2]],
    ]);
  }, 120_000);
});
