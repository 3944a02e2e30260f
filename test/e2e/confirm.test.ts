import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDemoStudy, writeMultiObjectiveStudy } from '../analysis/make-study.js';
import { runCli, tempProject } from '../helpers/cli.js';

// A deterministic function of x plus noise drawn from the trial's seed (SODATE_TRIAL_SEED),
// which must equal the {seed} argument; the trial records the seed it saw.
const TRIAL = `
const [x, seedArg] = [Number(process.argv[2]), process.argv[3]];
const seed = Number(process.env.SODATE_TRIAL_SEED);
if (String(seed) !== seedArg) { console.error('seed mismatch', seed, seedArg); process.exit(3); }
let h = seed >>> 0;
h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
const noise = ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
console.log(JSON.stringify({ user_attrs: { seed_seen: seed } }));
console.log(JSON.stringify({ value: (x - 0.3) ** 2 + 0.05 * noise }));
`;

const SPACE = `study: noisy
objective:
  command: [node, trial.mjs, "{x}", "{seed}"]
sampler: { kind: random, seed: 3 }
pruner: { kind: none }
seed: 5
budget: { trials: 10 }
workers: { devices: cpu, perDevice: 2 }
params:
  x: { float: [0.0, 1.0] }
`;

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: { x: number; y?: number };
  user_attrs: Record<string, unknown>;
}

interface RowJson {
  rank: number;
  trial: number | null;
  original_value: number;
  rerun_values: number[];
  n: number;
  mean: number;
  interval95: [number, number];
  p_vs_top: number | null;
  tied_with_top: boolean | null;
}

async function trialsOf(dir: string): Promise<TrialJson[]> {
  const result = await runCli(['trials', 'noisy', '--format', 'json'], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TrialJson[];
}

describe('sodate confirm', () => {
  it('re-runs the top 3 configurations with 2 new seeds each, ranks them by mean, and does not re-run them again', async () => {
    const dir = tempProject({ 'space.yaml': SPACE, 'trial.mjs': TRIAL });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const tuned = await trialsOf(dir);
    expect(tuned).toHaveLength(10);
    // Tuning trials ran with their own seeds, each different.
    expect(new Set(tuned.map((t) => t.user_attrs['seed_seen'])).size).toBe(10);

    const confirm = await runCli(['confirm', 'noisy', '--top', '3', '--seeds', '2', '--by', 'mean', '--format', 'json'], dir);
    expect(confirm.code, confirm.stderr).toBe(0);
    const rows = JSON.parse(confirm.stdout) as RowJson[];
    const all = await trialsOf(dir);
    const reruns = all.filter((t) => t.user_attrs['sodate:confirm_of'] !== undefined);
    expect(all).toHaveLength(16);
    expect(reruns).toHaveLength(6);
    expect(reruns.every((t) => t.state === 'COMPLETE')).toBe(true);
    // Each re-run has its original's parameters and ran with the seed its attribute names.
    const top3 = [...tuned].sort((a, b) => (a.value as number) - (b.value as number)).slice(0, 3);
    for (const original of top3) {
      const mine = reruns.filter((t) => t.user_attrs['sodate:confirm_of'] === original.number);
      expect(mine).toHaveLength(2);
      for (const t of mine) {
        expect(t.params).toEqual(original.params);
        expect(t.user_attrs['seed_seen']).toBe(t.user_attrs['sodate:confirm_seed']);
      }
      expect(mine[0]?.user_attrs['sodate:confirm_seed']).not.toBe(mine[1]?.user_attrs['sodate:confirm_seed']);
    }
    // The ranking: by mean over the original and its two re-runs, best first.
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(new Set(rows.map((r) => r.trial))).toEqual(new Set(top3.map((t) => t.number)));
    for (const row of rows) {
      expect(row.n).toBe(3);
      expect(row.mean).toBeCloseTo((row.original_value + (row.rerun_values[0] as number) + (row.rerun_values[1] as number)) / 3, 12);
      expect(row.interval95[0]).toBeLessThan(row.mean);
      expect(row.interval95[1]).toBeGreaterThan(row.mean);
    }
    expect(rows[0]?.mean).toBeLessThanOrEqual(rows[1]?.mean as number);
    expect(rows[0]?.tied_with_top).toBeNull();
    expect(rows[0]?.p_vs_top).toBeNull();

    // Again, as a table: nothing re-run, the same ranking.
    const again = await runCli(['confirm', 'noisy', '--top', '3', '--seeds', '2', '--by', 'mean'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(await trialsOf(dir)).toHaveLength(16);
    expect(again.stdout).toMatch(/^study noisy \(minimize value\): 3 configuration\(s\), each re-run with 2 new seed\(s\)/);
    expect(again.stdout).toMatch(/rank\s+trial\s+original\s+mean\s+95% interval\s+n\s+p vs 1\s+tied with 1\s+params/);
    expect(again.stdout).toContain(`rank 1: trial ${rows[0]?.trial}`);
    const tableTrials = again.stdout.split('\n').slice(3, 6).map((l) => Number(l.trim().split(/\s+/)[1]));
    expect(tableTrials).toEqual(rows.map((r) => r.trial));

    // By the model (the default): the best single trial and the model's best, ranked by its
    // posterior mean; only the re-runs of configurations not confirmed yet are run.
    const byModel = await runCli(['confirm', 'noisy', '--top', '3', '--seeds', '2', '--format', 'json'], dir);
    expect(byModel.code, byModel.stderr).toBe(0);
    const modelRows = JSON.parse(byModel.stdout) as (RowJson & { model_mean: number | null })[];
    expect(modelRows.map((r) => r.trial)).toContain(top3[0]?.number);
    expect(modelRows.every((r) => typeof r.model_mean === 'number')).toBe(true);
    const means = modelRows.map((r) => r.model_mean as number);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    const newConfigs = modelRows.filter((r) => !top3.some((t) => t.number === r.trial)).length;
    expect(await trialsOf(dir)).toHaveLength(16 + 2 * newConfigs);
    const table = await runCli(['confirm', 'noisy', '--top', '3', '--seeds', '2'], dir);
    expect(table.stdout).toMatch(/ranked by the model's posterior mean/);
    expect(table.stdout).toMatch(/rank\s+trial\s+original\s+model\s+mean\s+95% interval/);
  }, 120_000);

  it("re-runs the model's proposal, a configuration no trial ran, and keeps it across runs", async () => {
    // Two parameters, 12 random trials: none lands near the optimum (0.3, 0.7), which the model finds between them.
    const space = SPACE.replace('budget: { trials: 10 }', 'budget: { trials: 12 }')
      .replace('command: [node, trial.mjs, "{x}", "{seed}"]', 'command: [node, trial.mjs, "{x}", "{seed}", "{y}"]')
      .replace('  x: { float: [0.0, 1.0] }', '  x: { float: [0.0, 1.0] }\n  y: { float: [0.0, 1.0] }');
    const trial2d = TRIAL.replace('(x - 0.3) ** 2 + 0.05 * noise', '(x - 0.3) ** 2 + (Number(process.argv[4]) - 0.7) ** 2 + 0.05 * noise');
    const dir = tempProject({ 'space.yaml': space, 'trial.mjs': trial2d });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const tuned = await trialsOf(dir);
    const confirm = await runCli(['confirm', 'noisy', '--top', '3', '--seeds', '2', '--format', 'json'], dir);
    expect(confirm.code, confirm.stderr).toBe(0);
    expect(confirm.stderr).toMatch(/the model proposes a configuration no trial ran \(posterior mean [-\d.e]+\): x=/);
    const rows = JSON.parse(confirm.stdout) as (RowJson & { proposed: boolean; params: { x: number; y: number } })[];
    const proposed = rows.filter((r) => r.trial === null);
    expect(proposed).toHaveLength(1);
    expect(proposed[0]).toMatchObject({ proposed: true, original_value: null, n: 2 });
    const { x, y } = proposed[0]?.params as { x: number; y: number };
    expect(tuned.some((t) => t.params.x === x)).toBe(false);
    // Nearer the optimum than every tuning trial.
    const distance = (p: { x: number; y?: number }) => Math.hypot(p.x - 0.3, (p.y as number) - 0.7);
    expect(distance({ x, y })).toBeLessThan(Math.min(...tuned.map((t) => distance(t.params))));
    const runs = (await trialsOf(dir)).filter((t) => t.user_attrs['sodate:confirm_of'] === 'model');
    expect(runs).toHaveLength(2);
    for (const t of runs) {
      expect(t.params).toEqual({ x, y });
      expect(t.user_attrs['seed_seen']).toBe(t.user_attrs['sodate:confirm_seed']);
    }
    // Again, as a table: nothing re-run, the proposal shown as such.
    const count = (await trialsOf(dir)).length;
    const table = await runCli(['confirm', 'noisy', '--top', '3', '--seeds', '2'], dir);
    expect(table.code, table.stderr).toBe(0);
    expect(await trialsOf(dir)).toHaveLength(count);
    expect(table.stdout).toMatch(/^\s*\d\s+proposal\s+-\s/m);
    // --no-propose: the tried configurations only.
    const tried = await runCli(['confirm', 'noisy', '--top', '2', '--seeds', '2', '--no-propose', '--format', 'json'], dir);
    expect(tried.code, tried.stderr).toBe(0);
    expect((JSON.parse(tried.stdout) as RowJson[]).every((r) => r.trial !== null)).toBe(true);
  }, 120_000);

  it('exits 1 naming the re-runs that failed, and ranks them once they ran', async () => {
    const crashing = `import { existsSync } from 'node:fs';\nif (process.env.SODATE_TRIAL_NUMBER >= '6' && existsSync('crash')) { console.error('RuntimeError: boom'); process.exit(1); }\n${TRIAL}`;
    const dir = tempProject({ 'trial.mjs': crashing, 'space.yaml': SPACE.replace('trials: 10', 'trials: 6') });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'crash'), '');
    const failed = await runCli(['confirm', 'noisy', '--top', '2', '--seeds', '2', '--no-propose'], dir);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/sodate confirm: 4 re-run\(s\) did not complete \(#6 FAIL, #7 FAIL, #8 FAIL, #9 FAIL; #6: .*\); see `sodate logs noisy 6`, fix the cause/);
    unlinkSync(join(dir, 'crash'));
    // A study whose every tuning trial failed says so, not "run sodate tune first".
    const broken = tempProject({ 'trial.mjs': 'process.exit(1);\n', 'space.yaml': SPACE.replace('trials: 10', 'trials: 2') });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], broken)).code).toBe(0);
    const none = await runCli(['confirm', 'noisy'], broken);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('sodate confirm: study "noisy" has no complete trial to confirm yet; its 2 finished tuning trial(s) ended FAIL; see why with `sodate trials noisy` and `sodate logs noisy <trial>`');
    const fixed = await runCli(['confirm', 'noisy', '--top', '2', '--seeds', '2', '--no-propose', '--format', 'json'], dir);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect((JSON.parse(fixed.stdout) as RowJson[]).map((r) => r.n)).toEqual([3, 3]);
  });
  it('refuses bad input with one line naming the fix', async () => {
    const dir = tempProject();
    await writeDemoStudy(join(dir, 'demo.db'), 'demo', 6);
    await writeMultiObjectiveStudy(join(dir, 'pareto.db'), 'pareto', 4);
    const cases: [string[], number, RegExp][] = [
      [['confirm', 'nope', '--storage', 'sqlite:demo.db'], 1, /no study named "nope" in sqlite:demo\.db; list them with `sodate studies`/],
      [['confirm', 'demo', '--storage', 'sqlite:demo.db'], 2, /study "demo" was not started by `sodate tune` .*; run `sodate tune` on its space file first/],
      [['confirm', 'pareto', '--storage', 'sqlite:pareto.db'], 2, /study "pareto" has 2 objectives; confirm ranks one objective/],
      [['confirm', 'demo', '--top', '0', '--storage', 'sqlite:demo.db'], 2, /--top expects an integer >= 1, got "0"/],
      [['confirm', 'demo', '--seeds', '1.5', '--storage', 'sqlite:demo.db'], 2, /--seeds expects an integer >= 1, got "1\.5"/],
      [['confirm', 'demo', '--by', 'luck', '--storage', 'sqlite:demo.db'], 2, /--by/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args, dir);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
