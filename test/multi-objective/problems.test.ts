/**
 * The multi-objective benchmark problems exist twice, in TypeScript
 * (test/bench/multi-objective-problems.ts) and in Python for Optuna
 * (test/bench/optuna/multi_objective.py): both must compute the same objective and
 * constraint values, and the Python side's hypervolume must be src/multi-objective's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../src/multi-objective/hypervolume.js';
import { MULTI_OBJECTIVE_PROBLEMS, c2dtlz2Constraint, dtlz2, zdt1, zdt2 } from '../bench/multi-objective-problems.js';

const PYTHON = '/usr/bin/python3';
const hasOptuna = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;

function python(request: unknown): Record<string, unknown>[] {
  const run = spawnSync(PYTHON, ['test/bench/optuna/multi_objective.py'], { input: JSON.stringify(request), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A deterministic point in [0, 1]^n, different for each k. */
function pointOf(n: number, k: number): number[] {
  return Array.from({ length: n }, (_, i) => (0.13 + 0.37 * k + 0.071 * i * (k + 1)) % 1);
}

const problem = (name: string) => MULTI_OBJECTIVE_PROBLEMS.find((p) => p.name === name) as (typeof MULTI_OBJECTIVE_PROBLEMS)[number];

describe('multi-objective benchmark problems', () => {
  it('put optimal points on the known fronts', () => {
    const zeros = (n: number) => Array.from({ length: n }, () => 0);
    expect(zdt1([0.25, ...zeros(29)])).toEqual([0.25, 0.5]);
    expect(zdt2([0.5, ...zeros(29)])).toEqual([0.5, 0.75]);
    const onSphere = dtlz2([0.3, 0.8, ...Array.from({ length: 10 }, () => 0.5)], 3);
    expect(onSphere.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 12);
    expect(c2dtlz2Constraint([1, 0, 0], 0.4)).toBeCloseTo(-0.16, 12);
    expect(c2dtlz2Constraint([1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)], 0.4)).toBeCloseTo(-0.16, 12);
    expect(c2dtlz2Constraint([Math.SQRT1_2, Math.SQRT1_2, 0], 0.4)).toBeGreaterThan(0);
  });

  it('state the hypervolume a dense sample of the true 2-objective fronts reaches', () => {
    const n = 2000;
    for (const [name, front] of [
      ['zdt1', (f1: number) => 1 - Math.sqrt(f1)],
      ['zdt2', (f1: number) => 1 - f1 * f1],
    ] as const) {
      const p = problem(name);
      const points = Array.from({ length: n + 1 }, (_, i) => [i / n, front(i / n)]);
      const hv = hypervolume(points, p.reference);
      // A finite sample misses a sliver under the curve, never more.
      expect(hv).toBeLessThanOrEqual(p.trueHypervolume);
      expect(p.trueHypervolume - hv).toBeLessThan(1e-3);
    }
  });

  it.skipIf(!hasOptuna)('compute the same values and constraints in TypeScript and in the Python used for Optuna', () => {
    const points = MULTI_OBJECTIVE_PROBLEMS.flatMap((p) => [0, 1, 2, 3].map((k) => ({ problem: p.name, x: pointOf(p.nVariables, k), expected: p.evaluate(pointOf(p.nVariables, k)) })));
    const lines = python({ mode: 'evaluate', points: points.map(({ problem, x }) => ({ problem, x })) });
    expect(lines).toHaveLength(points.length);
    points.forEach((p, i) => {
      const line = lines[i] as { values: number[]; constraints: number[] };
      expect(line.values.length, p.problem).toBe(p.expected.values.length);
      line.values.forEach((v, j) => expect(Math.abs(v - (p.expected.values[j] as number)), p.problem).toBeLessThan(1e-12 * Math.max(1, Math.abs(v))));
      expect(line.constraints.length, p.problem).toBe(p.expected.constraints.length);
      line.constraints.forEach((c, j) => expect(Math.abs(c - (p.expected.constraints[j] as number)), p.problem).toBeLessThan(1e-12));
    });
  });

  it.skipIf(!hasOptuna)('take hypervolumes in Python as src/multi-objective does', () => {
    const sets = MULTI_OBJECTIVE_PROBLEMS.map((p) => ({
      points: Array.from({ length: 40 }, (_, k) => p.evaluate(pointOf(p.nVariables, k)).values),
      reference: p.reference,
    }));
    // A few points well inside the DTLZ reference box, so that the 3-objective sets are not empty.
    sets.push({ points: Array.from({ length: 30 }, (_, k) => dtlz2([...pointOf(2, k), ...Array.from({ length: 10 }, () => 0.5)], 3)), reference: [1.1, 1.1, 1.1] });
    const lines = python({ mode: 'hypervolume', sets });
    sets.forEach((s, i) => {
      const expected = hypervolume(s.points, s.reference);
      expect(Math.abs(((lines[i] as { hv: number }).hv) - expected)).toBeLessThan(1e-12);
    });
    expect((lines[sets.length - 1] as { hv: number }).hv).toBeGreaterThan(0);
  });
});
