/**
 * The benchmark problems exist twice, in TypeScript (test/bench/problems.ts) and in Python
 * for Optuna (test/bench/optuna/samplers.py): both must compute the same values.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CategoricalChoice } from '../../src/space/distributions.js';
import type { Suggest } from '../bench/problems.js';
import { PROBLEMS } from '../bench/problems.js';

const PYTHON = '/usr/bin/python3';
const hasOptuna = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;

/** A trial that answers from fixed parameters (those missing: the range's 30% point, or the k-th choice). */
function fixedTrial(params: Record<string, CategoricalChoice>, k: number): Suggest & { params: Record<string, CategoricalChoice> } {
  return {
    params,
    suggestFloat(name, low, high) {
      params[name] ??= low + ((0.3 + 0.17 * k) % 1) * (high - low);
      return params[name] as number;
    },
    suggestInt(name, low, high) {
      params[name] ??= Math.round(low + ((0.3 + 0.17 * k) % 1) * (high - low));
      return params[name] as number;
    },
    suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
      params[name] ??= choices[k % choices.length] as T;
      return params[name] as T;
    },
  };
}

describe('benchmark problems', () => {
  it('reach their stated optimum at the known minimiser', () => {
    const at = (name: string, params: Record<string, CategoricalChoice>): number => {
      const problem = PROBLEMS.find((p) => p.name === name);
      return problem?.objective(fixedTrial(params, 0)) ?? NaN;
    };
    expect(at('branin', { x0: Math.PI, x1: 2.275 })).toBeCloseTo(0.397887, 5);
    const h = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
    expect(at('hartmann6', Object.fromEntries(h.map((v, i) => [`x${i}`, v])))).toBeCloseTo(-3.32237, 4);
    expect(at('styblinski8', Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`x${i}`, -2.903534])))).toBeCloseTo(-39.16617 * 8, 3);
    expect(at('ackley10', Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x${i}`, 0])))).toBeCloseTo(0, 12);
    expect(at('rosenbrock6', Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, 1])))).toBe(0);
    const best = { lr: 1e-3, weight_decay: 5e-2, eps: 1e-8, drop_path_rate: 0.1, batch_size: 64, warmup_epochs: 2, label_smoothing: 0.1, optimizer: 'adamw', ema: true, ema_decay: 0.999 };
    expect(at('image-mixed', best)).toBeCloseTo(0.23, 12);
    const branches = { lr: 1e-3 * Math.SQRT1_2, weight_decay: 5e-2, batch_size: 64, dropout: 0.2, optimizer: 'adamw', scheduler: 'onecycle', beta1: 0.9, one_minus_beta2: 1e-3, pct_start: 0.3, div_factor: 25 };
    expect(at('image-branches', branches)).toBeCloseTo(0.175, 12);
    const sgd = { ...branches, optimizer: 'sgd', lr: 0.1 * Math.SQRT1_2, weight_decay: 5e-4, momentum: 0.9, nesterov: true };
    expect(at('image-branches', sgd)).toBeCloseTo(0.185, 12);
  });

  it.skipIf(!hasOptuna)('compute the same values in TypeScript and in the Python used for Optuna', () => {
    const points = PROBLEMS.flatMap((problem) =>
      [0, 1, 2, 3].map((k) => {
        const trial = fixedTrial({}, k);
        const value = problem.objective(trial);
        return { problem: problem.name, params: trial.params, value };
      }),
    );
    const run = spawnSync(PYTHON, ['test/bench/optuna/samplers.py'], {
      input: JSON.stringify({ mode: 'evaluate', points: points.map(({ problem, params }) => ({ problem, params })) }),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const values = run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { value: number }).value);
    expect(values).toHaveLength(points.length);
    points.forEach((p, i) => expect(Math.abs((values[i] as number) - p.value), p.problem).toBeLessThan(1e-9 * Math.max(1, Math.abs(p.value))));
  });
});
