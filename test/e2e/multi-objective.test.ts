import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempProject, startCli } from '../helpers/cli.js';
import { optunaRead, pythonModulesMissing } from '../helpers/optuna.js';

const missingOptuna = pythonModulesMissing(['optuna']);
if (missingOptuna !== null) console.warn(`skipping the Optuna check of the multi-objective e2e test: ${missingOptuna}`);

/** A command trial: error falls with width, latency rises with it, memory is the constraint. */
const TRIAL = `
const [width, depth] = process.argv.slice(2).map(Number);
await new Promise((r) => setTimeout(r, 150));
const error = 1 / width + 0.1 * depth;
const latency = width * depth;
console.log(JSON.stringify({ constraints: { gpu_mem_gb: width * 0.25 } }));
console.log(JSON.stringify({ values: [error, latency] }));
`;

const SPACE = `study: pareto
directions: [minimize, minimize]
metrics: [error, latency_ms]
constraints:
  gpu_mem_gb: { max: 4 }
objective:
  command: [node, trial.mjs, "{width}", "{depth}"]
sampler: { kind: random, seed: 3 }
pruner: { kind: none }
budget: { trials: 14 }
workers: { devices: cpu, perDevice: 2 }
retries: 1
params:
  width: { int: [1, 24] }
  depth: { int: [1, 4] }
`;

interface TrialJson {
  number: number;
  state: string;
  value: number;
  values?: number[];
  feasible?: boolean;
  constraints?: Record<string, number>;
}


describe('a two-objective, constrained command study through the CLI', () => {
  it('survives kill -9, prints its feasible Pareto front, and Optuna reads the same front', async () => {
    const dir = tempProject({ 'trial.mjs': TRIAL, 'space.yaml': SPACE });
    const first = startCli(['tune', 'space.yaml', '--stale-after', '1'], dir);
    await first.seen(/trial \d+ COMPLETE/);
    first.child.kill('SIGKILL');
    await first.exit;
    await sleep(1200);
    const second = await runCli(['tune', 'space.yaml', '--stale-after', '1'], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/study pareto: minimize error, minimize latency_ms/);
    expect(second.stdout).toMatch(/trial \d+ COMPLETE +error=[\d.]+ latency_ms=\d+/);
    expect(second.stdout).toMatch(/Pareto front: \d+ trial\(s\)/);

    const trials = JSON.parse((await runCli(['trials', 'pareto', '--format', 'json'], dir)).stdout) as TrialJson[];
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete).toHaveLength(14);
    for (const t of complete) {
      expect(t.values).toHaveLength(2);
      expect(t.feasible).toBe((t.constraints?.['gpu_mem_gb'] ?? Infinity) <= 0);
    }
    expect(complete.some((t) => t.feasible === false)).toBe(true);

    const best = await runCli(['best', 'pareto', '--format', 'json'], dir);
    expect(best.code, best.stderr).toBe(0);
    const front = JSON.parse(best.stdout) as TrialJson[];
    expect(front.length).toBeGreaterThan(0);
    expect(front.every((t) => t.feasible === true)).toBe(true);
    // No front trial is dominated by a feasible complete trial.
    for (const f of front) {
      const [e, l] = f.values as [number, number];
      expect(complete.some((t) => t.feasible && (t.values as number[])[0]! <= e && (t.values as number[])[1]! <= l && ((t.values as number[])[0]! < e || (t.values as number[])[1]! < l))).toBe(false);
    }
    const table = await runCli(['best', 'pareto'], dir);
    expect(table.stdout).toMatch(/Pareto front of \d+ trial\(s\)/);
    expect(table.stdout).toMatch(/number +error +latency_ms +width +depth/);

    const csv = (await runCli(['export', 'pareto'], dir)).stdout.split('\n')[0];
    expect(csv).toMatch(/,values_0,values_1,feasible,constraints_gpu_mem_gb,measured_gpu_mem_gb,params_width,params_depth,note$/);

    if (missingOptuna === null) {
      const read = optunaRead(`sqlite:///${join(dir, 'studies', 'pareto.db')}`, 'pareto');
      expect(read.directions).toEqual(['MINIMIZE', 'MINIMIZE']);
      expect(read.feasible_best_trials).toEqual(front.map((t) => t.number));
    }
  }, 60_000);

  it('fails a trial with one clear line for a wrong value count or an undeclared constraint, and goes on', async () => {
    const bad = `
const [k] = process.argv.slice(2).map(Number);
if (k === 0) console.log(JSON.stringify({ values: [1] }));
else if (k === 1) { console.log(JSON.stringify({ constraints: { vram: 3 } })); console.log(JSON.stringify({ values: [1, 2] })); }
else if (k === 2) console.log(JSON.stringify({ values: [1, "fast"] }));
else console.log(JSON.stringify({ values: [k, -k], constraints: { gpu_mem_gb: 1 } }));
`;
    // The case is the trial number, so each runs exactly once whatever the sampler proposes.
    const space = SPACE.replace('command: [node, trial.mjs, "{width}", "{depth}"]', 'command: [node, bad.mjs, "{trial}"]')
      .replace(/params:[\s\S]*$/, 'params:\n  x: { float: [0, 1] }\n')
      .replace('budget: { trials: 14 }', 'budget: { trials: 4 }')
      .replace('perDevice: 2', 'perDevice: 1');
    const dir = tempProject({ 'bad.mjs': bad, 'space.yaml': space });
    const run = await runCli(['tune', 'space.yaml'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/FAIL +failed: objective returned 1 value \(\[1\]\), the study has 2 objectives: return an array of 2 numbers, one per direction/);
    expect(run.stdout).toMatch(/failed: constraint "vram" is not declared under constraints: in the space file \(declared: gpu_mem_gb\); declare it with a min or max/);
    expect(run.stdout).toMatch(/failed: objective returned \[1,"fast"\], expected 2 numbers/);
    expect(run.stdout).toMatch(/trial \d+ COMPLETE +error=3 latency_ms=-3/);
  }, 60_000);
});

describe('search-spaces/pareto-quickstart.yaml', () => {
  it('runs a module trial that reports both objectives per epoch and a constraint, with the pareto pruner', async () => {
    const space = readFileSync(join(REPO_ROOT, 'search-spaces/pareto-quickstart.yaml'), 'utf8').replace('../examples/pareto-objective.ts', './pareto-objective.ts');
    const dir = tempProject({ 'space.yaml': space, 'pareto-objective.ts': readFileSync(join(REPO_ROOT, 'examples/pareto-objective.ts'), 'utf8') });
    const run = await runCli(['tune', 'space.yaml', '--trials', '16'], dir);
    expect(run.code, run.stderr).toBe(0);
    const trials = JSON.parse((await runCli(['trials', 'pareto-quickstart', '--format', 'json'], dir)).stdout) as (TrialJson & { intermediate_values: Record<string, number> })[];
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete.length).toBeGreaterThan(5);
    for (const t of complete) {
      expect(t.values).toHaveLength(2);
      expect(typeof t.constraints?.['gpu_mem_gb']).toBe('number');
      // The first objective is the intermediate value Optuna and single-objective pruners read.
      expect(t.intermediate_values['12']).toBeCloseTo((t.values as number[])[0] as number, 12);
    }
    const front = JSON.parse((await runCli(['best', 'pareto-quickstart', '--format', 'json'], dir)).stdout) as TrialJson[];
    expect(front.length).toBeGreaterThan(1);
  }, 60_000);
});
