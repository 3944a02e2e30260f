import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, nonDominatedRanks, paretoFrontIndices } from '../../src/multi-objective/dominance.js';
import { hypervolume, hypervolumeContributions } from '../../src/multi-objective/hypervolume.js';
import { Rng } from '../../src/samplers/rng.js';

/** Monte-Carlo estimate of the dominated volume inside [0, ref]. */
function monteCarlo(points: number[][], ref: number[], samples: number, seed: number): number {
  const rng = new Rng(seed);
  let hit = 0;
  for (let s = 0; s < samples; s++) {
    const x = ref.map((r) => rng.float() * r);
    if (points.some((p) => p.every((v, i) => v <= (x[i] as number)))) hit++;
  }
  return (hit / samples) * ref.reduce((a, b) => a * b, 1);
}

describe('dominance', () => {
  it('ranks fronts', () => {
    const points = [[1, 5], [2, 2], [5, 1], [3, 3], [4, 4], [2, 2]];
    expect(nonDominatedRanks(points)).toEqual([0, 0, 0, 1, 2, 0]);
    expect(paretoFrontIndices(points)).toEqual([0, 1, 2, 5]);
    expect(dominates([1, 1], [1, 1])).toBe(false);
  });
  it('no point of a front dominates another; every later-rank point is dominated by an earlier-rank one', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 30 }), (pts) => {
        const ranks = nonDominatedRanks(pts);
        for (let i = 0; i < pts.length; i++) {
          for (let j = 0; j < pts.length; j++) if (ranks[i] === ranks[j]) expect(dominates(pts[i] as number[], pts[j] as number[])).toBe(false);
          if ((ranks[i] as number) > 0) expect(pts.some((q, j) => ranks[j] === (ranks[i] as number) - 1 && dominates(q, pts[i] as number[]))).toBe(true);
        }
      }),
    );
  });
});

describe('hypervolume', () => {
  it('is exact on small cases in 2 and 3 objectives', () => {
    expect(hypervolume([[1, 2], [2, 1]], [3, 3])).toBe(3);
    expect(hypervolume([[1, 1, 1]], [2, 2, 2])).toBe(1);
    // Two boxes 2·1·1 and 1·2·1 overlapping in 1·1·1, plus a third off to one side.
    expect(hypervolume([[0, 1, 1], [1, 0, 1], [1, 1, 0]], [2, 2, 2])).toBe(4);
    expect(hypervolume([[3, 0]], [2, 2])).toBe(0);
  });
  it('agrees with a Monte-Carlo estimate in 3 and 4 objectives', () => {
    const rng = new Rng(5);
    for (const m of [3, 4]) {
      const points = Array.from({ length: 12 }, () => Array.from({ length: m }, () => rng.float()));
      const ref = new Array<number>(m).fill(1.1);
      expect(Math.abs(hypervolume(points, ref) - monteCarlo(points, ref, 200_000, m))).toBeLessThan(0.01);
    }
  });
  it('never decreases when a point is added, and ignores dominated points', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 15 }), (pts) => {
        const ref = [1.5, 1.5, 1.5];
        const all = hypervolume(pts, ref);
        expect(all).toBeGreaterThanOrEqual(hypervolume(pts.slice(1), ref) - 1e-12);
        const worse = pts.map((p) => p.map((v) => v + 0.1));
        expect(hypervolume([...pts, ...worse], ref)).toBeCloseTo(all, 10);
      }),
    );
  });
  it('equals the count of unit cells dominated, for points on an integer grid (3 and 4 objectives, dominated and repeated points included)', () => {
    const cellsDominated = (points: number[][], side: number, m: number): number => {
      let count = 0;
      for (let c = 0; c < side ** m; c++) {
        const cell = Array.from({ length: m }, (_, k) => Math.floor(c / side ** k) % side);
        if (points.some((p) => p.every((v, k) => v <= (cell[k] as number)))) count++;
      }
      return count;
    };
    for (const m of [3, 4]) {
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: m, maxLength: m }), { minLength: 1, maxLength: 25 }), (pts) => {
          expect(hypervolume(pts, new Array<number>(m).fill(5))).toBe(cellsDominated(pts, 5, m));
        }),
      );
    }
  });
  it('gives each point its exclusive contribution', () => {
    expect(hypervolumeContributions([[1, 2], [2, 1], [2, 2]], [3, 3])).toEqual([1, 1, 0]);
  });
});
