import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedStorage } from '../../src/storage/cached.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { START_CURSOR } from '../../src/storage/records.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/storage.js';
import { describeStorageConformance } from './conformance.js';
import { tempDir } from './helpers.js';

describeStorageConformance('CachedStorage over InMemoryStorage', async () => {
  const storage = new CachedStorage(new InMemoryStorage());
  return { storage, cleanup: () => storage.close() };
});

describeStorageConformance('CachedStorage over SqliteStorage', async () => {
  const temp = await tempDir();
  const storage = new CachedStorage(SqliteStorage.open(join(temp.dir, 'cached.db')));
  return {
    storage,
    async cleanup() {
      await storage.close();
      await temp.remove();
    },
  };
});

/** A storage that records what its trialsSince calls returned. */
function counting(inner: Storage): { storage: Storage; fetched: FrozenTrial[][]; calls: Map<string, number> } {
  const fetched: FrozenTrial[][] = [];
  const calls = new Map<string, number>();
  const storage = new Proxy(inner, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (prop === 'trialsSince') (result as Promise<{ trials: FrozenTrial[] }>).then(
            (r) => fetched.push(r.trials),
            () => undefined,
          );
        return result;
      };
    },
  });
  return { storage, fetched, calls };
}

async function setup() {
  const inner = new InMemoryStorage();
  const probe = counting(inner);
  const cached = new CachedStorage(probe.storage);
  const study = await cached.createStudy({ name: 's', direction: 'minimize' });
  return { inner, cached, study, ...probe };
}

describe('CachedStorage.allTrials', () => {
  it('reads every trial of the study, ordered by number', async () => {
    const { cached, inner, study } = await setup();
    for (let i = 0; i < 5; i++) await cached.createTrial(study.id, i === 2 ? { state: 'WAITING' } : {});
    const other = await cached.createStudy({ name: 'other', direction: 'minimize' });
    await cached.createTrial(other.id);
    expect(await cached.allTrials(study.id)).toEqual((await inner.trialsSince(study.id, START_CURSOR)).trials);
    expect((await cached.allTrials(other.id)).map((t) => t.number)).toEqual([0]);
  });

  it('fetches a finished trial once and keeps the same object afterwards', async () => {
    const { cached, study, fetched, calls } = await setup();
    for (let i = 0; i < 10; i++) {
      const t = (await cached.createTrial(study.id))!;
      await cached.finishTrial(t.id, 'COMPLETE', [i]);
    }
    const first = await cached.allTrials(study.id);
    expect(first).toHaveLength(10);
    for (let i = 0; i < 5; i++) {
      const again = await cached.allTrials(study.id);
      expect(again).toBe(first);
    }
    expect(fetched.map((trials) => trials.length)).toEqual([10, 0, 0, 0, 0, 0]);
    expect(calls.get('getTrial')).toBeUndefined();
  });

  it("folds its own attribute write on a finished trial into the cached copy, without reading it again", async () => {
    const { cached, study, fetched } = await setup();
    const t = (await cached.createTrial(study.id))!;
    await cached.finishTrial(t.id, 'COMPLETE', [1]);
    await cached.allTrials(study.id);
    await cached.setTrialAttr(t.id, 'system', 'sodate:artifacts_deleted', 'now');
    await cached.setTrialAttr(t.id, 'user', 'note', 1);
    const [trial] = await cached.allTrials(study.id);
    expect(trial?.systemAttrs['sodate:artifacts_deleted']).toBe('now');
    expect(trial?.userAttrs['note']).toBe(1);
    expect(fetched.map((trials) => trials.length)).toEqual([1, 0]);
  });

  it('re-reads open trials only, replacing them by their new version', async () => {
    const { cached, study, fetched } = await setup();
    const done = (await cached.createTrial(study.id))!;
    await cached.finishTrial(done.id, 'COMPLETE', [1]);
    const open = (await cached.createTrial(study.id))!;
    const first = await cached.allTrials(study.id);

    await cached.report(open.id, 0, 0.5);
    const second = await cached.allTrials(study.id);
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second[1]?.intermediateValues.get(0)).toBe(0.5);
    expect(first[1]?.intermediateValues.size).toBe(0); // an earlier result never changes

    await cached.finishTrial(open.id, 'PRUNED');
    const added = (await cached.createTrial(study.id))!;
    const third = await cached.allTrials(study.id);
    expect(third.map((t) => [t.id, t.state])).toEqual([
      [done.id, 'COMPLETE'],
      [open.id, 'PRUNED'],
      [added.id, 'RUNNING'],
    ]);
    expect(fetched.map((trials) => trials.map((t) => t.id))).toEqual([[done.id, open.id], [open.id], [open.id, added.id]]);
  });

  it('sees trials written by another process through the same file', async () => {
    const temp = await tempDir();
    try {
      const file = join(temp.dir, 'shared.db');
      const mine = new CachedStorage(SqliteStorage.open(file));
      const theirs = SqliteStorage.open(file);
      const study = await mine.createStudy({ name: 's', direction: 'minimize' });
      await mine.createTrial(study.id);
      expect(await mine.allTrials(study.id)).toHaveLength(1);
      const t = (await theirs.createTrial(study.id))!;
      await theirs.finishTrial(t.id, 'COMPLETE', [3]);
      expect((await mine.allTrials(study.id)).map((x) => [x.number, x.state])).toEqual([
        [0, 'RUNNING'],
        [1, 'COMPLETE'],
      ]);
      await theirs.close();
      await mine.close();
    } finally {
      await temp.remove();
    }
  });

  it('applies concurrent reads in order, ending with the whole study', async () => {
    const { cached, inner, study } = await setup();
    const reads: Promise<readonly FrozenTrial[]>[] = [];
    for (let i = 0; i < 20; i++) {
      const t = (await cached.createTrial(study.id))!;
      reads.push(cached.allTrials(study.id));
      if (i % 3 === 0) await cached.finishTrial(t.id, 'COMPLETE', [i]);
      reads.push(cached.allTrials(study.id));
    }
    const results = await Promise.all(reads);
    const lengths = results.map((r) => r.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(await cached.allTrials(study.id)).toEqual((await inner.trialsSince(study.id, START_CURSOR)).trials);
  });

  it('keeps numbers in order when an inner storage returns them out of order', async () => {
    const make = (id: number, number: number): FrozenTrial => ({
      id,
      number,
      state: 'COMPLETE',
      values: [number],
      params: {},
      internalParams: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs: {},
      systemAttrs: {},
      datetimeStart: null,
      datetimeComplete: null,
    });
    const batches = [[make(1, 0), make(3, 2)], [make(2, 1)]];
    const inner = new InMemoryStorage();
    inner.trialsSince = async (_studyId, cursor) => ({ trials: batches.shift() ?? [], cursor: { lastTrialId: cursor.lastTrialId + 1, openTrialIds: [] } });
    const cached = new CachedStorage(inner);
    await cached.allTrials(1);
    expect((await cached.allTrials(1)).map((t) => t.number)).toEqual([0, 1, 2]);
  });

  it('forgets a deleted study', async () => {
    const { cached, study } = await setup();
    await cached.createTrial(study.id);
    expect(await cached.allTrials(study.id)).toHaveLength(1);
    await cached.deleteStudy(study.id);
    await expect(cached.allTrials(study.id)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
  });

  it('recovers after a failed read', async () => {
    const { cached, inner, study } = await setup();
    await cached.createTrial(study.id);
    const real = inner.trialsSince.bind(inner);
    inner.trialsSince = async () => {
      throw new Error('network down');
    };
    await expect(cached.allTrials(study.id)).rejects.toThrow('network down');
    inner.trialsSince = real;
    expect(await cached.allTrials(study.id)).toHaveLength(1);
  });
});
