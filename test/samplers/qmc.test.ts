import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Distribution } from '../../src/space/distributions.js';
import { contains, floatDistribution, intDistribution, categoricalDistribution } from '../../src/space/distributions.js';
import { HaltonSequence, QMCSampler, SobolSequence, fromUnitInterval } from '../../src/samplers/qmc.js';
import { Rng } from '../../src/samplers/rng.js';
import { arbitraryDistribution } from '../helpers/arbitraries.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

describe('Sobol sequence', () => {
  it('matches scipy.stats.qmc.Sobol(scramble=False) point for point', () => {
    const s = new SobolSequence(0, false);
    expect(Array.from(s.point(1, 8))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(s.point(5, 8))).toEqual([0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375]);
    expect(Array.from(s.point(13, 8))).toEqual([0.8125, 0.6875, 0.8125, 0.0625, 0.4375, 0.9375, 0.5625, 0.5625]);
    expect(Array.from(s.point(31, 8))).toEqual([0.03125, 0.53125, 0.90625, 0.96875, 0.96875, 0.78125, 0.34375, 0.53125]);
  });

  it('scrambled, the first 2^k points still put exactly one point in each of 2^k strata of every coordinate', () => {
    const s = new SobolSequence(1234, true);
    const k = 6;
    const points = Array.from({ length: 2 ** k }, (_, i) => s.point(i, 64));
    for (let j = 0; j < 64; j++) {
      const strata = new Set(points.map((p) => Math.floor((p[j] as number) * 2 ** k)));
      expect(strata.size).toBe(2 ** k);
    }
  });

  it('scrambled, the first 2^(2k) points fill each cell of a 2^k × 2^k grid of the first two coordinates once', () => {
    const s = new SobolSequence(77, true);
    const cells = new Set<number>();
    for (let i = 0; i < 256; i++) {
      const p = s.point(i, 2);
      cells.add(Math.floor((p[0] as number) * 16) * 16 + Math.floor((p[1] as number) * 16));
    }
    expect(cells.size).toBe(256);
  });

  it('has lower discrepancy than random points (2-D star-discrepancy proxy on a grid of boxes)', () => {
    const n = 128;
    const discrepancy = (pts: Float64Array[]): number => {
      let worst = 0;
      for (let a = 1; a <= 16; a++) {
        for (let b = 1; b <= 16; b++) {
          const inside = pts.filter((p) => (p[0] as number) < a / 16 && (p[1] as number) < b / 16).length / n;
          worst = Math.max(worst, Math.abs(inside - (a * b) / 256));
        }
      }
      return worst;
    };
    const sobol = new SobolSequence(9, true);
    const rng = new Rng(9);
    const qmc = discrepancy(Array.from({ length: n }, (_, i) => sobol.point(i, 2)));
    const random = discrepancy(Array.from({ length: n }, () => Float64Array.from([rng.float(), rng.float()])));
    expect(qmc).toBeLessThan(random / 2);
  });

  it('depends on the seed only when scrambled, and gives each dimension its own scrambling', () => {
    expect(new SobolSequence(1, true).point(3, 4)).not.toEqual(new SobolSequence(2, true).point(3, 4));
    expect(new SobolSequence(1, false).point(3, 4)).toEqual(new SobolSequence(2, false).point(3, 4));
    expect(Array.from(new SobolSequence(1, true).point(3, 4))).toEqual(Array.from(new SobolSequence(1, true).point(3, 8).subarray(0, 4)));
  });
});

describe('Halton sequence', () => {
  it('matches scipy.stats.qmc.Halton(scramble=False)', () => {
    const p = new HaltonSequence(0, false).point(11, 4);
    expect(p[0]).toBeCloseTo(0.8125, 15);
    expect(p[1]).toBeCloseTo(0.7037037037037037, 15);
    expect(p[2]).toBeCloseTo(0.28, 15);
    expect(p[3]).toBeCloseTo(0.5918367346938775, 15);
  });

  it('scrambled, the first 3^k points stratify the base-3 coordinate', () => {
    const h = new HaltonSequence(5, true);
    const strata = new Set(Array.from({ length: 27 }, (_, i) => Math.floor((h.point(i, 2)[1] as number) * 27)));
    expect(strata.size).toBe(27);
  });
});

describe('QMCSampler', () => {
  const space: Record<string, Distribution> = {
    lr: floatDistribution(1e-5, 1e-1, { log: true }),
    layers: intDistribution(1, 6),
    act: categoricalDistribution(['relu', 'gelu']),
  };
  const first = makeTrial({
    number: 0,
    value: 1,
    params: {
      lr: { value: 1e-3, distribution: space['lr'] as Distribution },
      layers: { value: 2, distribution: space['layers'] as Distribution },
      act: { value: 'relu', distribution: space['act'] as Distribution },
    },
  });

  it('samples jointly over the space of the first completed trial, trial n taking point n', () => {
    const sampler = new QMCSampler({ seed: 3 });
    const study = makeStudyView([first]);
    expect(Object.keys(sampler.inferRelativeSpace(study))).toEqual(['act', 'layers', 'lr']);
    const a = sampler.sampleRelative(study, makeTrial({ number: 7 }), space);
    expect(a).toEqual(new QMCSampler({ seed: 3 }).samplePoint(7, space));
    expect(a).not.toEqual(sampler.sampleRelative(study, makeTrial({ number: 8 }), space));
  });

  it('falls back to independent sampling before any trial completes', () => {
    expect(new QMCSampler({ seed: 3 }).inferRelativeSpace(makeStudyView([]))).toEqual({});
  });

  it('keeps every value inside its distribution', () => {
    fc.assert(
      fc.property(arbitraryDistribution, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (dist, u) => {
        expect(contains(dist, fromUnitInterval(dist, u))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('gives every choice and every integer an equal share', () => {
    const counts = new Map<number, number>();
    const s = new QMCSampler({ seed: 1 });
    for (let i = 0; i < 600; i++) {
      const v = s.samplePoint(i, { layers: space['layers'] as Distribution })['layers'] as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (let v = 1; v <= 6; v++) expect(counts.get(v)).toBeGreaterThanOrEqual(95);
  });

  it('validates its options', () => {
    expect(() => new QMCSampler({ qmcType: 'lattice' as 'sobol' })).toThrow(/qmcType/);
  });
});
