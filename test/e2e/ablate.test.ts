import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeMultiObjectiveStudy } from '../analysis/make-study.js';
import { runCli, startCli, tempProject } from '../helpers/cli.js';

// A known objective: a on gains 1, sgd with momentum 0.9 gains 0.5 over adamw, b nothing; plus
// noise from the trial's seed (SODATE_TRIAL_SEED, which must equal {seed}), mostly shared by
// every configuration run on one seed. With a file fail-b beside it, a run with b on fails.
const TRIAL = `
// {momentum} is left out of the arguments where it is absent (adamw), so it comes last.
const [seedArg, a, b, optimizer, momentum] = process.argv.slice(2);
const seed = Number(process.env.SODATE_TRIAL_SEED);
if (String(seed) !== seedArg) { console.error('seed mismatch', seed, seedArg); process.exit(3); }
const { existsSync } = await import('node:fs');
if (b === 'on' && existsSync(new URL('./fail-b', import.meta.url))) { console.error('b is broken'); process.exit(4); }
if (existsSync(new URL('./slow', import.meta.url))) await new Promise((r) => setTimeout(r, 1500));
const noise = (salt) => {
  let h = (seed ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
};
const sgd = optimizer === 'sgd' ? 0.5 - Math.abs(Number(momentum) - 0.9) : 0;
const value = 3 - (a === 'on' ? 1 : 0) - sgd + 0.2 * noise(0) + 0.01 * noise(a.length + b.length * 3 + optimizer.length * 7);
console.log(JSON.stringify({ value }));
`;

const space = (study: string, baseline: boolean, trials: number) => `study: ${study}
objective:
  command: [node, trial.mjs, "{seed}", "{a}", "{b}", "{optimizer}", "{momentum}"]
sampler: { kind: random, seed: 4 }
pruner: { kind: none }
seed: 11
budget: { trials: ${trials} }
workers: { devices: cpu, perDevice: 2 }
params:
  a: { choice: ["off", "on"] }
  b: { choice: ["off", "on"] }
  optimizer: { choice: [adamw, sgd] }
  momentum: { float: [0.8, 0.99], when: { optimizer: sgd } }
${baseline ? 'baseline: { a: "off", b: "off", optimizer: adamw }\n' : ''}`;

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, string | number>;
  user_attrs: Record<string, unknown>;
}

interface GainJson {
  mean: number;
  interval95: [number, number];
  noise: boolean;
  hurts: boolean;
}

interface StepJson {
  step: number;
  changes: { param: string; from: string | number | null; to: string | number | null }[];
  values: number[];
  mean: number;
  interval95: [number, number];
  gain: GainJson | null;
  gain_from_baseline: GainJson | null;
  noise: boolean | null;
  chosen_among: number;
}

async function trialsOf(dir: string, study: string): Promise<TrialJson[]> {
  const result = await runCli(['trials', study, '--format', 'json'], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TrialJson[];
}

describe('sodate ablate', () => {
  it('walks from the baseline to the best trial, resumes after a failed run reusing the finished ones, and prints the path', async () => {
    const dir = tempProject({ 'space.yaml': space('grow', true, 8), 'trial.mjs': TRIAL });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const tuned = await trialsOf(dir, 'grow');
    const baseline = tuned.find((t) => t.user_attrs['sodate:baseline'] === true) as TrialJson;
    expect(baseline.params).toEqual({ a: 'off', b: 'off', optimizer: 'adamw' });
    // Ablate towards a trial that differs from the baseline in every parameter.
    const target = tuned.find((t) => t.state === 'COMPLETE' && t.params['a'] === 'on' && t.params['b'] === 'on' && t.params['optimizer'] === 'sgd') as TrialJson;
    expect(target, JSON.stringify(tuned.map((t) => t.params))).toBeDefined();

    // A run with b on fails: one line naming the run and the fix; what finished stays.
    writeFileSync(join(dir, 'fail-b'), '');
    const failing = await runCli(['ablate', 'grow', '--seeds', '2', '--top-trial', String(target.number)], dir, { timeoutMs: 120_000 });
    expect(failing.code, failing.stderr).toBe(1);
    const lastLine = failing.stderr.trim().split('\n').pop() as string;
    expect(lastLine).toMatch(/^sodate ablate: the run of (trial \d+'s configuration|the baseline with [a-z, ]*b[a-z, ]* from trial \d+) on (search|report) seed \d ended FAIL \(trial \d+; see `sodate logs grow \d+`\); fix the cause and run `sodate ablate grow` again/);
    const afterFail = await trialsOf(dir, 'grow');
    const finished = afterFail.filter((t) => t.user_attrs['sodate:ablation'] !== undefined && t.state === 'COMPLETE');
    expect(finished.length).toBeGreaterThan(0);
    expect(afterFail.filter((t) => t.user_attrs['sodate:ablation'] !== undefined && t.state === 'FAIL').length).toBeGreaterThan(0);

    // Fixed: the second run goes on from there and finishes, re-running none of the finished runs.
    unlinkSync(join(dir, 'fail-b'));
    const ablate = await runCli(['ablate', 'grow', '--seeds', '2', '--top-trial', String(target.number), '--format', 'json'], dir, { timeoutMs: 120_000 });
    expect(ablate.code, ablate.stderr).toBe(0);
    const steps = JSON.parse(ablate.stdout) as StepJson[];
    const all = await trialsOf(dir, 'grow');
    const runs = all.filter((t) => t.user_attrs['sodate:ablation'] !== undefined);
    const complete = runs.filter((t) => t.state === 'COMPLETE');
    // 3 changes (a, b, optimizer with momentum), 2 seeds: 2·(3·4/2 − 1) search + 2·4 report runs, each once.
    expect(complete).toHaveLength(18);
    for (const t of finished) expect(complete.map((c) => c.number)).toContain(t.number);
    const keys = complete.map((t) => JSON.stringify(t.user_attrs['sodate:ablation']));
    expect(new Set(keys).size).toBe(18);
    // Each run ran on the seed its attribute names, with the parameters of its configuration.
    for (const t of complete) {
      const attr = t.user_attrs['sodate:ablation'] as { flipped: string[]; baseline: number; target: number };
      expect([attr.baseline, attr.target]).toEqual([baseline.number, target.number]);
      expect(typeof t.user_attrs['sodate:ablation_seed']).toBe('number');
      for (const name of ['a', 'b', 'optimizer', 'momentum']) {
        const source = attr.flipped.includes(name) ? target : baseline;
        expect(t.params[name], `${name} of trial ${t.number}`).toBe(source.params[name]);
      }
    }

    // The path: the baseline, then a (the largest gain), then sgd with its momentum, then b (noise).
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3]);
    expect(steps[0]?.changes).toEqual([]);
    expect(steps.slice(1).map((s) => s.changes.map((c) => c.param))).toEqual([['a'], ['optimizer', 'momentum'], ['b']]);
    expect(steps[2]?.changes).toEqual([
      { param: 'optimizer', from: 'adamw', to: 'sgd' },
      { param: 'momentum', from: null, to: target.params['momentum'] },
    ]);
    expect(steps.map((s) => s.chosen_among)).toEqual([0, 3, 2, 1]);
    expect(steps[1]?.gain?.mean).toBeCloseTo(1, 1);
    expect(steps[1]?.noise).toBe(false);
    expect(steps[3]?.noise).toBe(true);
    for (const s of steps) {
      expect(s.values).toHaveLength(2);
      expect(s.mean).toBeCloseTo(((s.values[0] as number) + (s.values[1] as number)) / 2, 12);
    }
    const sum = steps.reduce((acc, s) => acc + (s.gain?.mean ?? 0), 0);
    expect(steps[3]?.gain_from_baseline?.mean).toBeCloseTo(sum, 9);

    // Again, as a table: nothing runs, the same path.
    const again = await runCli(['ablate', 'grow', '--seeds', '2', '--top-trial', String(target.number)], dir);
    expect(again.code, again.stderr).toBe(0);
    expect((await trialsOf(dir, 'grow')).length).toBe(all.length);
    const lines = again.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^study grow \\(minimize value\\): ablation path from baseline trial ${baseline.number} to trial ${target.number}, each point run with the same 2 seeds`));
    expect(lines[1]).toMatch(/^step\s+change \(from → to\)\s+mean\s+95% interval\s+gain vs previous\s+95% interval/);
    expect(lines[3]).toMatch(new RegExp(`^\\s*0\\s+baseline \\(trial ${baseline.number}\\)`));
    expect(lines[4]).toMatch(/^\s*1\s+a: off → on\s/);
    expect(lines[5]).toMatch(/^\s*2\s+optimizer: adamw → sgd; momentum: \(absent\) → [\d.]+\s/);
    expect(lines[6]).toMatch(/^\s*3\s+b: off → on\s.*noise$/);
    expect(lines[7]).toMatch(new RegExp(`^total gain baseline \\(trial ${baseline.number}\\) → trial ${target.number}: [\\d.]+ \\[[-\\d.e]+, [\\d.e-]+\\]\\. [12] of 3 change\\(s\\) told apart from noise: a`));

    // Leaving one out of the same target reuses the report runs of the ends and of the target
    // without b (the path's step 2): 2 configurations × 2 seeds are new.
    const loo = await runCli(['ablate', 'grow', '--seeds', '2', '--top-trial', String(target.number), '--method', 'leave-one-out', '--format', 'json'], dir, { timeoutMs: 120_000 });
    expect(loo.code, loo.stderr).toBe(0);
    expect((await trialsOf(dir, 'grow')).length).toBe(all.length + 4);
    const looSteps = JSON.parse(loo.stdout) as StepJson[];
    expect(looSteps[0]?.values).toEqual(steps[3]?.values);
    expect(looSteps.slice(1).map((s) => s.changes.map((c) => c.param))).toEqual([['a'], ['optimizer', 'momentum'], ['b']]);
    expect(looSteps[1]?.changes).toEqual([{ param: 'a', from: 'on', to: 'off' }]);
    expect(looSteps[0]?.gain_from_baseline?.mean).toBeCloseTo(steps[3]?.gain_from_baseline?.mean as number, 12);
  }, 300_000);

  it('after a kill -9 goes on where it stopped: stale runs are run again, finished ones reused', async () => {
    const dir = tempProject({ 'space.yaml': space('grow', true, 8), 'trial.mjs': TRIAL });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const target = (await trialsOf(dir, 'grow')).find((t) => t.state === 'COMPLETE' && t.params['a'] === 'on' && t.params['b'] === 'on' && t.params['optimizer'] === 'sgd') as TrialJson;
    writeFileSync(join(dir, 'slow'), '');
    const first = startCli(['ablate', 'grow', '--seeds', '2', '--top-trial', String(target.number), '--stale-after', '1'], dir);
    await first.seen(/trial \d+ COMPLETE[\s\S]*trial \d+ COMPLETE[\s\S]*trial \d+ COMPLETE/);
    // Not in the instant a freed slot claims its next trial: a trial claimed but killed before
    // its first heartbeat stays RUNNING for good (a stale check needs a heartbeat to compare).
    await new Promise((r) => setTimeout(r, 700));
    first.child.kill('SIGKILL');
    await first.exit;
    const before = (await trialsOf(dir, 'grow')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined);
    const doneBefore = before.filter((t) => t.state === 'COMPLETE').map((t) => t.number);
    expect(doneBefore.length).toBeGreaterThanOrEqual(3);
    expect(doneBefore.length).toBeLessThan(18);
    unlinkSync(join(dir, 'slow'));
    await new Promise((r) => setTimeout(r, 1500));
    const second = await runCli(['ablate', 'grow', '--seeds', '2', '--top-trial', String(target.number), '--stale-after', '1', '--format', 'json'], dir, { timeoutMs: 120_000 });
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as StepJson[]).map((s) => s.step)).toEqual([0, 1, 2, 3]);
    const runs = (await trialsOf(dir, 'grow')).filter((t) => t.user_attrs['sodate:ablation'] !== undefined);
    const complete = runs.filter((t) => t.state === 'COMPLETE');
    // Every configuration and seed completed exactly once; what the kill cut off was failed as stale and run again.
    expect(complete).toHaveLength(18);
    expect(new Set(complete.map((t) => JSON.stringify(t.user_attrs['sodate:ablation']))).size).toBe(18);
    for (const n of doneBefore) expect(complete.map((t) => t.number)).toContain(n);
    expect(runs.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toHaveLength(0);
  }, 300_000);

  it('refuses bad input with one line naming the fix', async () => {
    const dir = tempProject({ 'space.yaml': space('grow', true, 2), 'flat.yaml': space('flat', false, 2), 'trial.mjs': TRIAL });
    for (const file of ['space.yaml', 'flat.yaml']) {
      const tune = await runCli(['tune', file, '--no-tui'], dir);
      expect(tune.code, tune.stderr).toBe(0);
    }
    await writeMultiObjectiveStudy(join(dir, 'pareto.db'), 'pareto', 4);
    const grow = await trialsOf(dir, 'grow');
    const baseline = grow.find((t) => t.user_attrs['sodate:baseline'] === true) as TrialJson;
    const cases: [string[], number, RegExp][] = [
      [['ablate', 'nope'], 1, /sodate ablate nope: studies\/nope\.db does not exist; list studies with `sodate studies`, or pass --storage/],
      [['ablate', 'flat'], 2, /study "flat" has no baseline trial; add `baseline:` to its space file and run `sodate tune` on it again, or pass --baseline-trial N/],
      [['ablate', 'grow', '--top-trial', String(baseline.number)], 2, /trial \d+ has the baseline's configuration \(trial \d+\), so there is nothing to ablate; pick another with --top-trial N/],
      [['ablate', 'grow', '--top-trial', '99'], 1, /study "grow" has no trial 99/],
      [['ablate', 'grow', '--seeds', '1'], 2, /--seeds expects an integer >= 2, got "1"/],
      [['ablate', 'grow', '--method', 'random'], 2, /--method/],
      [['ablate', 'pareto', '--storage', 'sqlite:pareto.db'], 2, /study "pareto" (has 2 objectives|was not started by `sodate tune`)/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args, dir);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    // Nothing was added to the studies.
    expect(await trialsOf(dir, 'grow')).toHaveLength(grow.length);
    expect(existsSync(join(dir, 'studies/nope.db'))).toBe(false);
  }, 300_000);
});
