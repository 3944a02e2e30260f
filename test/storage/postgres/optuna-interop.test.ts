import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../../src/space/distributions.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { START_CURSOR } from '../../../src/storage/records.js';
import type { ScratchDatabase } from './pg-helpers.js';
import { postgresMissing, scratchDatabase } from './pg-helpers.js';
import { PYTHON, asOptuna, optunaRead, pythonModulesMissing, runPythonFixture } from '../../helpers/optuna.js';

function optunaMissing(): string | null {
  const python = pythonModulesMissing(['optuna', 'psycopg2']);
  if (python !== null) return python;
  if (spawnSync('pg_dump', ['--version']).status !== 0) return 'pg_dump is not installed';
  return null;
}
const missing = (await postgresMissing()) ?? optunaMissing();
if (missing !== null) console.warn(`skipping the Optuna/PostgreSQL interop tests: ${missing}`);

/** The schema as pg_dump prints it, without sodate's extra indexes and pg_dump's session lines. */
function schemaOf(url: string): string {
  const dump = spawnSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', url], { encoding: 'utf8', timeout: 60_000 });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
  return dump.stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--') && !line.startsWith('\\restrict') && !line.startsWith('\\unrestrict'))
    .filter((line) => !line.includes('ix_trials_study_id_number') && !line.includes('ix_trials_study_id_state'))
    .join('\n');
}

describe.skipIf(missing !== null)('Optuna 3.1 interoperability on PostgreSQL', () => {
  let db: ScratchDatabase;
  beforeEach(async () => {
    db = await scratchDatabase();
  }, 60_000);
  afterEach(async () => {
    await db.drop();
  }, 60_000);

  it('creates exactly the types, tables, constraints and indexes Optuna creates', async () => {
    const theirs = await scratchDatabase();
    try {
      const made = spawnSync(PYTHON, ['-c', `import optuna; optuna.storages.RDBStorage(${JSON.stringify(theirs.url)})`], { encoding: 'utf8', timeout: 120_000 });
      expect(made.status, made.stderr).toBe(0);
      await (await PostgresStorage.open(db.url)).close();
      expect(schemaOf(db.url)).toEqual(schemaOf(theirs.url));
      expect(schemaOf(db.url)).toContain('CREATE TYPE public.trialstate AS ENUM');
    } finally {
      await theirs.drop();
    }
  }, 120_000);

  it('lets optuna.load_study read a study sodate wrote', async () => {
    const storage = await PostgresStorage.open(db.url);
    const study = await storage.createStudy({ name: 'from-sodate', direction: 'minimize', userAttrs: { dataset: { name: 'digits' } } });
    const lr = floatDistribution(1e-5, 1e-1, { log: true });
    const batch = intDistribution(16, 128, { step: 16 });
    const opt = categoricalDistribution(['adamw', 'sgd', null, true, 3]);
    const outcomes: [string, number[] | null][] = [
      ['COMPLETE', [0.25]],
      ['COMPLETE', [Infinity]],
      ['PRUNED', null],
      ['FAIL', null],
      ['COMPLETE', [-Infinity]],
    ];
    for (const [i, [state, values]] of outcomes.entries()) {
      const trial = (await storage.createTrial(study.id))!;
      await storage.setParam(trial.id, 'lr', 10 ** (-5 + i * 0.7), lr);
      await storage.setParam(trial.id, 'batch', 16 * (i + 1), batch);
      await storage.setParam(trial.id, 'optimizer', toInternal(opt, [null, 'sgd', true, 3, 'adamw'][i] ?? null), opt);
      await storage.setTrialAttr(trial.id, 'user', 'note', { i, tags: ['a', i % 2 === 0] });
      await storage.report(trial.id, 0, 1 / (i + 1));
      await storage.report(trial.id, 1, i === 2 ? NaN : i === 3 ? -Infinity : 0.5);
      await storage.heartbeat(trial.id);
      await storage.finishTrial(trial.id, state as 'COMPLETE' | 'PRUNED' | 'FAIL', values);
    }
    const running = (await storage.createTrial(study.id))!;
    await storage.report(running.id, 0, Infinity);
    await storage.createTrial(study.id, { state: 'WAITING', params: { lr: { internal: 1e-3, distribution: lr } } });
    const ours = (await storage.trialsSince(study.id, START_CURSOR)).trials;
    await storage.close();

    const theirs = optunaRead(db.url, 'from-sodate', 120_000);
    expect(theirs.direction).toBe('MINIMIZE');
    expect(theirs.user_attrs).toEqual({ dataset: { name: 'digits' } });
    expect(theirs.study_names).toEqual(['from-sodate']);
    expect(theirs.trials).toEqual(ours.map(asOptuna));
    expect(theirs.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'RUNNING', 'WAITING']);
  }, 120_000);

  it('reads a study Optuna wrote, the same as Optuna does, and continues it', async () => {
    runPythonFixture('optuna_write.py', [db.url, 'from-optuna'], 120_000);
    const before = optunaRead(db.url, 'from-optuna', 120_000);
    expect(before.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'COMPLETE', 'WAITING']);

    const storage = await PostgresStorage.open(db.url);
    const study = (await storage.loadStudy('from-optuna'))!;
    expect(study).toMatchObject({ name: 'from-optuna', direction: 'maximize', userAttrs: { dataset: { name: 'digits', classes: [0, 1, 2] } } });
    const ours = (await storage.trialsSince(study.id, START_CURSOR)).trials;
    expect(ours.map(asOptuna)).toEqual(before.trials);
    expect(ours[2]?.intermediateValues.get(3)).toBeNaN();
    expect(ours[4]?.values).toEqual([Infinity]);
    expect((await storage.listStudies())[0]).toMatchObject({ nTrials: 7, bestValue: Infinity, counts: { COMPLETE: 4, PRUNED: 1, FAIL: 1, WAITING: 1, RUNNING: 0 } });

    const claimed = (await storage.claimWaitingTrial(study.id))!;
    expect(claimed).toMatchObject({ number: 6, state: 'RUNNING' });
    expect(claimed.systemAttrs['fixed_params']).toEqual({ lr: 1e-3, batch: 32, optimizer: 'sgd', drop: 0.1 });
    await storage.finishTrial(claimed.id, 'COMPLETE', [0.5]);
    const next = (await storage.createTrial(study.id))!;
    expect(next.number).toBe(7);
    const dist = ours[0]!.distributions;
    await storage.setParam(next.id, 'lr', 2e-3, dist['lr']!);
    await storage.setParam(next.id, 'batch', 48, dist['batch']!);
    await storage.setParam(next.id, 'optimizer', 3, dist['optimizer']!);
    await storage.setParam(next.id, 'drop', 0.2, dist['drop']!);
    await storage.report(next.id, 0, 0.1);
    await storage.finishTrial(next.id, 'COMPLETE', [0.9]);
    const continued = (await storage.trialsSince(study.id, START_CURSOR)).trials;
    await storage.close();

    const after = optunaRead(db.url, 'from-optuna', 120_000);
    expect(after.trials).toEqual(continued.map(asOptuna));
    expect(after.trials[7]).toMatchObject({ number: 7, state: 'COMPLETE', values: [0.9], params: { optimizer: true, batch: 48 } });
  }, 120_000);
});
