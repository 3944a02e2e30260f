import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomSampler, sampleUniform } from '../../src/samplers/random.js';
import { Rng } from '../../src/samplers/rng.js';
import { contains, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';
import { arbitraryDistribution } from '../helpers/arbitraries.js';

describe('RandomSampler', () => {
  const view = makeStudyView([]);
  it('samples inside every distribution', () => {
    fc.assert(
      fc.property(arbitraryDistribution, fc.nat(), fc.nat({ max: 1000 }), (dist, seed, number) => {
        const value = new RandomSampler({ seed }).sampleIndependent(view, makeTrial({ number }), 'p', dist);
        expect(contains(dist, value)).toBe(true);
      }),
    );
  });
  it('is a function of seed, trial number and parameter name only', () => {
    fc.assert(
      fc.property(arbitraryDistribution, fc.nat(), fc.nat({ max: 1000 }), (dist, seed, number) => {
        const a = new RandomSampler({ seed }).sampleIndependent(view, makeTrial({ number }), 'p', dist);
        const b = new RandomSampler({ seed }).sampleIndependent(makeStudyView([makeTrial({ number: 0, value: 1 })]), makeTrial({ number }), 'p', dist);
        expect(a).toBe(b);
      }),
    );
  });
  it('refuses a bad seed', () => {
    expect(() => new RandomSampler({ seed: -1 })).toThrow('RandomSampler: seed must be a non-negative integer, got -1');
  });
});

describe('sampleUniform', () => {
  it('spreads a log range evenly over decades', () => {
    const rng = new Rng(7);
    const dist = floatDistribution(1e-5, 1e-1, { log: true });
    const decades = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) decades[Math.min(3, Math.floor(Math.log10(sampleUniform(rng, dist)) + 5))]!++;
    for (const count of decades) expect(count).toBeGreaterThan(850);
  });
  it('gives the end values of an int range their share', () => {
    const rng = new Rng(3);
    const dist = intDistribution(1, 4);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[sampleUniform(rng, dist) - 1]!++;
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });
});

describe('Rng', () => {
  it('floats lie in [0, 1) and the same seed repeats the stream', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    for (let i = 0; i < 1000; i++) {
      const x = a.float();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(b.float()).toBe(x);
    }
  });
  it('normal draws have mean 0 and variance 1', () => {
    const rng = new Rng(9);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });
});
