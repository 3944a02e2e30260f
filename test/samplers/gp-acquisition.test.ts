import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maximizeAcquisition, perturbAnchor, reflectIntoUnitInterval } from '../../src/samplers/gp/acquisition.js';
import type { AcquisitionFunction } from '../../src/samplers/gp/acquisition-functions.js';
import { LogExpectedImprovement } from '../../src/samplers/gp/acquisition-functions.js';
import { defaultKernelParams } from '../../src/samplers/gp/fit.js';
import { GaussianProcess } from '../../src/samplers/gp/gp-model.js';
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

describe('the acquisition search, batched against one point at a time', () => {
  it('finds the same point whether candidates and local searches are scored four at a time or one by one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = new Rng(seed);
        const encoding = buildEncoding({ a: floatDistribution(0, 1), b: floatDistribution(0, 1), c: intDistribution(0, 7) });
        const n = 30;
        const x = new Float64Array(n * encoding.d);
        for (let i = 0; i < x.length; i++) x[i] = encoding.dimensions[i % encoding.d]?.kind === 'discrete' ? (Math.floor(rng.float() * 8) + 0.5) / 8 : rng.float();
        const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * (x[i * 3] as number)) + (x[i * 3 + 1] as number) ** 2 + 0.1 * rng.normal());
        const gp = new GaussianProcess({ x, n, d: encoding.d, categorical: encoding.categorical }, y, defaultKernelParams(encoding.d));
        const batched = new LogExpectedImprovement(gp, Math.max(...y));
        // The same function without its batched entry points: the search scores one point at a time.
        const single: AcquisitionFunction = {
          value: (p) => batched.value(p),
          bound: (p) => batched.bound(p),
          valueAndGradient: (p, free) => batched.valueAndGradient(p, free),
        };
        const options = { candidates: 256, anchors: [x.slice(0, 3)], perturbationsPerAnchor: 32, localSearchStarts: 5, localSearchEvaluations: 30 };
        const a = maximizeAcquisition(batched, encoding, new Rng(seed + 1), options);
        const b = maximizeAcquisition(single, encoding, new Rng(seed + 1), options);
        expect(a.value).toBeCloseTo(b.value, 8);
        for (let j = 0; j < encoding.d; j++) expect(a.point[j]).toBeCloseTo(b.point[j] as number, 6);
      }),
      { numRuns: 15 },
    );
  });
});
