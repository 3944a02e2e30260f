import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../../src/space/distributions.js';
import { RandomSampler } from '../../../src/samplers/random.js';
import { START_CURSOR } from '../../../src/storage/records.js';
import { createStudy } from '../../../src/study/create.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { tempDir } from '../helpers.js';
import { PYTHON, asOptuna, optunaRead, pythonModulesMissing, runPythonFixture } from '../../helpers/optuna.js';

const missing = pythonModulesMissing(['optuna']);
if (missing !== null) console.warn(`skipping the Optuna interop tests: ${missing}`);

/** Optuna's view of a study file, read by Optuna itself. */
const optunaReadFile = (file: string, name: string) => optunaRead(`sqlite:///${file}`, name);

describe.skipIf(missing !== null)('Optuna 3.1 interoperability', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let file: string;

  beforeEach(async () => {
    temp = await tempDir();
    file = join(temp.dir, 'interop.db');
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('creates exactly the tables and indexes Optuna creates', async () => {
    const optunaFile = join(temp.dir, 'optuna.db');
    const made = spawnSync(PYTHON, ['-c', `import optuna; optuna.storages.RDBStorage("sqlite:///${optunaFile}")`], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    SqliteStorage.open(file).close();
    const schema = (path: string) => {
      const db = new Database(path);
      const rows = db
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT IN ('ix_trials_study_id_number', 'ix_trials_study_id_state') ORDER BY name")
        .all();
      const data = { version: db.prepare('SELECT * FROM version_info').all(), alembic: db.prepare('SELECT * FROM alembic_version').all() };
      db.close();
      return { rows, data };
    };
    expect(schema(file)).toEqual(schema(optunaFile));
  });

  it('lets optuna.load_study read a multi-objective study with the same Pareto front', async () => {
    const study = await createStudy({ name: 'pareto', storage: `sqlite:${file}`, directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1);
      const y = t.suggestFloat('y', 0, 1);
      return [x, 1 - (x - y) ** 2];
    }, { nTrials: 40 });
    const front = study.bestTrials.map((t) => t.number);
    await study.close();
    const read = optunaReadFile(file, 'pareto');
    expect(read.directions).toEqual(['MINIMIZE', 'MAXIMIZE']);
    expect(front.length).toBeGreaterThan(1);
    expect(read.best_trials).toEqual(front);
  });

  it('lets optuna.load_study read a study sodate wrote', async () => {
    const storage = SqliteStorage.open(file);
    const study = await storage.createStudy({ name: 'from-sodate', direction: 'minimize', userAttrs: { dataset: { name: 'digits' } } });
    const lr = floatDistribution(1e-5, 1e-1, { log: true });
    const batch = intDistribution(16, 128, { step: 16 });
    const opt = categoricalDistribution(['adamw', 'sgd', null, true, 3]);
    const drop = floatDistribution(0, 0.3, { step: 0.05 });
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
      await storage.setParam(trial.id, 'drop', 0.05 * i, drop);
      await storage.setTrialAttr(trial.id, 'user', 'note', { i, tags: ['a', i % 2 === 0] });
      await storage.report(trial.id, 0, 1 / (i + 1));
      await storage.report(trial.id, 1, i === 2 ? NaN : i === 3 ? -Infinity : 0.5);
      await storage.finishTrial(trial.id, state as 'COMPLETE' | 'PRUNED' | 'FAIL', values);
    }
    const running = (await storage.createTrial(study.id))!;
    await storage.report(running.id, 0, Infinity);
    await storage.createTrial(study.id, { state: 'WAITING', params: { lr: { internal: 1e-3, distribution: lr } } });
    const ours = (await storage.trialsSince(study.id, START_CURSOR)).trials;
    await storage.close();

    const theirs = optunaReadFile(file, 'from-sodate');
    expect(theirs.direction).toBe('MINIMIZE');
    expect(theirs.user_attrs).toEqual({ dataset: { name: 'digits' } });
    expect(theirs.study_names).toEqual(['from-sodate']);
    expect(theirs.trials).toEqual(ours.map(asOptuna));
    expect(theirs.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'RUNNING', 'WAITING']);
  });

  it('reads a study Optuna wrote, the same as Optuna does, and continues it', async () => {
    runPythonFixture('optuna_write.py', [`sqlite:///${file}`, 'from-optuna']);
    const before = optunaReadFile(file, 'from-optuna');
    expect(before.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'COMPLETE', 'WAITING']);

    const storage = SqliteStorage.open(file);
    const study = await storage.loadStudy('from-optuna');
    expect(study).toMatchObject({ name: 'from-optuna', direction: 'maximize', userAttrs: { dataset: { name: 'digits', classes: [0, 1, 2] } } });
    const ours = (await storage.trialsSince(study!.id, START_CURSOR)).trials;
    expect(ours.map(asOptuna)).toEqual(before.trials);
    expect(ours[2]?.intermediateValues.get(3)).toBeNaN();
    expect(ours[4]?.values).toEqual([Infinity]);
    const summary = (await storage.listStudies())[0];
    expect(summary).toMatchObject({ nTrials: 7, bestValue: Infinity, counts: { COMPLETE: 4, PRUNED: 1, FAIL: 1, WAITING: 1, RUNNING: 0 } });

    // Continue: claim Optuna's enqueued trial (Optuna keeps its values in the system
    // attribute fixed_params, for the sampler to honour), then add a new one.
    const claimed = (await storage.claimWaitingTrial(study!.id))!;
    expect(claimed).toMatchObject({ number: 6, state: 'RUNNING', params: {} });
    expect(claimed.systemAttrs['fixed_params']).toEqual({ lr: 1e-3, batch: 32, optimizer: 'sgd', drop: 0.1 });
    await storage.finishTrial(claimed.id, 'COMPLETE', [0.5]);
    const next = (await storage.createTrial(study!.id))!;
    expect(next.number).toBe(7);
    const dist = ours[0]!.distributions;
    await storage.setParam(next.id, 'lr', 2e-3, dist['lr']!);
    await storage.setParam(next.id, 'batch', 48, dist['batch']!);
    await storage.setParam(next.id, 'optimizer', 3, dist['optimizer']!);
    await storage.setParam(next.id, 'drop', 0.2, dist['drop']!);
    await storage.report(next.id, 0, 0.1);
    await storage.finishTrial(next.id, 'COMPLETE', [0.9]);
    const continued = (await storage.trialsSince(study!.id, START_CURSOR)).trials;
    await storage.close();

    const after = optunaReadFile(file, 'from-optuna');
    expect(after.trials).toEqual(continued.map(asOptuna));
    expect(after.trials[7]).toMatchObject({ number: 7, state: 'COMPLETE', values: [0.9], params: { optimizer: true, batch: 48 } });
  });
});
