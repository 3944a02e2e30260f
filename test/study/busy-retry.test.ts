import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../src/samplers/random.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { createStudy } from '../../src/study/create.js';
import { retryWhileBusy } from '../../src/study/busy-retry.js';
import { StorageError } from '../../src/errors.js';

/** A study on a SQLite file with a 0.1 s busy timeout, and `lock()`: another connection holds the write lock until its first try has given up. */
async function lockableStudy(name: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'sodate-busy-')), `${name}.db`);
  const storage = SqliteStorage.open(file, { busyTimeoutMs: 100 });
  const study = await createStudy({ name, storage, sampler: new RandomSampler({ seed: 1 }) });
  const lock = () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    // better-sqlite3 waits synchronously: this fires after the first try has given up.
    setTimeout(() => {
      other.exec('ROLLBACK');
      other.close();
    }, 20);
  };
  return { storage, study, lock };
}

describe('a trial\'s writes when another process holds the SQLite database', () => {
  it('keep the result of a trial told while the lock outlasts the busy timeout', async () => {
    const { storage, study, lock } = await lockableStudy('busy');
    const trial = await study.ask();
    const x = trial.suggestFloat('x', 0, 1);
    await trial.report(0, 0.9);
    lock();
    const told = await study.tell(trial, 0.5);
    expect(told.state).toBe('COMPLETE');
    const stored = await storage.getTrial(told.id);
    expect(stored).toMatchObject({ state: 'COMPLETE', values: [0.5], params: { x } });
    expect(stored.intermediateValues.get(0)).toBe(0.9);
    await storage.close();
  });
});

describe('a trial\'s queued writes (attributes, parameters) when another process holds the SQLite database', () => {
  it('are tried again once the lock outlasts the busy timeout, not dropped', async () => {
    const { storage, study, lock } = await lockableStudy('queued');
    const trial = await study.ask();
    lock();
    trial.setUserAttr('note', 'kept');
    await trial.flush();
    expect((await storage.getTrial(trial.id)).userAttrs).toEqual({ note: 'kept' });
    await storage.close();
  });
});

describe('retryWhileBusy', () => {
  it('gives up after its retries with the storage\'s own error, and never retries other errors', async () => {
    let tries = 0;
    const busy = new StorageError('locked', 'SODATE_STORAGE_BUSY');
    await expect(retryWhileBusy(async () => { tries++; throw busy; })).rejects.toBe(busy);
    expect(tries).toBe(2);
    tries = 0;
    const other = new StorageError('full', 'SODATE_STORAGE_FULL');
    await expect(retryWhileBusy(async () => { tries++; throw other; })).rejects.toBe(other);
    expect(tries).toBe(1);
  });
});
