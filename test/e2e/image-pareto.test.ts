import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

/** The built-in trainer on 300 digits, 2 epochs: loss against inference time, parameters limited. */
const SPACE = `study: image-pareto
directions: [minimize, minimize]
metrics: [val_loss, inference_ms]
constraints:
  params: { max: 10000 }
objective:
  builtin: image-classifier
  options: { dataset: digits, maxSamples: 300, epochs: 2, seed: 0, inferenceBatchSize: 16 }
sampler: { kind: random, seed: 1 }
pruner: { kind: none }
budget: { trials: 4 }
workers: { devices: cpu, perDevice: 2 }
params:
  width: { choice: [4, 16] }
  depth: { int: [1, 2] }
`;

interface TrialJson {
  number: number;
  state: string;
  values?: number[];
  feasible?: boolean;
  constraints?: Record<string, number>;
}

describe('a two-objective study of the built-in image trainer through the CLI', () => {
  it('stores loss and inference time for every trial in SQLite and prints the feasible front', async () => {
    const dir = tempProject({ 'space.yaml': SPACE });
    const storage = join(dir, 'pareto.db');
    const tune = await runCli(['tune', 'space.yaml', '--storage', storage], dir, { timeoutMs: 240_000 });
    expect(tune.code, tune.stderr).toBe(0);
    expect(tune.stdout).toMatch(/study image-pareto: minimize val_loss, minimize inference_ms/);

    const trials = JSON.parse((await runCli(['trials', 'image-pareto', '--storage', storage, '--format', 'json'], dir)).stdout) as TrialJson[];
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
    for (const t of trials) {
      const [loss, inferenceMs] = t.values ?? [];
      expect(loss).toBeGreaterThan(0);
      expect(inferenceMs).toBeGreaterThan(0);
      // params ≤ 10000 decides feasibility: the stored violation is the count minus the limit.
      expect(t.feasible).toBe((t.constraints?.['params'] ?? Infinity) <= 0);
    }

    const best = await runCli(['best', 'image-pareto', '--storage', storage, '--format', 'json'], dir);
    expect(best.code, best.stderr).toBe(0);
    const front = JSON.parse(best.stdout) as TrialJson[];
    expect(Array.isArray(front)).toBe(true);
    // Seeded draws: width 4 at depth 1 (5,142 parameters) fits the limit; depth 2 (11,302) and width 16 do not.
    const feasible = trials.filter((t) => t.feasible);
    expect(feasible.length).toBeGreaterThan(0);
    expect(feasible.length).toBeLessThan(trials.length);
    expect(front.length).toBeGreaterThan(0);
    for (const f of front) {
      expect(f.feasible).toBe(true);
      expect(f.values).toHaveLength(2);
      const [l, ms] = f.values as [number, number];
      // Nothing feasible beats a front trial on both objectives.
      expect(feasible.some((t) => (t.values as number[])[0]! <= l && (t.values as number[])[1]! <= ms && ((t.values as number[])[0]! < l || (t.values as number[])[1]! < ms))).toBe(false);
    }
  }, 300_000);

  it('refuses a metric the trainer does not measure before any trial runs, in one line', async () => {
    const dir = tempProject({ 'space.yaml': SPACE.replace('metrics: [val_loss, inference_ms]', 'metrics: [val_loss, latency_ms]') });
    const tune = await runCli(['tune', 'space.yaml', '--storage', join(dir, 'x.db')], dir);
    expect(tune.code).not.toBe(0);
    expect(tune.stderr.trim()).toBe(
      'sodate: space.yaml:3: metrics[1]: the built-in image-classifier cannot give the objective "latency_ms"; it measures val_loss, val_accuracy, val_error, val_f1, inference_ms, params, model_mb, train_seconds',
    );
    expect(tune.stdout).not.toMatch(/trial \d/);
  });
});
