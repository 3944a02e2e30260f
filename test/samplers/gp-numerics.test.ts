import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  choleskyInPlace,
  choleskySolve,
  choleskyWithJitter,
  extendCholesky,
  inverseFromCholesky,
  logDeterminant,
  SOLVE_WIDTH,
  solveLower,
  solveLowerFour,
  solveUpperTransposed,
  solveUpperTransposedFour,
} from '../../src/samplers/gp/cholesky.js';
import { defaultKernelParams, evenlySpacedSubset, fitKernelParams, fitWorkspace, logPosteriorAndGradient } from '../../src/samplers/gp/fit.js';
import { GaussianProcess } from '../../src/samplers/gp/gp-model.js';
import type { EncodedInputs, KernelParams } from '../../src/samplers/gp/kernel.js';
import { crossKernelWithDerivative, kernelMatrix, kernelRows, matern52, matern52DerivativeR2 } from '../../src/samplers/gp/kernel.js';
import { minimizeLbfgs, minimizeLbfgsMany } from '../../src/samplers/gp/lbfgs.js';
import { erfc, erfcx, logExpectedImprovement, logExpectedImprovementValue, logH, logHDerivative, normalCdf, normalPdf } from '../../src/samplers/gp/special.js';
import { Rng } from '../../src/samplers/rng.js';

/** exp(x²)·erfc(x) from mpmath at 40 digits. */
const ERFCX: [number, number][] = [
  [-3, 16205.988853999587],
  [-0.5, 1.9523604891825571],
  [0, 1.0],
  [0.3, 0.73459933456765515],
  [1, 0.427583576155807],
  [1.99, 0.2564678367195299],
  [2, 0.25539567631050574],
  [2.5, 0.21080636406114358],
  [5, 0.11070463773306863],
  [20, 0.028174348741051319],
  [1000.0, 0.00056418930145338765],
];

/** [z, log h(z), Φ(z)/h(z)] with h(z) = φ(z) + zΦ(z), from mpmath at 40 digits. */
const LOG_H: [number, number, number][] = [
  [6.0, 1.7917594692541145, 0.16666666649789214],
  [2.0, 0.69738354578822831, 0.48655931878528387],
  [0.5, -0.35982768374506382, 0.99092271800410996],
  [0.0, -0.91893853320467274, 1.2533141373155003],
  [-0.7, -1.9457545234913285, 1.6934819959622397],
  [-1.0, -2.4851210257126413, 1.9042712333296918],
  [-1.5, -3.5299359208057099, 2.2795806941564462],
  [-3.0, -7.8696860596030285, 3.5323375176251605],
  [-8.0, -37.122364261692633, 8.2393965068400669],
  [-25.0, -319.86146358149595, 25.079620234266533],
  [-39.9, -804.29857146543719, 39.950031269397796],
  [-40.0, -808.29856835661996, 40.049906657648518],
  [-60.0, -1809.1084601822722, 60.03330560942051],
  [-500.0, -125013.34816672988, 500.00399995200134],
  [-1000000.0, -500000000028.54996, 1000000.000002],
];

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('special functions for log EI', () => {
  it.each(ERFCX)('erfcx(%d) matches a 40-digit reference to 1e-13', (x, expected) => {
    expect(relativeError(erfcx(x), expected)).toBeLessThan(1e-13);
  });

  it('erfc and the normal cdf agree with textbook values', () => {
    expect(erfc(0)).toBe(1);
    expect(relativeError(erfc(1), 0.15729920705028513)).toBeLessThan(1e-14);
    expect(relativeError(normalCdf(-10), 7.619853024160527e-24)).toBeLessThan(1e-13);
    expect(relativeError(normalPdf(1), 0.24197072451914337)).toBeLessThan(1e-15);
  });

  it.each(LOG_H)('log h(%d) and its derivative match a 40-digit reference', (z, value, derivative) => {
    expect(relativeError(logH(z), value)).toBeLessThan(1e-13);
    expect(relativeError(logHDerivative(z), derivative)).toBeLessThan(1e-11);
  });

  it('log h is finite, increasing and smooth across the branch points', () => {
    let previous = -Infinity;
    for (let z = -60; z <= 5; z += 0.01) {
      const v = logH(z);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(previous);
      previous = v;
    }
    for (const z of [-40, -1]) expect(Math.abs(logH(z - 1e-9) - logH(z + 1e-9))).toBeLessThan(1e-6);
  });

  it('log EI equals the direct formula where EI does not underflow, with consistent derivatives', () => {
    const mean = 0.3;
    const sd = 0.7;
    const best = 0.5;
    const z = (mean - best) / sd;
    const direct = Math.log(sd * (normalPdf(z) + z * normalCdf(z)));
    const r = logExpectedImprovement(mean, sd, best);
    expect(r.value).toBeCloseTo(direct, 13);
    const h = 1e-6;
    expect(r.dMean).toBeCloseTo((logExpectedImprovement(mean + h, sd, best).value - logExpectedImprovement(mean - h, sd, best).value) / (2 * h), 6);
    expect(r.dSd).toBeCloseTo((logExpectedImprovement(mean, sd + h, best).value - logExpectedImprovement(mean, sd - h, best).value) / (2 * h), 6);
  });

  it('log EI without derivatives is bit for bit the value log EI with them returns, deep in the tails too', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (mean, sd, best) => {
          expect(logExpectedImprovementValue(mean, sd, best)).toBe(logExpectedImprovement(mean, sd, best).value);
        },
      ),
    );
  });
});

describe('Cholesky', () => {
  const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);

  it('factors the textbook 3×3 matrix into its known factor', () => {
    const l = Float64Array.from(a);
    expect(choleskyInPlace(l, 3)).toBe(true);
    expect(Array.from(l)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it('agrees with ml-matrix on a random SPD matrix, and solves without forming an inverse', () => {
    const n = 12;
    const rng = new Rng(3);
    const b = Matrix.rand(n, n, { random: () => rng.float() });
    const spd = b.mmul(b.transpose()).add(Matrix.eye(n).mul(0.1));
    const f = choleskyWithJitter(Float64Array.from(spd.to1DArray()), n);
    expect(f.jitter).toBe(0);
    const reference = new CholeskyDecomposition(spd).lowerTriangularMatrix;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(f.lower[i * n + j]).toBeCloseTo(reference.get(i, j), 10);
    const rhs = Array.from({ length: n }, (_, i) => Math.sin(i));
    const x = choleskySolve(f, rhs);
    const back = spd.mmul(Matrix.columnVector(Array.from(x))).to1DArray();
    back.forEach((v, i) => expect(v).toBeCloseTo(rhs[i] as number, 9));
    const y = solveLower(f, rhs);
    const z = solveUpperTransposed(f, y);
    expect(Array.from(z)).toEqual(Array.from(x));
    const inverse = new Matrix(Array.from({ length: n }, (_, i) => Array.from(inverseFromCholesky(f).subarray(i * n, (i + 1) * n))));
    const identity = spd.mmul(inverse);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(identity.get(i, j)).toBeCloseTo(i === j ? 1 : 0, 8);
    expect(logDeterminant(f)).toBeCloseTo(Math.log(new EigenvalueDecomposition(spd).realEigenvalues.reduce((p, v) => p * v, 1)), 8);
  });

  /** A random symmetric positive-definite n×n matrix. */
  const randomSpd = (n: number, seed: number): Matrix => {
    const rng = new Rng(seed);
    const b = Matrix.rand(n, n, { random: () => rng.float() });
    return b.mmul(b.transpose()).add(Matrix.eye(n).mul(0.1));
  };

  it('factors and inverts every size the two-row blocking meets (odd, even, 1, 2) as ml-matrix does', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 38]) {
      const spd = randomSpd(n, n);
      const f = choleskyWithJitter(Float64Array.from(spd.to1DArray()), n);
      const reference = new CholeskyDecomposition(spd).lowerTriangularMatrix;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(f.lower[i * n + j]).toBeCloseTo(reference.get(i, j), 9);
      const inverse = inverseFromCholesky(f);
      const product = spd.mmul(new Matrix(Array.from({ length: n }, (_, i) => Array.from(inverse.subarray(i * n, (i + 1) * n)))));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(product.get(i, j)).toBeCloseTo(i === j ? 1 : 0, 7);
      const rhs = Array.from({ length: n }, (_, i) => Math.cos(i));
      const back = spd.mmul(Matrix.columnVector(Array.from(choleskySolve(f, rhs)))).to1DArray();
      back.forEach((v, i) => expect(v).toBeCloseTo(rhs[i] as number, 8));
    }
  });

  it('extending a factor by new rows gives the factor of the grown matrix, as a fresh factorisation does', () => {
    for (const [n0, m] of [[0, 3], [1, 1], [10, 1], [17, 4]] as const) {
      const n = n0 + m;
      const full = Float64Array.from(randomSpd(n, 100 + n).to1DArray());
      const leading = new Float64Array(n0 * n0);
      for (let i = 0; i < n0; i++) leading.set(full.subarray(i * n, i * n + n0), i * n0);
      const grown = extendCholesky(choleskyWithJitter(leading, n0), full.slice(n0 * n), m);
      const fresh = choleskyWithJitter(full, n);
      expect(grown).not.toBeNull();
      for (let i = 0; i < n * n; i++) expect(grown?.lower[i]).toBeCloseTo(fresh.lower[i] as number, 10);
    }
  });

  it('extending keeps the jitter the first factor needed, and says when a new pivot is not positive', () => {
    const singular = choleskyWithJitter(Float64Array.from([1, 1, 1, 1]), 2);
    const grown = extendCholesky(singular, Float64Array.from([0.5, 0.5, 2]), 1);
    expect(grown?.jitter).toBe(singular.jitter);
    const withJitter = Float64Array.from([1, 1, 0.5, 1, 1, 0.5, 0.5, 0.5, 2]).map((v, k) => (k % 4 === 0 ? v + singular.jitter : v));
    expect(choleskyInPlace(withJitter, 3)).toBe(true);
    for (let k = 0; k < 9; k++) expect(grown?.lower[k]).toBeCloseTo(withJitter[k] as number, 6);
    expect(extendCholesky(choleskyWithJitter(Float64Array.from([1]), 1), Float64Array.from([1, 0.5]), 1)).toBeNull();
  });

  it('adds growing jitter to a singular matrix instead of failing', () => {
    const singular = Float64Array.from([1, 1, 1, 1]);
    expect(choleskyInPlace(Float64Array.from(singular), 2)).toBe(false);
    const f = choleskyWithJitter(singular, 2);
    expect(f.jitter).toBeGreaterThan(0);
    expect(f.jitter).toBeLessThan(1e-6);
  });

  it('solves four interleaved right-hand sides at once as it solves each alone, for every size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        const f = choleskyWithJitter(Float64Array.from(randomSpd(n, seed).to1DArray()), n);
        const rng = new Rng(seed);
        const rhs = Array.from({ length: SOLVE_WIDTH }, () => Float64Array.from({ length: n }, () => rng.float() - 0.5));
        const interleaved = new Float64Array(SOLVE_WIDTH * n);
        rhs.forEach((b, r) => b.forEach((v, i) => (interleaved[SOLVE_WIDTH * i + r] = v)));
        const forward = solveLowerFour(f, interleaved);
        const back = solveUpperTransposedFour(f, forward);
        rhs.forEach((b, r) => {
          const v = solveLower(f, b);
          const w = solveUpperTransposed(f, v);
          for (let i = 0; i < n; i++) {
            expect(forward[SOLVE_WIDTH * i + r]).toBeCloseTo(v[i] as number, 9);
            expect(back[SOLVE_WIDTH * i + r]).toBeCloseTo(w[i] as number, 9);
          }
        });
      }),
      { numRuns: 40 },
    );
  });

  it('inverts into reused buffers whatever they held before, as into fresh ones', () => {
    for (const n of [1, 2, 7, 12]) {
      const f = choleskyWithJitter(Float64Array.from(randomSpd(n, 50 + n).to1DArray()), n);
      const fresh = inverseFromCholesky(f);
      const reused = inverseFromCholesky(f, new Float64Array(n * n).fill(Number.NaN), new Float64Array(n * n).fill(7));
      expect(Array.from(reused)).toEqual(Array.from(fresh));
    }
  });

  it('refuses a matrix with NaN rather than looping', () => {
    expect(() => choleskyWithJitter(Float64Array.from([NaN, 0, 0, 1]), 2)).toThrow(RangeError);
  });
});

function randomInputs(n: number, d: number, seed: number, categorical: number[] = []): EncodedInputs {
  const rng = new Rng(seed);
  const cat = new Uint8Array(d);
  for (const j of categorical) cat[j] = 1;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = cat[j] ? rng.int(3) : rng.float();
  return { x, n, d, categorical: cat };
}

describe('Matérn-5/2 kernel', () => {
  const params: KernelParams = { inverseSquaredLengthscales: Float64Array.from([4, 0.5, 2]), signalVariance: 1.7, noiseVariance: 0 };

  it('is 1 at distance 0 and has the closed form elsewhere', () => {
    expect(matern52(0)).toBe(1);
    const r = 0.8;
    expect(matern52(r * r)).toBeCloseTo((1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r), 15);
  });

  it('builds a symmetric positive semi-definite matrix, categorical dimensions included', () => {
    const inputs = randomInputs(30, 3, 1, [2]);
    const k = kernelMatrix(inputs, params, false);
    for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) expect(k[i * 30 + j]).toBe(k[j * 30 + i]);
    const m = new Matrix(Array.from({ length: 30 }, (_, i) => Array.from(k.subarray(i * 30, (i + 1) * 30))));
    const smallest = Math.min(...new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues);
    expect(smallest).toBeGreaterThan(-1e-10);
  });
});

describe('hyperparameter fit', () => {
  it('has an analytic gradient that matches finite differences', () => {
    const inputs = randomInputs(15, 3, 2, [2]);
    const y = Float64Array.from({ length: 15 }, (_, i) => Math.sin(3 * (inputs.x[i * 3] as number)) + (inputs.x[i * 3 + 2] as number) * 0.3);
    const theta = [Math.log(2), Math.log(0.7), Math.log(1.3), Math.log(0.9), Math.log(0.05)];
    const at = (t: number[]): ReturnType<typeof logPosteriorAndGradient> =>
      logPosteriorAndGradient(inputs, y, {
        inverseSquaredLengthscales: Float64Array.from(t.slice(0, 3), Math.exp),
        signalVariance: Math.exp(t[3] as number),
        noiseVariance: Math.exp(t[4] as number),
      });
    const g = at(theta).gradient;
    for (let p = 0; p < theta.length; p++) {
      const h = 1e-5;
      const plus = [...theta];
      const minus = [...theta];
      plus[p] = (plus[p] as number) + h;
      minus[p] = (minus[p] as number) - h;
      expect(g[p]).toBeCloseTo((at(plus).value - at(minus).value) / (2 * h), 4);
    }
  });

  it('evaluates the log posterior in one reused workspace as in fresh buffers, categorical dimensions included', () => {
    const inputs = randomInputs(23, 3, 13, [1]);
    const y = Float64Array.from({ length: 23 }, (_, i) => Math.sin(5 * (inputs.x[3 * i] as number)));
    const workspace = fitWorkspace(23);
    for (const [rho, s, noise] of [[[2, 1, 0.5], 1, 1e-3], [[0.3, 4, 9], 2.5, 1e-5], [[2, 1, 0.5], 1, 1e-3]] as const) {
      const params: KernelParams = { inverseSquaredLengthscales: Float64Array.from(rho), signalVariance: s, noiseVariance: noise };
      const fresh = logPosteriorAndGradient(inputs, y, params);
      const reused = logPosteriorAndGradient(inputs, y, params, workspace);
      expect(reused.value).toBe(fresh.value);
      expect(Array.from(reused.gradient)).toEqual(Array.from(fresh.gradient));
    }
    expect(() => logPosteriorAndGradient(inputs, y, defaultKernelParams(3), fitWorkspace(5))).toThrow(RangeError);
  });

  it('L-BFGS finds the minimum of the Rosenbrock function', () => {
    const r = minimizeLbfgs(
      (x) => {
        const a = x[0] as number;
        const b = x[1] as number;
        return { value: (1 - a) ** 2 + 100 * (b - a * a) ** 2, gradient: Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]) };
      },
      Float64Array.from([-1.2, 1]),
      { maxEvaluations: 500, gradientTolerance: 1e-8 },
    );
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it('L-BFGS runs in lockstep return what each run alone returns', () => {
    const rosenbrock = (x: Float64Array): { value: number; gradient: Float64Array } => {
      const a = x[0] as number;
      const b = x[1] as number;
      return { value: (1 - a) ** 2 + 100 * (b - a * a) ** 2, gradient: Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]) };
    };
    const starts = [
      { x0: Float64Array.from([-1.2, 1]), options: { maxEvaluations: 40 } },
      { x0: Float64Array.from([1, 1]), options: { maxEvaluations: 40 } },
      { x0: Float64Array.from([0.5, -0.3]), options: { maxEvaluations: 7, lower: Float64Array.from([0, -1]), upper: Float64Array.from([0.8, 1]) } },
    ];
    const batches: number[] = [];
    const together = minimizeLbfgsMany((xs) => {
      batches.push(xs.length);
      return xs.map(rosenbrock);
    }, starts);
    starts.forEach((s, k) => {
      const alone = minimizeLbfgs(rosenbrock, s.x0, s.options);
      expect(Array.from(together[k]?.x ?? [])).toEqual(Array.from(alone.x));
      expect(together[k]?.evaluations).toBe(alone.evaluations);
    });
    expect(batches[0]).toBe(3);
    expect(Math.max(...batches)).toBe(3);
  });

  it('a fitted GP regresses a smooth function: posterior mean close on held-out points', () => {
    const f = (a: number, b: number): number => Math.sin(6 * a) + 0.5 * Math.cos(4 * b);
    const train = randomInputs(60, 2, 4);
    const y = Float64Array.from({ length: 60 }, (_, i) => f(train.x[2 * i] as number, train.x[2 * i + 1] as number));
    const fit = fitKernelParams(train, y, { maxEvaluations: 100 });
    const gp = new GaussianProcess(train, y, fit.params);
    const test = new Rng(99);
    let worst = 0;
    for (let i = 0; i < 100; i++) {
      const p = Float64Array.from([0.05 + 0.9 * test.float(), 0.05 + 0.9 * test.float()]);
      worst = Math.max(worst, Math.abs(gp.predict(p).mean - f(p[0] as number, p[1] as number)));
    }
    expect(worst).toBeLessThan(0.05);
    // Training points are interpolated with little variance left.
    expect(gp.predict(train.x.subarray(0, 2)).variance).toBeLessThan(1e-3);
  });

  it('a GP extended by new points predicts as one built on all of them', () => {
    const all = randomInputs(50, 3, 7, [2]);
    const y = Float64Array.from({ length: 50 }, (_, i) => Math.sin(4 * (all.x[3 * i] as number)) + (all.x[3 * i + 2] as number));
    const params: KernelParams = { inverseSquaredLengthscales: Float64Array.from([5, 2, 1]), signalVariance: 1.3, noiseVariance: 1e-3 };
    const first = new GaussianProcess({ ...all, x: all.x.slice(0, 40 * 3), n: 40 }, y.slice(0, 40), params);
    const extended = first.extendedBy(all, y);
    const fresh = new GaussianProcess(all, y, params);
    const rng = new Rng(8);
    const free = Uint8Array.from([1, 1, 0]);
    for (let i = 0; i < 20; i++) {
      const p = Float64Array.from([rng.float(), rng.float(), rng.int(3)]);
      const a = extended.predictWithGradient(p, free);
      const b = fresh.predictWithGradient(p, free);
      expect(a.mean).toBeCloseTo(b.mean, 9);
      expect(a.variance).toBeCloseTo(b.variance, 9);
      for (let j = 0; j < 3; j++) expect(a.dVariance[j]).toBeCloseTo(b.dVariance[j] as number, 8);
    }
  });

  it('predicts, with gradients and without, at many points together as at each alone', () => {
    const all = randomInputs(37, 3, 11, [2]);
    const y = Float64Array.from({ length: 37 }, (_, i) => Math.cos(3 * (all.x[3 * i + 1] as number)));
    const gp = new GaussianProcess(all, y, { inverseSquaredLengthscales: Float64Array.from([4, 1.5, 0.5]), signalVariance: 0.9, noiseVariance: 1e-4 });
    const rng = new Rng(12);
    const free = Uint8Array.from([1, 1, 0]);
    for (const count of [1, 2, 4, 5, 9]) {
      const points = Array.from({ length: count }, () => Float64Array.from([rng.float(), rng.float(), rng.int(3)]));
      const many = gp.predictWithGradientMany(points, free);
      expect(many).toHaveLength(count);
      gp.predictMany(points).forEach((p, k) => {
        const one = gp.predict(points[k] as Float64Array);
        expect(p.mean).toBeCloseTo(one.mean, 12);
        expect(p.variance).toBeCloseTo(one.variance, 12);
      });
      points.forEach((p, k) => {
        const one = gp.predictWithGradient(p, free);
        const got = many[k] as typeof one;
        expect(got.mean).toBeCloseTo(one.mean, 12);
        expect(got.variance).toBeCloseTo(one.variance, 12);
        for (let j = 0; j < 3; j++) {
          expect(got.dMean[j]).toBeCloseTo(one.dMean[j] as number, 10);
          expect(got.dVariance[j]).toBeCloseTo(one.dVariance[j] as number, 10);
        }
      });
    }
  });

  it('the kernel with its r² derivative matches the separate functions, and kernel rows match the matrix', () => {
    const inputs = randomInputs(12, 3, 9, [1]);
    const params: KernelParams = { inverseSquaredLengthscales: Float64Array.from([2, 0.7, 4]), signalVariance: 0.8, noiseVariance: 0.01 };
    const point = Float64Array.from([0.3, 1, 0.6]);
    const k = new Float64Array(12);
    const dk = new Float64Array(12);
    crossKernelWithDerivative(inputs, params, point, k, dk);
    const full = kernelMatrix(inputs, params);
    for (let i = 0; i < 12; i++) {
      let r2 = 0;
      for (let j = 0; j < 3; j++) {
        const diff = (inputs.x[i * 3 + j] as number) - (point[j] as number);
        r2 += j === 1 ? (diff !== 0 ? 0.7 : 0) : (params.inverseSquaredLengthscales[j] as number) * diff * diff;
      }
      expect(k[i]).toBeCloseTo(0.8 * matern52(r2), 14);
      expect(dk[i]).toBeCloseTo(0.8 * matern52DerivativeR2(r2), 14);
    }
    expect(Array.from(kernelRows(inputs, params, 9))).toEqual(Array.from(full.subarray(9 * 12)));
  });

  it('fits on an evenly spaced subset of at most the given size, in order, and on everything below it', () => {
    const inputs = randomInputs(10, 2, 10);
    const y = Float64Array.from({ length: 10 }, (_, i) => i);
    expect(evenlySpacedSubset(inputs, y, 10).y).toBe(y);
    const { inputs: sub, y: ys } = evenlySpacedSubset(inputs, y, 4);
    expect(Array.from(ys)).toEqual([0, 2, 5, 7]);
    expect(sub.n).toBe(4);
    expect(Array.from(sub.x.subarray(2, 4))).toEqual(Array.from(inputs.x.subarray(4, 6)));
  });

  it('the cheap variance bound never falls below the exact posterior variance', () => {
    const train = randomInputs(40, 3, 5);
    const y = Float64Array.from({ length: 40 }, (_, i) => train.x[3 * i] as number);
    const gp = new GaussianProcess(train, y, { inverseSquaredLengthscales: Float64Array.from([3, 3, 3]), signalVariance: 1, noiseVariance: 1e-4 });
    const rng = new Rng(6);
    for (let i = 0; i < 200; i++) {
      const p = Float64Array.from([rng.float(), rng.float(), rng.float()]);
      const exact = gp.predict(p);
      const bound = gp.predictBound(p);
      expect(bound.mean).toBeCloseTo(exact.mean, 12);
      expect(bound.variance).toBeGreaterThanOrEqual(exact.variance - 1e-12);
    }
  });
});
