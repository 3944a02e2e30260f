import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { perturbAnchor, reflectIntoUnitInterval } from '../../src/samplers/gp/acquisition.js';
import { buildEncoding } from '../../src/samplers/gp/encoding.js';
import { Rng } from '../../src/samplers/rng.js';
import { floatDistribution, intDistribution } from '../../src/space/distributions.js';

describe('perturbations of the best trials in the acquisition search', () => {
  it('reflection folds values back into [0, 1] as a mirror does and leaves values inside alone', () => {
    expect(reflectIntoUnitInterval(0.3)).toBe(0.3);
    expect(reflectIntoUnitInterval(-0.1)).toBeCloseTo(0.1, 15);
    expect(reflectIntoUnitInterval(1.1)).toBeCloseTo(0.9, 15);
    expect(reflectIntoUnitInterval(2.25)).toBeCloseTo(0.25, 15);
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), (v) => {
        const r = reflectIntoUnitInterval(v);
        return r >= 0 && r <= 1;
      }),
    );
  });

  it('an anchor on a bound spreads its perturbations inside the range instead of piling them on the bound', () => {
    const encoding = buildEncoding({ a: floatDistribution(0, 1), b: floatDistribution(-5, 5) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(0.01, 0.03, 0.1, 0.2), fc.constantFrom(0, 1), (seed, scale, bound) => {
        const rng = new Rng(seed);
        const anchor = Float64Array.of(bound, 0.5);
        let onBound = 0;
        for (let i = 0; i < 50; i++) {
          const p = perturbAnchor(encoding, anchor, scale, rng, new Float64Array(2));
          if (!(p[0]! >= 0 && p[0]! <= 1 && p[1]! >= 0 && p[1]! <= 1)) return false;
          if (p[0] === bound) onBound++;
        }
        return onBound === 0;
      }),
      { numRuns: 50 },
    );
  });

  it('perturbations of a discrete dimension stay on its values', () => {
    const encoding = buildEncoding({ k: intDistribution(1, 5) });
    const rng = new Rng(7);
    const values = new Set<number>();
    for (let i = 0; i < 200; i++) values.add(encoding.dimensions[0]!.decode(perturbAnchor(encoding, Float64Array.of(encoding.dimensions[0]!.encode(1)), 0.2, rng, new Float64Array(1))[0]!));
    for (const v of values) expect([1, 2, 3, 4, 5]).toContain(v);
    expect(values.has(1)).toBe(true);
    expect(values.size).toBeGreaterThan(1);
  });
});
