import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';
import { optunaRead, pythonModulesMissing } from '../helpers/optuna.js';

const missingOptuna = pythonModulesMissing(['optuna']);
if (missingOptuna !== null) console.warn(`skipping the Optuna check of the folds e2e test: ${missingOptuna}`);

// A 5-fold cross-validation stand-in: quality (x - 0.3)², fold f harder by f/10, no final
// line (the value is the mean over the folds). The baseline x = 0.3 runs first, so later trials far
// from it are worse on every fold and the wilcoxon pruner stops them after 2 folds.
// Trial 5 prints one bad fold line: that trial fails, the study goes on.
const TRIAL = `
const x = Number(process.argv[2]);
for (let fold = 0; fold < 5; fold++) {
  if (process.env.SODATE_TRIAL_NUMBER === '5' && fold === 1) console.log('{"fold": "one", "value": 1}');
  console.log(JSON.stringify({ fold, value: (x - 0.3) ** 2 + fold / 10 }));
}
`;

const SPACE = `study: cv
objective:
  command: [node, trial.mjs, "{x}"]
sampler: { kind: random, seed: 4 }
pruner: { kind: wilcoxon, pThreshold: 0.3, nStartupSteps: 2 }
baseline: { x: 0.3 }
budget: { trials: 14 }
workers: { devices: cpu, perDevice: 1 }
params:
  x: { float: [0.0, 1.0] }
`;

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: { x: number };
}

describe('folds through the CLI', () => {
  it('fails a trial that prints a step after its folds, in one line', async () => {
    const mixed = `console.log('{"fold": 0, "value": 0.5}');\nconsole.log('{"step": 1, "value": 0.6}');\n`;
    const dir = tempProject({ 'space.yaml': SPACE.replace('trials: 14', 'trials: 1').replace(/pruner: .*/, 'pruner: { kind: none }'), 'trial.mjs': mixed });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    expect(tune.stdout).toMatch(/trial 0 FAIL +failed: trial 0 reports folds \(reportFold\); it cannot also report steps/);
  });

  it('stores command folds keyed by fold index in SQLite, completes with their mean, prunes with wilcoxon, fails a bad fold line in one line', async () => {
    const dir = tempProject({ 'space.yaml': SPACE, 'trial.mjs': TRIAL });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    expect(tune.stderr).not.toMatch(/\n\s+at /);
    const listed = await runCli(['trials', 'cv', '--format', 'json'], dir);
    const trials = JSON.parse(listed.stdout) as TrialJson[];
    expect(trials).toHaveLength(14);

    const complete = trials.filter((t) => t.state === 'COMPLETE');
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    const failed = trials.filter((t) => t.state === 'FAIL');
    for (const t of complete) expect(t.value).toBeCloseTo((t.params.x - 0.3) ** 2 + 0.2, 10);
    expect(pruned.length).toBeGreaterThan(0);
    expect(failed.map((t) => t.number)).toEqual([5]);
    expect(tune.stdout).toMatch(/trial \d+ PRUNED +pruned after 2 fold\(s\)/);

    // The reason, in one line, where sodate shows it.
    expect(tune.stdout).toMatch(/trial 5 FAIL +failed: stdout line 2: fold must be a non-negative integer \(the fold's index\), got "one"; print \{"fold": 0, "value": 0\.41\} once per fold/);

    if (missingOptuna === null) {
      const read = optunaRead(`sqlite:///${join(dir, 'studies', 'cv.db')}`, 'cv');
      for (const t of read.trials) {
        const mine = trials.find((m) => m.number === t.number) as TrialJson;
        const folds = Object.keys(t.intermediate_values).map(Number).sort((a, b) => a - b);
        if (mine.state === 'COMPLETE') expect(folds).toEqual([0, 1, 2, 3, 4]);
        if (mine.state === 'PRUNED') {
          expect(folds).toEqual([0, 1]);
          // A pruned trial's value is the mean over the folds it ran.
          expect(t.values?.[0]).toBeCloseTo((mine.params.x - 0.3) ** 2 + 0.05, 10);
        }
        for (const f of folds) expect(t.intermediate_values[String(f)]).toBeCloseTo((mine.params.x - 0.3) ** 2 + f / 10, 10);
        expect(t.system_attrs['sodate:folds']).toBe(true);
      }
    }
  }, 120_000);
});
