import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../../src/space/distributions.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { tempDir } from '../helpers.js';

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;
const TABLES = [
  'alembic_version',
  'studies',
  'study_directions',
  'study_system_attributes',
  'study_user_attributes',
  'trial_heartbeats',
  'trial_intermediate_values',
  'trial_params',
  'trial_system_attributes',
  'trial_user_attributes',
  'trial_values',
  'trials',
  'version_info',
];

describe('SqliteStorage on disk', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let file: string;

  beforeEach(async () => {
    temp = await tempDir();
    file = join(temp.dir, 'a', 'b', 'study.db');
  });
  afterEach(async () => {
    await temp.remove();
  });

  function raw(): Database.Database {
    return new Database(file);
  }

  it("creates its folder and Optuna's tables, version 12, in WAL mode", async () => {
    const storage = SqliteStorage.open(file);
    await storage.close();
    const db = raw();
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(TABLES);
    expect(db.prepare('SELECT * FROM version_info').all()).toEqual([{ version_info_id: 1, schema_version: 12, library_version: '3.1.0' }]);
    expect(db.prepare('SELECT version_num FROM alembic_version').pluck().all()).toEqual(['v3.0.0.d']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'ix_studies_study_name'").pluck().get()).toBe(
      'CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)',
    );
    db.close();
  });

  it('writes rows as Optuna does: directions, datetimes, value types, JSON', async () => {
    const storage = SqliteStorage.open(file);
    const study = await storage.createStudy({ name: 's', direction: 'maximize', userAttrs: { k: [1, { a: null }] } });
    const trial = (await storage.createTrial(study.id))!;
    await storage.setParam(trial.id, 'lr', 1e-3, floatDistribution(1e-5, 1e-1, { log: true }));
    await storage.setParam(trial.id, 'bs', 32, intDistribution(16, 128, { step: 16 }));
    await storage.setParam(trial.id, 'opt', 1, categoricalDistribution(['adamw', 'sgd']));
    for (const [step, v] of [[0, 1.5], [1, NaN], [2, Infinity], [3, -Infinity]] as const) await storage.report(trial.id, step, v);
    await storage.heartbeat(trial.id);
    await storage.finishTrial(trial.id, 'COMPLETE', [Infinity, -Infinity, 2.5]);
    await storage.close();

    const db = raw();
    expect(db.prepare('SELECT direction, objective FROM study_directions').all()).toEqual([{ direction: 'MAXIMIZE', objective: 0 }]);
    expect(db.prepare('SELECT "key", value_json FROM study_user_attributes').all()).toEqual([{ key: 'k', value_json: '[1,{"a":null}]' }]);
    const row = db.prepare('SELECT number, state, datetime_start, datetime_complete FROM trials').get() as Record<string, unknown>;
    expect(row).toMatchObject({ number: 0, state: 'COMPLETE' });
    expect(row['datetime_start']).toMatch(DATETIME);
    expect(row['datetime_complete']).toMatch(DATETIME);
    expect(db.prepare('SELECT heartbeat FROM trial_heartbeats').pluck().get()).toMatch(DATETIME);
    expect(db.prepare('SELECT objective, value, value_type FROM trial_values ORDER BY objective').all()).toEqual([
      { objective: 0, value: null, value_type: 'INF_POS' },
      { objective: 1, value: null, value_type: 'INF_NEG' },
      { objective: 2, value: 2.5, value_type: 'FINITE' },
    ]);
    expect(db.prepare('SELECT step, intermediate_value, intermediate_value_type FROM trial_intermediate_values ORDER BY step').all()).toEqual([
      { step: 0, intermediate_value: 1.5, intermediate_value_type: 'FINITE' },
      { step: 1, intermediate_value: null, intermediate_value_type: 'NAN' },
      { step: 2, intermediate_value: null, intermediate_value_type: 'INF_POS' },
      { step: 3, intermediate_value: null, intermediate_value_type: 'INF_NEG' },
    ]);
    const params = db.prepare('SELECT param_name, param_value, distribution_json FROM trial_params ORDER BY param_id').all() as {
      param_name: string;
      param_value: number;
      distribution_json: string;
    }[];
    expect(params.map((p) => [p.param_name, p.param_value])).toEqual([
      ['lr', 1e-3],
      ['bs', 32],
      ['opt', 1],
    ]);
    expect(JSON.parse(params[0]!.distribution_json)).toEqual({ name: 'FloatDistribution', attributes: { step: null, low: 1e-5, high: 1e-1, log: true } });
    expect(JSON.parse(params[1]!.distribution_json)).toEqual({ name: 'IntDistribution', attributes: { log: false, step: 16, low: 16, high: 128 } });
    expect(JSON.parse(params[2]!.distribution_json)).toEqual({ name: 'CategoricalDistribution', attributes: { choices: ['adamw', 'sgd'] } });
    db.close();
  });

  it('keeps a stale trial\'s reason under Optuna\'s "fail_reason" system attribute', async () => {
    const storage = SqliteStorage.open(file);
    const study = await storage.createStudy({ name: 's', direction: 'minimize' });
    const trial = (await storage.createTrial(study.id))!;
    await storage.heartbeat(trial.id);
    await new Promise((r) => setTimeout(r, 30));
    await storage.failStaleTrials(study.id, 0.01);
    await storage.close();
    const db = raw();
    const reason = db.prepare(`SELECT value_json FROM trial_system_attributes WHERE "key" = 'fail_reason'`).pluck().get() as string;
    expect(JSON.parse(reason)).toMatch(/heartbeat/);
    db.close();
  });

  it('deletes every row of a deleted study from every table', async () => {
    const storage = SqliteStorage.open(file);
    const study = await storage.createStudy({ name: 's', direction: 'minimize', userAttrs: { a: 1 }, systemAttrs: { b: 2 } });
    const trial = (await storage.createTrial(study.id, { userAttrs: { c: 3 }, systemAttrs: { d: 4 } }))!;
    await storage.setParam(trial.id, 'x', 0.5, floatDistribution(0, 1));
    await storage.report(trial.id, 0, 1);
    await storage.heartbeat(trial.id);
    await storage.finishTrial(trial.id, 'COMPLETE', [1]);
    await storage.deleteStudy(study.id);
    await storage.close();
    const db = raw();
    for (const table of TABLES.filter((t) => t !== 'version_info' && t !== 'alembic_version')) {
      expect([table, db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()]).toEqual([table, 0]);
    }
    db.close();
  });

  it('keeps everything across a reopen, and continues the numbering', async () => {
    let storage = SqliteStorage.open(file);
    const study = await storage.createStudy({ name: 's', direction: 'minimize' });
    const first = (await storage.createTrial(study.id))!;
    await storage.report(first.id, 0, 0.5);
    await storage.close();
    storage = SqliteStorage.open(file);
    expect(await storage.loadStudy('s')).toEqual(study);
    expect((await storage.getTrial(first.id)).intermediateValues.get(0)).toBe(0.5);
    expect((await storage.createTrial(study.id))?.number).toBe(1);
    await storage.close();
  });

  it('lets two connections open a new file at once', async () => {
    const a = SqliteStorage.open(file);
    const b = SqliteStorage.open(file);
    await a.createStudy({ name: 'a', direction: 'minimize' });
    expect(await b.loadStudy('a')).not.toBeNull();
    await a.close();
    await b.close();
  });

  it("adds sodate's indexes to a study database that lacks them, as one written by Optuna", async () => {
    await SqliteStorage.open(file).close();
    const extra = "SELECT name FROM sqlite_master WHERE name LIKE 'ix_trials_%' ORDER BY name";
    let db = raw();
    expect(db.prepare(extra).pluck().all()).toEqual(['ix_trials_study_id_number', 'ix_trials_study_id_state']);
    db.exec('DROP INDEX ix_trials_study_id_number; DROP INDEX ix_trials_study_id_state');
    db.close();
    await SqliteStorage.open(file).close();
    db = raw();
    expect(db.prepare(extra).pluck().all()).toEqual(['ix_trials_study_id_number', 'ix_trials_study_id_state']);
    db.close();
  });
});

describe('SqliteStorage failures', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;

  beforeEach(async () => {
    temp = await tempDir();
  });
  afterEach(async () => {
    await temp.remove();
  });

  function openError(file: string, options = {}): Error & { code?: string } {
    try {
      SqliteStorage.open(file, options).close();
    } catch (error) {
      return error as Error & { code?: string };
    }
    throw new Error(`opening ${file} did not fail`);
  }

  function expectOneLine(error: Error, ...parts: string[]): void {
    expect(error.message).not.toMatch(/\n/);
    for (const part of parts) expect(error.message).toContain(part);
  }

  it('refuses another schema version, naming the file and the upgrade command', () => {
    const file = join(temp.dir, 'old.db');
    SqliteStorage.open(file).close();
    const db = new Database(file);
    db.prepare('UPDATE version_info SET schema_version = 11, library_version = ?').run('2.3.0');
    db.close();
    const error = openError(file);
    expect(error.code).toBe('SODATE_STORAGE_SCHEMA');
    expectOneLine(error, file, 'version 11', 'Optuna 2.3.0', 'optuna storage upgrade');
  });

  it('refuses a newer schema version', () => {
    const file = join(temp.dir, 'new.db');
    SqliteStorage.open(file).close();
    const db = new Database(file);
    db.prepare('UPDATE version_info SET schema_version = 13').run();
    db.close();
    const error = openError(file);
    expect(error.code).toBe('SODATE_STORAGE_SCHEMA');
    expectOneLine(error, file, 'version 13');
  });

  it('refuses a SQLite database that is not a study database', () => {
    const file = join(temp.dir, 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    const error = openError(file);
    expect(error.code).toBe('SODATE_STORAGE_SCHEMA');
    expectOneLine(error, file, 'not an Optuna or sodate study database');
  });

  it('refuses a study database with a table missing', () => {
    const file = join(temp.dir, 'partial.db');
    SqliteStorage.open(file).close();
    const db = new Database(file);
    db.exec('DROP TABLE trial_heartbeats');
    db.close();
    const error = openError(file);
    expect(error.code).toBe('SODATE_STORAGE_SCHEMA');
    expectOneLine(error, file, 'trial_heartbeats');
  });

  it('refuses a file that is not a database', () => {
    const file = join(temp.dir, 'notes.db');
    writeFileSync(file, 'these are not the pages you are looking for\n'.repeat(200));
    const error = openError(file);
    expect(error.code).toBe('SODATE_STORAGE_SCHEMA');
    expectOneLine(error, file, 'not a SQLite database');
  });

  it('names the file when its folder cannot be created', () => {
    const blocker = join(temp.dir, 'blocker');
    writeFileSync(blocker, '');
    const file = join(blocker, 'study.db');
    const error = openError(file);
    expect(error.code).toBe('SODATE_STORAGE_OPEN');
    expectOneLine(error, file);
  });

  it('says so when the path is a folder', () => {
    const error = openError(temp.dir);
    expect(error.code).toBe('SODATE_STORAGE_OPEN');
    expectOneLine(error, temp.dir, 'is a folder');
  });

  it('fails with SODATE_STORAGE_BUSY after the busy timeout, and reads meanwhile', async () => {
    const file = join(temp.dir, 'busy.db');
    const storage = SqliteStorage.open(file, { busyTimeoutMs: 200 });
    const study = await storage.createStudy({ name: 's', direction: 'minimize' });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const error = await storage.createTrial(study.id).catch((e: unknown) => e as Error & { code?: string });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(error).toMatchObject({ code: 'SODATE_STORAGE_BUSY' });
    expectOneLine(error as Error, file, '?timeout=60 (seconds)');
    expect(await storage.listStudies()).toHaveLength(1);
    other.exec('ROLLBACK');
    other.close();
    expect((await storage.createTrial(study.id))?.number).toBe(0);
    await storage.close();
  });

  it('refuses calls after close', async () => {
    const storage = SqliteStorage.open(join(temp.dir, 'closed.db'));
    await storage.close();
    await storage.close();
    await expect(storage.listStudies()).rejects.toMatchObject({ code: 'SODATE_STORAGE_CLOSED' });
  });
});
