import { describe, expect, it } from 'vitest';
import { LogExpectedImprovement } from '../../src/samplers/gp/acquisition-functions.js';
import { GaussianProcess } from '../../src/samplers/gp/gp-model.js';
import { LogExpectedImprovementWithPending } from '../../src/samplers/gp/pending.js';
import { Rng } from '../../src/samplers/rng.js';
import { expectGradientMatchesDifferences } from './gradient-check.js';

/** A GP on 30 points of a smooth 3-d function, and its best training value. */
function model(): { gp: GaussianProcess; best: number } {
  const rng = new Rng(5);
  const n = 30;
  const d = 3;
  const x = Float64Array.from({ length: n * d }, () => rng.float());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(5 * (x[i * d] as number)) + (x[i * d + 1] as number));
  const gp = new GaussianProcess({ x, n, d, categorical: new Uint8Array(d) }, y, { inverseSquaredLengthscales: Float64Array.from([4, 2, 1]), signalVariance: 1, noiseVariance: 1e-4 });
  return { gp, best: Math.max(...y) };
}

const running = [Float64Array.from([0.3, 0.8, 0.5]), Float64Array.from([0.32, 0.79, 0.5]), Float64Array.from([0.9, 0.1, 0.2])];

describe('log EI with running trials fantasised', () => {
  it('has the gradient its values have, near and far from the running points', () => {
    const { gp, best } = model();
    const acquisition = new LogExpectedImprovementWithPending(gp, best, running, 7);
    const free = Uint8Array.from([1, 1, 1]);
    for (const p of [[0.5, 0.5, 0.5], [0.31, 0.8, 0.5], [0.1, 0.9, 0.7]]) {
      const point = Float64Array.from(p);
      const { value, gradient } = acquisition.valueAndGradient(point, free);
      expect(value).toBeCloseTo(acquisition.value(point), 10);
      expectGradientMatchesDifferences((q) => acquisition.value(q), gradient, point, { h: 1e-6, tolerance: 1e-4 });
    }
  });

  it('is lower at a running point than plain log EI, and close to it far from every running point', () => {
    const { gp, best } = model();
    const withPending = new LogExpectedImprovementWithPending(gp, best, running, 7);
    const plain = new LogExpectedImprovement(gp, best);
    const atRunning = Float64Array.from([0.31, 0.8, 0.5]);
    expect(withPending.value(atRunning)).toBeLessThan(plain.value(atRunning) - 1);
    const far = Float64Array.from([0.1, 0.9, 0.7]);
    expect(Math.abs(withPending.value(far) - plain.value(far))).toBeLessThan(0.05);
  });

  it('bounds its value from above, so candidate pruning stays exact', () => {
    const { gp, best } = model();
    const acquisition = new LogExpectedImprovementWithPending(gp, best, running, 11);
    const rng = new Rng(12);
    for (let i = 0; i < 200; i++) {
      const p = Float64Array.from([rng.float(), rng.float(), rng.float()]);
      expect(acquisition.bound(p)).toBeGreaterThanOrEqual(acquisition.value(p) - 1e-9);
    }
  });

  it('is a fixed function of the seed of its fantasies', () => {
    const { gp, best } = model();
    const p = Float64Array.from([0.4, 0.6, 0.5]);
    expect(new LogExpectedImprovementWithPending(gp, best, running, 3).value(p)).toBe(new LogExpectedImprovementWithPending(gp, best, running, 3).value(p));
  });
});
