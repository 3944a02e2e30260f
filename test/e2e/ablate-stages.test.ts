import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

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

    // The runs are trials of the last stage's study: 2 groups, 2 seeds, 2·(2·3/2 − 1) + 2·3 runs, each on its configuration.
    const runs = (await trialsOf(dir, 'grow.reg')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined);
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
    expect((await trialsOf(dir, 'grow.reg')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined)).toHaveLength(runs.length);
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
    // Each ablation measured its target (each stage's best) on 2 report seeds and confirm ran reg's on 2 more: re-runs, so the gain gets an interval.
    const report = await runCli(['report', 'grow', '-o', 'grow.html'], dir);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toContain('sodate report: "grow" is a staged study; reporting its latest stage, grow.reg');
    const html = /<section id="stages">.*?<\/section>/s.exec(readFileSync(join(dir, 'grow.html'), 'utf8'))?.[0] ?? '';
    expect(html).toMatch(/<tr><td class="num">1<\/td><td>optim<\/td><td>grow\.optim<\/td><td>a, x<\/td><td class="num">4<\/td>/);
    expect(html).toMatch(/<tr class="current"><td class="num">2<\/td><td>reg<\/td><td>grow\.reg<\/td><td>b<\/td><td class="num">4<\/td>.*<td>\[[-\d.e]+, [-\d.e]+\] \(4 re-runs vs 2\)<\/td><\/tr>/);

    const refused = await runCli(['ablate', 'nope', '--stages', '--storage', 'studies/grow.db'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sodate: sodate ablate: no staged study named "nope" in studies\/grow\.db/);
  }, 300_000);
});
