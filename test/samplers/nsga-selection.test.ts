import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constraintKey } from '../../src/multi-objective/constraints.js';
import { Rng } from '../../src/samplers/rng.js';
import { crowdingDistances, selectByCrowding } from '../../src/samplers/nsga/crowding.js';
import type { Individual } from '../../src/samplers/nsga/population.js';
import { constrainedDominates, rankFronts, toIndividual } from '../../src/samplers/nsga/population.js';
import { associate, dasDennisPoints, nichePreserve, normalizeLosses, selectByReferencePoints, solveLinear } from '../../src/samplers/nsga/reference-points.js';
import type { Direction } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';

function individual(number: number, values: number[], violation = 0, directions: Direction[] = values.map(() => 'minimize')): Individual {
  const systemAttrs = violation === 0 ? {} : { [constraintKey('c')]: violation };
  return toIndividual(makeTrial({ number, values, systemAttrs }), directions);
}

const numbers = (selected: readonly Individual[]): number[] => selected.map((p) => p.trial.number).sort((a, b) => a - b);

describe('constrained domination', () => {
  it('prefers a feasible trial to an infeasible one whatever their values', () => {
    const feasible = individual(0, [10, 10]);
    const infeasible = individual(1, [0, 0], 0.5);
    expect(constrainedDominates(feasible, infeasible)).toBe(true);
    expect(constrainedDominates(infeasible, feasible)).toBe(false);
  });
  it('prefers the smaller violation between two infeasible trials', () => {
    expect(constrainedDominates(individual(0, [5, 5], 0.1), individual(1, [0, 0], 2))).toBe(true);
    expect(constrainedDominates(individual(0, [0, 0], 2), individual(1, [5, 5], 0.1))).toBe(false);
  });
  it('is Pareto dominance between feasible trials, in the study directions', () => {
    const directions: Direction[] = ['minimize', 'maximize'];
    expect(constrainedDominates(individual(0, [1, 5], 0, directions), individual(1, [2, 4], 0, directions))).toBe(true);
    expect(constrainedDominates(individual(0, [1, 4], 0, directions), individual(1, [2, 5], 0, directions))).toBe(false);
  });
  it('treats a satisfied constraint (value <= 0) as feasible', () => {
    const satisfied = toIndividual(makeTrial({ number: 0, values: [1], systemAttrs: { [constraintKey('c')]: -3 } }), ['minimize']);
    expect(satisfied.violation).toBe(0);
  });
});

describe('rankFronts', () => {
  it('ranks feasible trials by Pareto fronts, then infeasible ones by violation', () => {
    const population = [individual(0, [1, 3]), individual(1, [3, 1]), individual(2, [2, 4]), individual(3, [0, 0], 0.5), individual(4, [9, 9], 0.2), individual(5, [8, 8], 0.2)];
    expect(rankFronts(population).map((front) => front.map((p) => p.trial.number))).toEqual([[0, 1], [2], [4, 5], [3]]);
  });
  it('is plain non-dominated sorting without constraints', () => {
    const population = [individual(0, [3, 3]), individual(1, [1, 1]), individual(2, [2, 2])];
    expect(rankFronts(population).map((front) => front.map((p) => p.trial.number))).toEqual([[1], [2], [0]]);
  });
});

describe('crowdingDistances', () => {
  it('gives the extremes Infinity and inner points the normalised gap of their neighbours', () => {
    // Objective 1 over [0, 4]: gaps (2-0)/4 and (4-1)/4; objective 2 mirrors it.
    const d = crowdingDistances([
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(2 / 4 + 3 / 4);
    expect(d[2]).toBeCloseTo(3 / 4 + 2 / 4);
  });
  it('ignores an objective on which every point agrees', () => {
    expect(crowdingDistances([[1], [1], [1]])).toEqual([0, 0, 0]);
  });
  it('counts the gap between equal infinities as zero', () => {
    const d = crowdingDistances([[Infinity], [Infinity], [Infinity], [0]]);
    expect(d.filter((v) => v === 0).length).toBeGreaterThanOrEqual(1);
    expect(d.every((v) => !Number.isNaN(v))).toBe(true);
  });
});

describe('selectByCrowding', () => {
  it('keeps whole fronts while they fit and the least crowded of the next', () => {
    const front = [individual(0, [0, 4]), individual(1, [1, 3.1]), individual(2, [1.1, 3]), individual(3, [4, 0])];
    const dominated = [individual(4, [5, 5]), individual(5, [6, 6])];
    // Crowding: 1 → 1.1/4 + 1/4 = 0.525, 2 → 3/4 + 3.1/4 = 1.525; the extremes are infinite.
    expect(numbers(selectByCrowding([...front, ...dominated], 3))).toEqual([0, 2, 3]);
    expect(numbers(selectByCrowding([...front, ...dominated], 5))).toEqual([0, 1, 2, 3, 4]);
  });
  it('returns everything when the population is smaller than the size', () => {
    expect(selectByCrowding([individual(0, [1, 2]), individual(1, [2, 1])], 10)).toHaveLength(2);
  });
  it('works for one objective: the best values survive', () => {
    const population = [5, 3, 8, 1, 9].map((v, i) => individual(i, [v]));
    expect(numbers(selectByCrowding(population, 2))).toEqual([1, 3]);
  });
});

describe('dasDennisPoints', () => {
  it('spans the unit simplex with C(p + m - 1, m - 1) points', () => {
    const points = dasDennisPoints(3, 3);
    expect(points).toHaveLength(10);
    for (const p of points) {
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1);
      expect(p.every((v) => v >= 0)).toBe(true);
    }
    expect(points).toContainEqual([1, 0, 0]);
    expect(points).toContainEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(dasDennisPoints(2, 4)).toEqual([
      [1, 0],
      [0.75, 0.25],
      [0.5, 0.5],
      [0.25, 0.75],
      [0, 1],
    ]);
    expect(dasDennisPoints(5, 2)).toHaveLength(15);
  });
});

describe('NSGA-III normalisation and association', () => {
  it('solveLinear solves a small system and reports a singular one', () => {
    const x = solveLinear(
      [
        [2, 1],
        [1, 3],
      ],
      [3, 5],
    );
    expect(x?.[0]).toBeCloseTo(0.8);
    expect(x?.[1]).toBeCloseTo(1.4);
    expect(
      solveLinear(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 1],
      ),
    ).toBeNull();
  });
  it('maps the extreme points of a linear front onto the unit intercepts', () => {
    const n = normalizeLosses([
      [1, 11],
      [6, 6],
      [11, 1],
    ]);
    expect(n[0]?.[0]).toBeCloseTo(0);
    expect(n[0]?.[1]).toBeCloseTo(1);
    expect(n[1]?.[0]).toBeCloseTo(0.5);
    expect(n[2]?.[0]).toBeCloseTo(1);
    expect(n[2]?.[1]).toBeCloseTo(0);
  });
  it('clips infinite losses to a finite margin', () => {
    const n = normalizeLosses([[0, 0], [1, Infinity], [2, 1]]);
    expect(n.flat().every(Number.isFinite)).toBe(true);
  });
  it('associates each point with the nearest reference line and its perpendicular distance', () => {
    const { nearest, distance } = associate(
      [
        [1, 0.1],
        [0.5, 0.5],
        [0, 2],
      ],
      [
        [1, 0],
        [0.5, 0.5],
        [0, 1],
      ],
    );
    expect(nearest).toEqual([0, 1, 2]);
    expect(distance[0]).toBeCloseTo(0.1);
    expect(distance[1]).toBeCloseTo(0);
    expect(distance[2]).toBeCloseTo(0);
  });
  it('niching fills empty reference directions first, with their nearest candidate', () => {
    // Chosen: one member on direction 0. Candidates: two on direction 0, two on direction 1 (distances 0.3, 0.1).
    const nearest = [0, 0, 0, 1, 1];
    const distance = [0, 0.2, 0.1, 0.3, 0.1];
    const picked = nichePreserve(1, 1, nearest, distance, 2, new Rng(1));
    expect(picked).toEqual([3]); // candidate index 3 = the one at distance 0.1 on direction 1
    const two = nichePreserve(2, 1, nearest, distance, 2, new Rng(1));
    expect(two).toContain(3);
  });
  it('keeps the parents spread over the reference directions', () => {
    // A crowded cluster near one end of a linear front and a few points elsewhere: all on one front.
    const front = [[0, 1], [0.02, 0.98], [0.04, 0.96], [0.06, 0.94], [0.5, 0.5], [1, 0]].map((v, i) => individual(i, v));
    const selected = numbers(selectByReferencePoints(front, 3, dasDennisPoints(2, 2), new Rng(3)));
    expect(selected).toContain(4);
    expect(selected).toContain(5);
  });
});

const arbitraryPopulation = fc
  .array(fc.tuple(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 2 }), fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 5, noNaN: true }))), {
    minLength: 1,
    maxLength: 30,
  })
  .map((rows) => rows.map(([values, v], i) => individual(i, values, v)));

describe('survival properties', () => {
  const selectors = [
    ['NSGA-II', (population: Individual[], size: number) => selectByCrowding(population, size)],
    ['NSGA-III', (population: Individual[], size: number) => selectByReferencePoints(population, size, dasDennisPoints(2, 3), new Rng(size))],
  ] as const;
  for (const [name, select] of selectors) {
    it(`${name} keeps min(size, population) distinct trials`, () => {
      fc.assert(
        fc.property(arbitraryPopulation, fc.integer({ min: 1, max: 40 }), (population, size) => {
          const selected = select(population, size);
          expect(selected).toHaveLength(Math.min(size, population.length));
          expect(new Set(numbers(selected)).size).toBe(selected.length);
        }),
      );
    });
    it(`${name} never keeps a trial while leaving out one that constrained-dominates it (so no infeasible over a feasible)`, () => {
      fc.assert(
        fc.property(arbitraryPopulation, fc.integer({ min: 1, max: 40 }), (population, size) => {
          const kept = new Set(numbers(select(population, size)));
          for (const a of population) {
            if (kept.has(a.trial.number)) continue;
            for (const b of population) if (kept.has(b.trial.number)) expect(constrainedDominates(a, b)).toBe(false);
          }
        }),
      );
    });
  }
});
