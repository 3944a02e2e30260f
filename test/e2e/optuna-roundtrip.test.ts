import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/json.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { START_CURSOR } from '../../src/storage/records.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { createStudy } from '../../src/study/index.js';
import { writeDemoStudy } from '../analysis/make-study.js';
import { runCli, tempProject } from '../helpers/cli.js';
import type { OptunaTrial } from '../helpers/optuna.js';
import { PYTHON, optunaRead, pythonModulesMissing } from '../helpers/optuna.js';

const missingOptuna = pythonModulesMissing(['optuna']);
const hasOptuna = missingOptuna === null;
if (!hasOptuna) console.warn(`skipping the Optuna round-trip tests: ${missingOptuna}`);

/** Optuna loads the sodate study and adds trials with the same parameters: completes, a pruned and a failed one. */
const OPTUNA_CONTINUE = `
import sys
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
url, name = sys.argv[1], sys.argv[2]
study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=3))

def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    optimizer = trial.suggest_categorical("optimizer", ["adamw", "sgd"])
    momentum = trial.suggest_float("momentum", 0.8, 0.99) if optimizer == "sgd" else 0.9
    ema = trial.suggest_categorical("ema", [True, False])
    noise = trial.suggest_float("noise", 0.0, 1.0)
    trial.set_user_attr("written_by", "optuna")
    final = (__import__("math").log10(lr) + 3) ** 2 + (0.0 if ema else 0.8) + 0.05 * layers + 2 * (momentum - 0.9) ** 2 + 0.01 * noise
    for step in range(4):
        trial.report(final + 1.0 / (step + 1), step)
    k = trial.number - ${'${FIRST}'}
    if k == 1:
        raise optuna.TrialPruned()
    if k == 2:
        raise RuntimeError("optuna-side failure")
    return final

study.optimize(objective, n_trials=6, catch=(RuntimeError,))
`;

/** Optuna's own view of a study file, read by Optuna itself. */
const optunaReadFile = (file: string, name: string) => optunaRead(`sqlite:///${file}`, name);

/** What both sides must agree on for each trial, in optuna_read.py's shape. */
function essentials(t: FrozenTrial): Pick<OptunaTrial, 'number' | 'state' | 'params' | 'values' | 'intermediate_values'> {
  return {
    number: t.number,
    state: t.state,
    params: t.params as Record<string, JsonValue>,
    values: t.values === null ? null : [...t.values],
    intermediate_values: Object.fromEntries([...t.intermediateValues].map(([s, v]) => [String(s), v])),
  };
}
const optunaEssentials = (t: OptunaTrial) => ({ number: t.number, state: t.state, params: t.params, values: t.values, intermediate_values: t.intermediate_values });

async function sodateTrials(file: string, name: string): Promise<FrozenTrial[]> {
  const storage = SqliteStorage.open(file);
  try {
    const study = await storage.loadStudy(name);
    if (study === null) throw new Error(`no study ${name}`);
    return (await storage.trialsSince(study.id, START_CURSOR)).trials;
  } finally {
    await storage.close();
  }
}

describe.skipIf(!hasOptuna)('sodate → Optuna → sodate', () => {
  let dir: string;
  let file: string;
  let written: FrozenTrial[];
  beforeAll(async () => {
    dir = tempProject();
    mkdirSync(join(dir, 'studies'));
    file = join(dir, 'studies/roundtrip.db');
    await writeDemoStudy(file, 'roundtrip', 20, 5);
    written = await sodateTrials(file, 'roundtrip');
  });

  it('optuna.load_study sees every sodate trial: params, values, states and intermediate values', () => {
    const theirs = optunaReadFile(file, 'roundtrip');
    expect(theirs.direction).toBe('MINIMIZE');
    expect(theirs.trials.map(optunaEssentials)).toEqual(written.map(essentials));
    expect(new Set(theirs.trials.map((t) => t.state))).toEqual(new Set(['COMPLETE', 'PRUNED', 'FAIL']));
  });

  it('Optuna adds trials (a pruned and a failed one among them); sodate reads every trial back unchanged, then continues the study', async () => {
    const script = join(dir, 'continue.py');
    writeFileSync(script, OPTUNA_CONTINUE.replace('${FIRST}', String(written.length)));
    const run = spawnSync(PYTHON, [script, `sqlite:///${file}`, 'roundtrip'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);

    const afterOptuna = await sodateTrials(file, 'roundtrip');
    expect(afterOptuna).toHaveLength(written.length + 6);
    // Every trial sodate wrote is still exactly what it was.
    expect(afterOptuna.slice(0, written.length).map(essentials)).toEqual(written.map(essentials));
    // Optuna's trials read the same in sodate as in Optuna.
    const optunaView = optunaReadFile(file, 'roundtrip');
    expect(afterOptuna.map(essentials)).toEqual(optunaView.trials.map(optunaEssentials));
    const added = afterOptuna.slice(written.length);
    expect(added.map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
    expect(added.every((t) => t.userAttrs['written_by'] === 'optuna')).toBe(true);
    expect(added[1]?.intermediateValues.size).toBe(4);

    // sodate continues the study Optuna extended.
    const study = await createStudy({ name: 'roundtrip', storage: `sqlite:${file}`, direction: 'minimize', loadIfExists: true });
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
        const optimizer = trial.suggestCategorical('optimizer', ['adamw', 'sgd']);
        if (optimizer === 'sgd') trial.suggestFloat('momentum', 0.8, 0.99);
        const ema = trial.suggestCategorical('ema', [true, false]);
        await trial.report(0, 1 + lr);
        return (Math.log10(lr) + 3) ** 2 + (ema ? 0 : 0.8);
      },
      { nTrials: 4 },
    );
    await study.close();
    const continued = await sodateTrials(file, 'roundtrip');
    expect(continued.map((t) => t.number)).toEqual(Array.from({ length: written.length + 10 }, (_, i) => i));
    expect(continued.slice(0, afterOptuna.length).map(essentials)).toEqual(afterOptuna.map(essentials));
    // And Optuna still reads the whole study, sodate's new trials included.
    expect(optunaReadFile(file, 'roundtrip').trials.map(optunaEssentials)).toEqual(continued.map(essentials));
  });

  it('sodate analyses the mixed study: importance, export and report', async () => {
    const importance = await runCli(['importance', 'roundtrip', '--method', 'fanova', '--format', 'json'], dir);
    expect(importance.code, importance.stderr).toBe(0);
    expect((JSON.parse(importance.stdout) as { importances: unknown[] }).importances).toHaveLength(6);
    const exported = await runCli(['export', 'roundtrip', '--format', 'json'], dir);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = JSON.parse(exported.stdout) as { number: number; best_epoch: number | null }[];
    expect(rows.length).toBe((await sodateTrials(file, 'roundtrip')).length);
    const report = await runCli(['report', 'roundtrip', '-o', 'roundtrip.html'], dir);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(join(dir, 'roundtrip.html'), 'utf8')).toContain('id="plot-contour"');
  });
});
