import { describe, expect, it } from 'vitest';
import { fitYeoJohnsonLambda, warpOutputs } from '../../src/samplers/gp/output-warp.js';
import { Rng } from '../../src/samplers/rng.js';

function standardized(values: number[]): Float64Array {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return Float64Array.from(values, (v) => (v - mean) / sd);
}

describe('Yeo–Johnson output warping', () => {
  const rng = new Rng(8);
  const normal = Array.from({ length: 400 }, () => rng.normal());
  const heavyTail = Array.from({ length: 400 }, () => Math.exp(2 * rng.normal()));

  it('keeps the order of the values, so the best trial stays the best', () => {
    const warped = warpOutputs(heavyTail);
    const order = (xs: ArrayLike<number>): number[] => Array.from(xs, (_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
    expect(order(warped)).toEqual(order(heavyTail));
  });

  it('returns standardised values', () => {
    const warped = Array.from(warpOutputs(heavyTail));
    const mean = warped.reduce((a, b) => a + b, 0) / warped.length;
    const sd = Math.sqrt(warped.reduce((a, b) => a + (b - mean) ** 2, 0) / warped.length);
    expect(mean).toBeCloseTo(0, 10);
    expect(sd).toBeCloseTo(1, 10);
  });

  it('leaves normal data nearly alone (λ ≈ 1) and compresses a long right tail (λ < 1)', () => {
    expect(Math.abs(fitYeoJohnsonLambda(standardized(normal)) - 1)).toBeLessThan(0.25);
    expect(fitYeoJohnsonLambda(standardized(heavyTail))).toBeLessThan(0.5);
    const warped = Array.from(warpOutputs(heavyTail));
    expect(Math.max(...warped)).toBeLessThan(Math.max(...standardized(heavyTail)) / 2);
  });

  it('copes with constant values', () => {
    expect(Array.from(warpOutputs([3, 3, 3]))).toEqual([0, 0, 0]);
  });
});
