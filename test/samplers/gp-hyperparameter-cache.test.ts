import { describe, expect, it } from 'vitest';
import { buildEncoding } from '../../src/samplers/gp/encoding.js';
import { HyperparameterCache } from '../../src/samplers/gp/hyperparameter-cache.js';
import type { EncodedInputs } from '../../src/samplers/gp/kernel.js';
import { finiteValues, fitTargets } from '../../src/samplers/gp/targets.js';
import { Rng } from '../../src/samplers/rng.js';
import { floatDistribution } from '../../src/space/distributions.js';

const encoding = buildEncoding({ x: floatDistribution(0, 1), y: floatDistribution(0, 1) });

/** n points of a smooth function of two inputs, seeded. */
function data(n: number, seed = 1): { inputs: EncodedInputs; y: Float64Array; ids: number[] } {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: 2 * n }, () => rng.float());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * (x[2 * i] as number)) + (x[2 * i + 1] as number) ** 2);
  return { inputs: { x, n, d: 2, categorical: encoding.categorical }, y: fitTargets([...y], false), ids: Array.from({ length: n }, (_, i) => i) };
}

describe('HyperparameterCache', () => {
  it('reuses a fit while the same trials are fitted and refits when one more completes (below 200 trials)', () => {
    const cache = new HyperparameterCache(false);
    const a = data(12);
    const first = cache.fit('objective:0', encoding, a.inputs, a.y, a.ids);
    expect(cache.fit('objective:0', encoding, a.inputs, a.y, a.ids)).toBe(first);
    const b = data(13);
    expect(cache.fit('objective:0', encoding, b.inputs, b.y, b.ids)).not.toBe(first);
  });

  it('keeps past 200 trials until 5% more have completed', () => {
    const cache = new HyperparameterCache(false);
    const a = data(220);
    const first = cache.fit('objective:0', encoding, a.inputs, a.y, a.ids);
    const b = data(230);
    expect(cache.fit('objective:0', encoding, b.inputs, b.y, b.ids)).toBe(first);
    const c = data(232);
    expect(cache.fit('objective:0', encoding, c.inputs, c.y, c.ids)).not.toBe(first);
  });

  it('refits when the parameters change, even on the same trials', () => {
    const cache = new HyperparameterCache(false);
    const a = data(12);
    const first = cache.fit('objective:0', encoding, a.inputs, a.y, a.ids);
    const renamed = buildEncoding({ u: floatDistribution(0, 1), v: floatDistribution(0, 1) });
    expect(cache.fit('objective:0', renamed, a.inputs, a.y, a.ids)).not.toBe(first);
  });

  it('keeps one fit per label', () => {
    const cache = new HyperparameterCache(true);
    const a = data(12);
    const objective = cache.fit('objective:0', encoding, a.inputs, a.y, a.ids);
    const constraint = cache.fit('constraint:c', encoding, a.inputs, a.y, a.ids.slice(0, 11));
    expect(constraint).not.toBe(objective);
    expect(cache.fit('objective:0', encoding, a.inputs, a.y, a.ids)).toBe(objective);
  });
});

describe('GP targets', () => {
  it('maps infinite values onto the finite extremes', () => {
    expect(finiteValues([1, -Infinity, 3, Infinity])).toEqual([1, 1, 3, 3]);
    expect(finiteValues([Infinity, -Infinity])).toEqual([0, 0]);
  });

  it('standardises without the warp', () => {
    const t = fitTargets([1, 2, 3, 4], false);
    const mean = t.reduce((s, v) => s + v, 0) / t.length;
    const sd = Math.sqrt(t.reduce((s, v) => s + (v - mean) ** 2, 0) / t.length);
    expect(mean).toBeCloseTo(0, 12);
    expect(sd).toBeCloseTo(1, 12);
  });
});
