import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';
import { optunaRead, pythonModulesMissing } from '../helpers/optuna.js';

const missingOptuna = pythonModulesMissing(['optuna']);

// a helps (2 per unit), b helps (1 per unit), x does nothing; seed noise shared by every
// configuration run on one seed, and a little of each configuration's own.
const TRIAL = `
const a = Number(process.env.SODATE_PARAM_A);
const x = Number(process.env.SODATE_PARAM_X);
const b = Number(process.env.SODATE_PARAM_B);
const seed = Number(process.env.SODATE_TRIAL_SEED);
const noise = (salt) => {
  let h = (seed ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
};
console.log(JSON.stringify({ value: 3 - 2 * a - b + 0 * x + 0.2 * noise(0) + 0.001 * noise(Math.round(1000 * (a + 3 * b + 7 * x))) }));
`;

const SPACE = `study: grow
objective: { command: [node, trial.mjs] }
sampler: { kind: random, seed: 4 }
pruner: none
seed: 11
workers: { devices: cpu, perDevice: 2 }
baseline: { a: 0.0, x: 0.5, b: 0.0 }
stages:
  - { name: optim, params: [a, x], trials: 4 }
  - { name: reg, params: [b], trials: 4 }
params:
  a: { float: [0.0, 1.0] }
  x: { float: [0.0, 1.0] }
  b: { float: [0.0, 1.0] }
`;

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, number>;
  user_attrs: Record<string, unknown>;
}

interface StepJson {
  step: number;
  stage?: string;
  changes: { param: string; from: number | null; to: number | null }[];
  gain: { mean: number } | null;
  gain_from_baseline: { mean: number } | null;
}

async function trialsOf(dir: string, study: string): Promise<TrialJson[]> {
  const result = await runCli(['trials', study, '--format', 'json'], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TrialJson[];
}

const best = (trials: TrialJson[]) => trials.filter((t) => t.state === 'COMPLETE' && t.user_attrs['sodate:ablation'] === undefined).sort((p, q) => (p.value as number) - (q.value as number))[0] as TrialJson;

describe('sodate ablate on a staged study', () => {
  it('flips one stage at a time from the first stage baseline to the last stage best, and a first stage per parameter', async () => {
    const dir = tempProject({ 'space.yaml': SPACE, 'trial.mjs': TRIAL });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const baseline = (await trialsOf(dir, 'grow.optim')).find((t) => t.user_attrs['sodate:baseline'] === true) as TrialJson;
    const target = best(await trialsOf(dir, 'grow.reg'));
    expect(baseline.params).toEqual({ a: 0, x: 0.5, b: 0 });
    expect(target.params['b']).not.toBe(0);

    const ablate = await runCli(['ablate', 'grow.reg', '--seeds', '2', '--format', 'json'], dir, { timeoutMs: 120_000 });
    expect(ablate.code, ablate.stderr).toBe(0);
    expect(ablate.stderr).toMatch(/ablating 2 stage\(s\) of grow \(optim, reg\) from baseline trial \d+ of grow\.optim to trial \d+/);
    const steps = JSON.parse(ablate.stdout) as StepJson[];
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2]);
    // Each step flips a whole stage: optim brings a and x together.
    expect(new Set(steps.slice(1).map((s) => s.stage))).toEqual(new Set(['optim', 'reg']));
    const optim = steps.find((s) => s.stage === 'optim') as StepJson;
    expect(optim.changes).toEqual([
      { param: 'a', from: 0, to: target.params['a'] },
      { param: 'x', from: 0.5, to: target.params['x'] },
    ]);
    expect(steps.find((s) => s.stage === 'reg')?.changes).toEqual([{ param: 'b', from: 0, to: target.params['b'] }]);
    const sum = steps.reduce((acc, s) => acc + (s.gain?.mean ?? 0), 0);
    expect(steps[2]?.gain_from_baseline?.mean).toBeCloseTo(sum, 9);

    // The runs are trials of the last stage's ablation study (the stage's own holds only its tuning): 2 groups, 2 seeds, 2·(2·3/2 − 1) + 2·3 runs, each on its configuration.
    expect(ablate.stderr).toContain('(in study grow.reg.ablation)');
    expect((await trialsOf(dir, 'grow.reg')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined)).toHaveLength(0);
    const runs = (await trialsOf(dir, 'grow.reg.ablation')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined);
    expect(runs.filter((t) => t.state === 'COMPLETE')).toHaveLength(10);
    for (const t of runs) {
      const attr = t.user_attrs['sodate:ablation'] as { flipped: string[]; baseline: number; baseline_study: string; target: number };
      expect([attr.baseline, attr.baseline_study, attr.target]).toEqual([baseline.number, 'grow.optim', target.number]);
      expect([[], ['a', 'x'], ['b'], ['a', 'b', 'x']]).toContainEqual(attr.flipped);
      for (const name of ['a', 'x', 'b']) expect(t.params[name], `${name} of trial ${t.number}`).toBe((attr.flipped.includes(name) ? target : baseline).params[name]);
    }

    // By the staged study's name: its latest stage, as a table; every run reused.
    const table = await runCli(['ablate', 'grow', '--stages', '--seeds', '2'], dir);
    expect(table.code, table.stderr).toBe(0);
    expect((await trialsOf(dir, 'grow.reg.ablation')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined)).toHaveLength(runs.length);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^study grow\\.reg \\(minimize value\\): ablation path from baseline trial ${baseline.number} of grow\\.optim to trial ${target.number}, one stage at a time`));
    expect(lines.slice(4, 6).join('\n')).toMatch(/stage optim: a: 0 → [\d.]+; x: 0\.5 → [\d.]+/);
    expect(lines.slice(4, 6).join('\n')).toMatch(/stage reg: b: 0 → [\d.]+/);
    expect(lines[6]).toMatch(new RegExp(`^total gain baseline \\(trial ${baseline.number} of grow\\.optim\\) → trial ${target.number}: .* of 2 stage\\(s\\) told apart from noise`));

    // The first stage holds its own baseline: ablated per parameter, as any study.
    const first = await runCli(['ablate', 'grow.optim', '--seeds', '2', '--format', 'json'], dir, { timeoutMs: 120_000 });
    expect(first.code, first.stderr).toBe(0);
    const firstSteps = JSON.parse(first.stdout) as StepJson[];
    expect(firstSteps.every((s) => s.stage === undefined)).toBe(true);
    expect(new Set(firstSteps.slice(1).map((s) => s.changes.map((c) => c.param).join('+')))).toEqual(new Set(['a', 'x']));

    // A stage's best confirmed on 2 more seeds (its study found in studies/grow.db).
    const confirm = await runCli(['confirm', 'grow.reg', '--top', '1', '--seeds', '2'], dir, { timeoutMs: 120_000 });
    expect(confirm.code, confirm.stderr).toBe(0);

    // The report of the staged study's name is its latest stage's, with the stages side by side.
    // Each ablation (in its stage's ablation study) measured its target (each stage's best) on 2 report seeds and confirm ran reg's on 2 more: re-runs, so the gain gets an interval.
    // grow.reg.ablation also ran optim's best (the optim stage flipped alone: 2 search seeds, and 2 report seeds when the path flips it first): they count for optim too.
    const report = await runCli(['report', 'grow', '-o', 'grow.html'], dir);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toContain('sodate report: "grow" is a staged study; reporting its latest stage, grow.reg');
    const html = /<section id="stages">.*?<\/section>/s.exec(readFileSync(join(dir, 'grow.html'), 'utf8'))?.[0] ?? '';
    expect(html).toMatch(/<tr><td class="num">1<\/td><td>optim<\/td><td>grow\.optim<\/td><td>a, x<\/td><td class="num">4<\/td>/);
    // optim's best: 4 runs in grow.reg.ablation (2 search seeds, 2 report seeds), and 2 in grow.optim.ablation (its target) on
    // report seeds of its own (each stage has its own study seed): 6 measurements against reg's 4.
    expect(runs.filter((t) => t.state === 'COMPLETE' && (t.user_attrs['sodate:ablation'] as { flipped: string[] }).flipped.join() === 'a,x')).toHaveLength(4);
    expect(html).toMatch(/<tr class="current"><td class="num">2<\/td><td>reg<\/td><td>grow\.reg<\/td><td>b<\/td><td class="num">4<\/td>.*<td>\[[-\d.e]+, [-\d.e]+\] \(4 re-runs vs 6\)<\/td><\/tr>/);

    // The staged study's own name, and the ablation study, point at the studies to name.
    for (const command of ['confirm', 'trials']) {
      const staged = await runCli([command, 'grow', '--storage', 'studies/grow.db'], dir);
      expect(staged.stderr.trim()).toBe(`sodate ${command}: "grow" is a staged study: name one of its stages' studies, grow.optim, grow.reg`);
    }
    const ablationStudy = await runCli(['confirm', 'grow.reg.ablation', '--storage', 'studies/grow.db'], dir);
    expect(ablationStudy.stderr.trim()).toBe("sodate confirm: study \"grow.reg.ablation\" holds `sodate ablate`'s runs of grow.reg; run `sodate confirm grow.reg` instead");

    const refused = await runCli(['ablate', 'nope', '--stages', '--storage', 'studies/grow.db'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sodate ablate: no staged study named "nope" in studies\/grow\.db/);
  }, 300_000);

  it('ablates by stage when a stage fixed an earlier categorical and log float (its ablation study holds every choice)', async () => {
    // sgd helps, lr near 1e-2 helps, wd helps; the noise is shared by every configuration run on one seed.
    const trial = `
console.error('training with ' + process.env.SODATE_PARAM_OPTIMIZER);
const sgd = process.env.SODATE_PARAM_OPTIMIZER === 'sgd' ? 1 : 0;
const lr = Number(process.env.SODATE_PARAM_LR);
const wd = Number(process.env.SODATE_PARAM_WD);
const seed = Number(process.env.SODATE_TRIAL_SEED);
let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x45d9f3b) >>> 0;
h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
const noise = ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
console.log(JSON.stringify({ value: 3 - sgd + 0.3 * Math.abs(Math.log10(lr) + 2) - wd + 0.1 * noise }));
`;
    const space = `study: img
objective: { command: [node, trial.mjs] }
sampler: { kind: random, seed: 3 }
pruner: none
seed: 5
workers: { devices: cpu, perDevice: 2 }
baseline: { optimizer: adamw, lr: 0.0001, wd: 0.0 }
stages:
  - { name: optim, params: [optimizer, lr], trials: 6 }
  - { name: reg, params: [wd], trials: 3 }
params:
  optimizer: { choice: [adamw, sgd] }
  lr: { float: [0.0001, 0.1], log: true }
  wd: { float: [0.0, 1.0] }
`;
    const dir = tempProject({ 'space.yaml': space, 'trial.mjs': trial });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const target = best(await trialsOf(dir, 'img.reg'));
    // Stage reg fixed optimizer at optim's best, sgd, and lr off the baseline: both are changes to ablate.
    expect(target.params['optimizer']).toBe('sgd');
    expect(target.params['lr']).not.toBe(0.0001);

    const ablate = await runCli(['ablate', 'img', '--stages', '--seeds', '2', '--format', 'json'], dir, { timeoutMs: 120_000 });
    expect(ablate.code, ablate.stderr).toBe(0);
    expect(ablate.stderr).toMatch(/ablating 2 stage\(s\) of img \(optim, reg\) from baseline trial \d+ of img\.optim to trial \d+ .*\(in study img\.reg\.ablation\)/);
    const steps = JSON.parse(ablate.stdout) as StepJson[];
    expect(new Set(steps.slice(1).map((s) => s.stage))).toEqual(new Set(['optim', 'reg']));
    expect(steps.find((s) => s.stage === 'optim')?.changes.map((c) => [c.param, c.from, c.to])).toEqual([
      ['optimizer', 'adamw', 'sgd'],
      ['lr', 0.0001, target.params['lr']],
    ]);
    const runs = (await trialsOf(dir, 'img.reg.ablation')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined);
    expect(runs.filter((t) => t.state === 'COMPLETE')).toHaveLength(10);
    expect(new Set(runs.map((t) => t.params['optimizer']))).toEqual(new Set(['adamw', 'sgd']));
    // Found by name in studies/img.db, with its runs' logs.
    const logs = await runCli(['logs', 'img.reg.ablation', String(runs[0]?.number)], dir);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(`training with ${String(runs[0]?.params['optimizer'])}`);

    // Resumed: every run reused, the table names the stages.
    const again = await runCli(['ablate', 'img', '--stages', '--seeds', '2'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(await trialsOf(dir, 'img.reg.ablation')).toHaveLength(runs.length);
    expect(again.stdout).toMatch(/stage optim: optimizer: adamw → sgd; lr: 1\.000e-4 → [\d.e-]+/);
    expect(again.stdout).toMatch(/stage reg: wd: 0 → [\d.]+/);

    // The stage's study still takes re-runs of its own trials (confirm suggests from the stage's space).
    // (Before, each re-run failed on optimizer's choices and confirm printed "2 missing".)
    const confirm = await runCli(['confirm', 'img.reg', '--top', '1', '--seeds', '2'], dir, { timeoutMs: 120_000 });
    expect(confirm.code, confirm.stderr).toBe(0);
    expect(confirm.stdout).not.toContain('missing');
    const confirmed = (await trialsOf(dir, 'img.reg')).filter((t) => t.user_attrs['sodate:confirm_of'] !== undefined);
    expect(confirmed.map((t) => [t.state, t.params['optimizer'], t.params['lr']])).toEqual([
      ['COMPLETE', 'sgd', target.params['lr']],
      ['COMPLETE', 'sgd', target.params['lr']],
    ]);
    const report = await runCli(['report', 'img', '-o', 'img.html'], dir);
    expect(report.code, report.stderr).toBe(0);

    if (missingOptuna === null) {
      // Optuna reads both studies: the stage's optimizer as its one choice, the ablation's with both.
      const url = `sqlite:///${join(dir, 'studies', 'img.db')}`;
      const stage = optunaRead(url, 'img.reg').trials.filter((t) => t.state === 'COMPLETE');
      expect(new Set(stage.map((t) => t.params['optimizer']))).toEqual(new Set(['sgd']));
      const ablation = optunaRead(url, 'img.reg.ablation').trials;
      expect(ablation.map((t) => [t.number, t.params['optimizer'], t.params['lr'], t.user_attrs['sodate:ablation']])).toEqual(runs.map((t) => [t.number, t.params['optimizer'], t.params['lr'], t.user_attrs['sodate:ablation']]));
    }
  }, 300_000);
});
