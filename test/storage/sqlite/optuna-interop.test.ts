import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/json.js';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../../src/space/distributions.js';
import type { FrozenTrial } from '../../../src/storage/records.js';
import { START_CURSOR } from '../../../src/storage/records.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { tempDir } from '../helpers.js';

const PYTHON = '/usr/bin/python3';
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

function optunaMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import optuna'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} cannot import optuna (${probe.stderr.trim().split('\n').pop() ?? ''})`;
  return null;
}
const missing = optunaMissing();
if (missing !== null) console.warn(`skipping the Optuna interop tests: ${missing}; install python3-optuna to run them`);

function python(script: string, ...args: string[]): string {
  const run = spawnSync(PYTHON, [join(FIXTURES, script), ...args], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

interface OptunaTrial {
  number: number;
  state: string;
  params: Record<string, JsonValue>;
  values: (number | string)[] | null;
  intermediate_values: Record<string, number | string>;
  user_attrs: Record<string, JsonValue>;
  system_attrs: Record<string, JsonValue>;
  datetime_start: string | null;
  datetime_complete: string | null;
}
interface OptunaStudy {
  direction: string;
  user_attrs: Record<string, JsonValue>;
  study_names: string[];
  trials: OptunaTrial[];
}

/** Optuna's view of a study, read by Optuna itself. */
function optunaRead(file: string, name: string): OptunaStudy {
  return JSON.parse(python('optuna_read.py', `sqlite:///${file}`, name)) as OptunaStudy;
}

/** Non-finite floats as optuna_read.py writes them. */
function float(x: number): number | string {
  return Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x;
}

function when(date: Date | null): string | null {
  return date === null ? null : date.toISOString().slice(0, 23).replace('T', ' ');
}

/** sodate's view of a trial in the shape optuna_read.py prints. */
function asOptuna(t: FrozenTrial): OptunaTrial {
  return {
    number: t.number,
    state: t.state,
    params: t.params as Record<string, JsonValue>,
    values: t.values === null ? null : t.values.map(float),
    intermediate_values: Object.fromEntries([...t.intermediateValues].map(([step, v]) => [String(step), float(v)])),
    user_attrs: t.userAttrs as Record<string, JsonValue>,
    system_attrs: t.systemAttrs as Record<string, JsonValue>,
    datetime_start: when(t.datetimeStart),
    datetime_complete: when(t.datetimeComplete),
  };
}

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

    const theirs = optunaRead(file, 'from-sodate');
    expect(theirs.direction).toBe('MINIMIZE');
    expect(theirs.user_attrs).toEqual({ dataset: { name: 'digits' } });
    expect(theirs.study_names).toEqual(['from-sodate']);
    expect(theirs.trials).toEqual(ours.map(asOptuna));
    expect(theirs.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'RUNNING', 'WAITING']);
  });

  it('reads a study Optuna wrote, the same as Optuna does, and continues it', async () => {
    python('optuna_write.py', `sqlite:///${file}`, 'from-optuna');
    const before = optunaRead(file, 'from-optuna');
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

    const after = optunaRead(file, 'from-optuna');
    expect(after.trials).toEqual(continued.map(asOptuna));
    expect(after.trials[7]).toMatchObject({ number: 7, state: 'COMPLETE', values: [0.9], params: { optimizer: true, batch: 48 } });
  });
});
