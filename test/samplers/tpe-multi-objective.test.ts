import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hypervolume, hypervolumeContributions, nonDominatedRanks } from '../../src/multi-objective/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { RankedTrials, rankHistory } from '../../src/samplers/tpe/history.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { ParetoRankedTrials } from '../../src/samplers/tpe/pareto-history.js';
import { contributionWeights, EPS, paretoRanks, referencePoint, selectByHypervolume, selectGood } from '../../src/samplers/tpe/pareto-selection.js';
import { contains, floatDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { createStudy } from '../../src/study/create.js';
import type { Sampler, StudyView } from '../../src/policies/policies.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';
import { PAUSED_ATTR } from '../../src/storage/metadata.js';

const X = floatDistribution(0, 1);
const MINMIN = ['minimize', 'minimize'] as const;

/** Points on a small integer grid, so that ties and repeats are common. */
const gridPoints = (m: number, maxLength = 30): fc.Arbitrary<number[][]> => fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: m, maxLength: m }), { minLength: 1, maxLength });

/** A constraint attribute: ≤ 0 satisfied. */
const constrained = (c: number): Record<string, number> => ({ 'constraints:c': c });

describe('Pareto ranks', () => {
  it('match the non-dominated sort of src/multi-objective, with two and with three objectives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }).chain((m) => gridPoints(m)), (points) => {
        expect([...paretoRanks(points)]).toEqual(nonDominatedRanks(points));
      }),
    );
  });
});

describe('reference point', () => {
  it('is the worst value of each objective moved 10% outwards, a zero replaced by EPS', () => {
    expect(referencePoint([[2, -1, 0], [1, -3, -2]])).toEqual([2 * 1.1, -1 * 0.9, EPS]);
  });
});

describe('greedy hypervolume subset selection', () => {
  it('first takes the point with the largest box, then the one adding most (ties: lexicographic order)', () => {
    // Boxes to (5, 5): 4, 9, 4. After (2, 2) both others add 1.
    const points = [[4, 1], [2, 2], [1, 4]];
    expect(selectByHypervolume(points, 1, [5, 5])).toEqual([1]);
    expect(selectByHypervolume(points, 2, [5, 5])).toEqual([1, 2]);
  });

  it('each pick adds as much hypervolume as the best single addition (two and three objectives)', () => {
    const front = (m: number): fc.Arbitrary<number[][]> =>
      gridPoints(m, 12).map((ps) => {
        const ranks = nonDominatedRanks(ps);
        return ps.filter((_, i) => ranks[i] === 0);
      });
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }).chain((m) => fc.tuple(front(m), fc.integer({ min: 1, max: 12 }))),
        ([points, k]) => {
          const ref = referencePoint(points);
          const picked = selectByHypervolume(points, k, ref);
          expect(picked).toHaveLength(Math.min(k, points.length));
          expect(new Set(picked).size).toBe(picked.length);
          const distinct = new Set(points.map((p) => p.join(','))).size;
          if (k >= points.length || k > distinct) return;
          for (let step = 0; step < picked.length; step++) {
            const chosen = picked.slice(0, step).map((i) => points[i] as number[]);
            const gainOf = (i: number): number => hypervolume([...chosen, points[i] as number[]], ref);
            const best = Math.max(...points.map((_, i) => (picked.slice(0, step).includes(i) ? -Infinity : gainOf(i))));
            expect(gainOf(picked[step] as number)).toBeCloseTo(best, 9);
          }
        },
      ),
    );
  });

  it('takes every distinct point, then the first repeats, when there are fewer distinct points than asked', () => {
    expect(selectByHypervolume([[1, 2], [1, 2], [2, 1], [1, 2]], 3, [3, 3]).sort()).toEqual([0, 1, 2]);
  });
});

describe('good set selection', () => {
  it('has the asked size and holds every whole front that fits, the first front included when it fits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }).chain((m) => fc.tuple(gridPoints(m, 40), fc.integer({ min: 0, max: 40 }))), ([points, size]) => {
        const ranks = paretoRanks(points);
        const good = selectGood(points, ranks, size);
        expect(good).toHaveLength(Math.min(size, points.length));
        expect(new Set(good).size).toBe(good.length);
        const counts = new Map<number, number>();
        for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
        let cumulative = 0;
        for (let r = 0; counts.has(r); r++) {
          cumulative += counts.get(r) as number;
          if (cumulative > size) break;
          points.forEach((_, i) => ranks[i] === r && expect(good).toContain(i));
        }
        // Never a point of a later front while one of an earlier front is left out.
        const worstIn = Math.max(-1, ...good.map((i) => ranks[i] as number));
        points.forEach((_, i) => (ranks[i] as number) < worstIn && expect(good).toContain(i));
      }),
    );
  });
});

describe('hypervolume contribution weights', () => {
  it('are each point’s exclusive contribution over the largest, reference from the good points', () => {
    // Reference (3.3, 3.3): contributions 0.3, 1, 0.3.
    const w = contributionWeights([[1, 3], [2, 2], [3, 1]], () => true);
    expect(w[0]).toBeCloseTo(0.3, 12);
    expect(w[1]).toBe(1);
    expect(w[2]).toBeCloseTo(0.3, 12);
  });

  it('agree with hypervolumeContributions, are positive and finite, EPS off the front and for repeats', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }).chain((m) => gridPoints(m, 15)), (points) => {
        const ranks = nonDominatedRanks(points);
        const w = contributionWeights(points, (i) => ranks[i] === 0);
        expect(w).toHaveLength(points.length);
        for (const v of w) expect(Number.isFinite(v) && v > 0 && v <= 1).toBe(true);
        if (points.length < 2) return;
        const front = points.filter((_, i) => ranks[i] === 0);
        const c = hypervolumeContributions(front, referencePoint(points));
        const largest = Math.max(...c);
        front.forEach((_, k) => {
          const i = points.indexOf(front[k] as number[]);
          // Points at the reference have zero volume: then every weight is the EPS floor.
          if (largest > 0) expect(w[i]).toBeCloseTo(Math.max((c[k] as number) / largest, EPS), 9);
        });
        points.forEach((_, i) => ranks[i] !== 0 && expect(w[i]).toBe(EPS));
      }),
    );
  });

  it('are all 1 for one point or an unbounded hypervolume', () => {
    expect([...contributionWeights([[1, 1]], () => true)]).toEqual([1]);
    expect([...contributionWeights([[-Infinity, 1], [1, 0]], () => true)]).toEqual([1, 1]);
  });
});

/** Finished trials with two objective values each (state and constraint optional). */
function twoObjectiveTrials(specs: readonly (readonly [number, number, string, number])[]): FrozenTrial[] {
  return specs.map(([a, b, state, c], i) =>
    makeTrial({ number: i, state: state as 'COMPLETE', ...(state === 'COMPLETE' ? { values: [a, b] } : {}), ...(c === 0 ? {} : { systemAttrs: constrained(c) }) }),
  );
}

const trialSpecs = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'RUNNING', 'FAIL'), fc.constantFrom(0, 0, -1, 1, 2)),
  { maxLength: 40 },
);

describe('multi-objective history split', () => {
  const gamma = (n: number): number => Math.ceil(0.3 * n);

  it('puts γ(n) finished trials first: feasible before infeasible (by violation), pruned and running never good', () => {
    fc.assert(
      fc.property(trialSpecs, (specs) => {
        const trials = twoObjectiveTrials(specs);
        const history = new ParetoRankedTrials(MINMIN, gamma, 'hypervolume').rank(trials, makeTrial({ number: 99 }), true);
        const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED');
        expect(history.nFinished).toBe(finished.length);
        const count = history.good?.count as number;
        const candidates = finished.filter((t) => t.state === 'COMPLETE' || (t.systemAttrs['constraints:c'] as number) > 0);
        expect(count).toBe(Math.min(candidates.length, Math.round(gamma(finished.length))));
        const good = history.trials.slice(0, count);
        const feasible = (t: FrozenTrial): boolean => !((t.systemAttrs['constraints:c'] as number) > 0);
        for (const t of good) expect(t.state === 'COMPLETE' || !feasible(t)).toBe(true);
        // An infeasible good trial only once every feasible complete trial is good.
        if (good.some((t) => !feasible(t))) expect(good.filter(feasible)).toHaveLength(finished.filter((t) => t.state === 'COMPLETE' && feasible(t)).length);
        const violations = good.filter((t) => !feasible(t)).map((t) => t.systemAttrs['constraints:c'] as number);
        expect(violations).toEqual([...violations].sort((a, b) => a - b));
        const bestLeftOut = Math.min(...history.trials.slice(count, history.nFinished).filter((t) => !feasible(t)).map((t) => t.systemAttrs['constraints:c'] as number));
        for (const v of violations) expect(v).toBeLessThanOrEqual(bestLeftOut);
        // Running trials (the constant liar) come last.
        expect(history.trials.slice(history.nFinished).every((t) => t.state === 'RUNNING')).toBe(true);
        expect([...history.numbers]).toEqual(history.trials.map((t) => t.number));
        const weights = history.good?.weights as Float64Array;
        for (const t of good) expect(Number.isFinite(weights[t.number]) && (weights[t.number] as number) > 0).toBe(true);
      }),
    );
  });

  it('splits the same way however the history arrived', () => {
    fc.assert(
      fc.property(trialSpecs, (specs) => {
        const trials = twoObjectiveTrials(specs);
        const current = makeTrial({ number: 99 });
        const incremental = new ParetoRankedTrials(MINMIN, gamma, 'hypervolume');
        for (let cut = 0; cut < trials.length; cut += 5) incremental.rank(trials.slice(0, cut), current, false);
        const a = incremental.rank(trials, current, false);
        const b = new ParetoRankedTrials(MINMIN, gamma, 'hypervolume').rank(trials, current, false);
        expect(a.trials.map((t) => t.number)).toEqual(b.trials.map((t) => t.number));
        expect(a.good).toEqual(b.good);
      }),
    );
  });

  it('reads a paused trial afresh: once resumed and completed it joins the split by its values', () => {
    const paused = (n: number, c: number): FrozenTrial => makeTrial({ number: n, state: 'PRUNED', intermediate: { 1: 0 }, systemAttrs: { [PAUSED_ATTR]: true, ...(c === 0 ? {} : constrained(c)) } });
    const done = [makeTrial({ number: 0, values: [3, 3] }), makeTrial({ number: 1, values: [4, 4] }), makeTrial({ number: 2, values: [5, 5] })];
    const current = makeTrial({ number: 9 });
    const incremental = new ParetoRankedTrials(MINMIN, () => 1, 'hypervolume');
    const first = incremental.rank([...done, paused(3, 0), paused(4, 2)], current, false);
    expect(first.trials.map((t) => t.number)).toEqual([0, 1, 2, 4, 3]);
    const later = [...done, { ...makeTrial({ number: 3, values: [1, 1] }), systemAttrs: { [PAUSED_ATTR]: false } }, paused(4, 2)];
    const a = incremental.rank(later, current, false);
    const b = new ParetoRankedTrials(MINMIN, () => 1, 'hypervolume').rank(later, current, false);
    expect(a.trials.map((t) => t.number)).toEqual([3, 0, 1, 2, 4]);
    expect(a.trials.map((t) => t.number)).toEqual(b.trials.map((t) => t.number));
    expect(a.good).toEqual(b.good);
  });

  it('takes the first front, then the hypervolume pick of the second, with maximised objectives negated', () => {
    // Losses (x, −y): front 0 = {0, 1}, front 1 = {2, 3, 4}, then 5. γ = 3 takes one of
    // front 1: with its reference (5.5, −1.35), the boxes are 0.525, 4.125 and 1.075.
    const values = [[1, 4], [2, 5], [2, 1.5], [3, 3], [5, 3.5], [6, 0]];
    const trials = values.map((v, i) => makeTrial({ number: i, values: v }));
    const history = new ParetoRankedTrials(['minimize', 'maximize'], () => 3, 'uniform').rank(trials, makeTrial({ number: 9 }), true);
    expect(history.trials.slice(0, 3).map((t) => t.number)).toEqual([0, 1, 3]);
    expect(history.good?.weights).toBeNull();
  });

  it('weights infeasible good trials 1 (they lead towards feasibility) and feasible ones by contribution', () => {
    const trials = [
      makeTrial({ number: 0, values: [1, 3] }),
      makeTrial({ number: 1, values: [2, 2] }),
      makeTrial({ number: 2, values: [3, 1] }),
      makeTrial({ number: 3, values: [0, 0], systemAttrs: constrained(1) }),
      makeTrial({ number: 4, values: [9, 9], systemAttrs: constrained(2) }),
    ];
    const history = new ParetoRankedTrials(MINMIN, () => 4, 'hypervolume').rank(trials, makeTrial({ number: 9 }), true);
    expect(history.trials.slice(0, 4).map((t) => t.number)).toEqual([0, 1, 2, 3]);
    const w = history.good?.weights as Float64Array;
    expect([w[0], w[1], w[2]].map((v) => Number((v as number).toFixed(6)))).toEqual([0.3, 1, 0.3]);
    expect(w[3]).toBe(1);
  });
});

describe('MOTPE before any trial is feasible', () => {
  it('proposes near the least violating trials, not uniformly', () => {
    // 40 infeasible trials of one parameter; the violation is |x − 0.2|, so nothing is feasible yet.
    const trials = Array.from({ length: 40 }, (_, i) => {
      const x = (i + 0.5) / 40;
      return makeTrial({ number: i, values: [x, 1 - x], params: { x: { value: x, distribution: X } }, systemAttrs: constrained(Math.abs(x - 0.2) + 0.01) });
    });
    const view = makeStudyView(trials, MINMIN);
    for (const paretoWeights of ['hypervolume', 'uniform'] as const) {
      const sampler = new TPESampler({ seed: 1, paretoWeights });
      const proposals = Array.from({ length: 30 }, (_, k) => sampler.sampleIndependent(view, makeTrial({ number: 40 + k }), 'x', X));
      const meanDistance = proposals.reduce((a, x) => a + Math.abs(x - 0.2), 0) / proposals.length;
      // Uniform proposals would be 0.34 away on average.
      expect(meanDistance, paretoWeights).toBeLessThan(0.12);
    }
  });

  it('lets the least violating trials weigh beside a first feasible one (hypervolume weights)', () => {
    // One feasible trial at x = 0.9 and 39 infeasible ones whose violation is smallest near 0.2:
    // the good set holds the feasible one and the least violating ones, each weighing 1.
    const trials = Array.from({ length: 40 }, (_, i) => {
      const x = i === 0 ? 0.9 : (i + 0.5) / 40;
      return makeTrial({ number: i, values: [x, 1 - x], params: { x: { value: x, distribution: X } }, systemAttrs: constrained(i === 0 ? -1 : Math.abs(x - 0.2) + 0.01) });
    });
    const history = new ParetoRankedTrials(MINMIN, () => 6, 'hypervolume').rank(trials, makeTrial({ number: 40 }), true);
    const good = history.trials.slice(0, 6).map((t) => t.number);
    expect(good[0]).toBe(0);
    const w = history.good?.weights as Float64Array;
    expect(good.map((n) => w[n])).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('constrained single-objective ranking (c-TPE)', () => {
  it('ranks feasible trials first, infeasible ones by total violation, whatever their values', () => {
    const trials = [
      makeTrial({ number: 0, value: 0, systemAttrs: constrained(3) }),
      makeTrial({ number: 1, value: 5 }),
      makeTrial({ number: 2, value: -1, systemAttrs: { 'constraints:c': 0.5, 'constraints:d': -4 } }),
      makeTrial({ number: 3, value: 7, systemAttrs: constrained(-1) }),
      makeTrial({ number: 4, state: 'PRUNED', intermediate: { 2: 0.1 } }),
    ];
    expect(rankHistory(trials, 'minimize', makeTrial({ number: 9 }), true).trials.map((t) => t.number)).toEqual([1, 3, 4, 2, 0]);
  });

  it('ranks incrementally exactly as a full re-rank, constraints included', () => {
    fc.assert(
      fc.property(trialSpecs, (specs) => {
        const trials = specs.map(([a, , state, c], i) => makeTrial({ number: i, state: state as 'COMPLETE', ...(state === 'COMPLETE' ? { value: a } : {}), ...(c === 0 ? {} : { systemAttrs: constrained(c) }) }));
        const current = makeTrial({ number: 99 });
        const incremental = new RankedTrials('minimize');
        for (let cut = 0; cut < trials.length; cut += 6) incremental.rank(trials.slice(0, cut), current, true);
        expect(incremental.rank(trials, current, true).trials.map((t) => t.number)).toEqual(rankHistory(trials, 'minimize', current, true).trials.map((t) => t.number));
      }),
    );
  });
});

const DIMS = 5;
const NAMES = Array.from({ length: DIMS }, (_, i) => `x${i}`);

/** ZDT1 (Zitzler, Deb & Thiele 2000): front f2 = 1 − √f1 where x1… = 0. */
function zdt1(x: readonly number[]): [number, number] {
  const f1 = x[0] as number;
  const g = 1 + (9 / (DIMS - 1)) * x.slice(1).reduce((a, b) => a + b, 0);
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}

/** Ask one trial the way Study does: relative space first, the rest independently. */
function ask(sampler: Sampler, view: StudyView, trial: FrozenTrial): number[] {
  const relative = sampler.sampleRelative?.(view, trial, sampler.inferRelativeSpace?.(view, trial) ?? {}) ?? {};
  return NAMES.map((name) => relative[name] ?? sampler.sampleIndependent(view, trial, name, X));
}

/** Run `n` sequential ZDT1 trials through a sampler on a makeStudyView history; the trials. */
function runZdt1(sampler: Sampler, n: number): FrozenTrial[] {
  const trials: FrozenTrial[] = [];
  const view = makeStudyView(trials, MINMIN, 'zdt1');
  for (let i = 0; i < n; i++) {
    const x = ask(sampler, view, makeTrial({ number: i }));
    trials.push(makeTrial({ number: i, values: zdt1(x), params: Object.fromEntries(NAMES.map((name, k) => [name, { value: x[k] as number, distribution: X }])) }));
  }
  return trials;
}

const ZDT1_REFERENCE = [1.1, 11];
const hypervolumeOf = (trials: readonly FrozenTrial[]): number => hypervolume(trials.map((t) => t.values as number[]), ZDT1_REFERENCE);

describe('MOTPE sampling', () => {
  it('gives the same samples for the same seed, each inside its distribution', () => {
    const a = runZdt1(new TPESampler({ seed: 7, nStartupTrials: 5 }), 25);
    const b = runZdt1(new TPESampler({ seed: 7, nStartupTrials: 5 }), 25);
    expect(a.map((t) => t.params)).toEqual(b.map((t) => t.params));
    for (const t of a) for (const name of NAMES) expect(contains(X, t.params[name] as number)).toBe(true);
    expect(runZdt1(new TPESampler({ seed: 8, nStartupTrials: 5 }), 25).map((t) => t.params)).not.toEqual(a.map((t) => t.params));
  });

  it('improves the hypervolume over random search at equal trials on ZDT1 (both weight rules, both modes)', () => {
    const n = 80;
    const seeds = [0, 1, 2];
    const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
    const random = seeds.map((seed) => hypervolumeOf(runZdt1(new RandomSampler({ seed }), n)));
    // The front's own hypervolume is 1.1 · 11 − 2/3 ≈ 11.43; random search reaches about 9.5 here.
    for (const options of [{}, { paretoWeights: 'uniform' as const }, { multivariate: false }]) {
      const motpe = seeds.map((seed) => hypervolumeOf(runZdt1(new TPESampler({ seed, ...options }), n)));
      motpe.forEach((hv, k) => expect(hv).toBeGreaterThan(random[k] as number));
      expect(mean(motpe) - mean(random)).toBeGreaterThan(0.8);
    }
  });
});

describe('MOTPE through the study API', () => {
  /** ZDT1 with g ≤ 3 as a constraint (x2…x5 summing to at most 8/9), through ask and tell(trial, [f1, f2]); the trials. */
  async function constrainedZdt1(sampler: Sampler, n: number): Promise<readonly FrozenTrial[]> {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler, constraints: { g: { max: 3 } } });
    for (let i = 0; i < n; i++) {
      const trial = await study.ask();
      const x = NAMES.map((name) => trial.suggestFloat(name, 0, 1));
      trial.setConstraint('g', 1 + (9 / (DIMS - 1)) * x.slice(1).reduce((a, b) => a + b, 0));
      await study.tell(trial, zdt1(x));
    }
    expect(study.bestTrials.every((t) => (t.systemAttrs['constraints:g'] as number) <= 0)).toBe(true);
    return study.refresh();
  }

  it('finds feasible trials of a constrained two-objective problem more often than random search', async () => {
    const n = 60;
    const feasibleAfterStartup = (trials: readonly FrozenTrial[]): number => trials.slice(20).filter((t) => t.state === 'COMPLETE' && (t.systemAttrs['constraints:g'] as number) <= 0).length;
    let tpe = 0;
    let random = 0;
    for (const seed of [0, 1]) {
      tpe += feasibleAfterStartup(await constrainedZdt1(new TPESampler({ seed }), n));
      random += feasibleAfterStartup(await constrainedZdt1(new RandomSampler({ seed }), n));
    }
    expect(tpe).toBeGreaterThan(3 * random + 10);
  });
});

describe("TPE's multivariate: 'auto'", () => {
  /** DTLZ2 with m objectives on the first DIMS variables (m = 1: 1 + g). */
  function dtlz2(x: readonly number[], m: number): number[] {
    let g = 0;
    for (let i = m - 1; i < x.length; i++) g += ((x[i] as number) - 0.5) ** 2;
    return Array.from({ length: m }, (_, k) => {
      let f = 1 + g;
      for (let j = 0; j < m - 1 - k; j++) f *= Math.cos(((x[j] as number) * Math.PI) / 2);
      return k > 0 ? f * Math.sin(((x[m - 1 - k] as number) * Math.PI) / 2) : f;
    });
  }

  /** `n` sequential trials of `m`-objective DTLZ2 through a sampler; each trial's parameters. */
  function runDtlz2(sampler: Sampler, m: number, n: number): number[][] {
    const trials: FrozenTrial[] = [];
    const view = makeStudyView(trials, Array.from({ length: m }, () => 'minimize' as const), `dtlz2-${m}`);
    for (let i = 0; i < n; i++) {
      const x = ask(sampler, view, makeTrial({ number: i }));
      trials.push(makeTrial({ number: i, values: dtlz2(x, m), params: Object.fromEntries(NAMES.map((name, k) => [name, { value: x[k] as number, distribution: X }])) }));
    }
    return trials.map((t) => NAMES.map((name) => t.params[name] as number));
  }

  it('is the default, and decides per study by the number of objectives', () => {
    const sampler = new TPESampler({ seed: 0 });
    expect(sampler.multivariate).toBe('auto');
    expect([1, 2, 3, 4].map((m) => sampler.isMultivariate(makeStudyView([], Array.from({ length: m }, () => 'minimize' as const))))).toEqual([true, true, false, false]);
    expect(new TPESampler({ multivariate: false }).isMultivariate(makeStudyView([]))).toBe(false);
    expect(new TPESampler({ multivariate: true }).isMultivariate(makeStudyView([], ['minimize', 'minimize', 'minimize']))).toBe(true);
    expect(() => new TPESampler({ multivariate: 'yes' as never })).toThrow(/multivariate must be true, false or 'auto', got "yes"/);
  });

  it('draws 24 candidates per step with up to two objectives and 12 with more, unless nEiCandidates is given', () => {
    const view = (m: number): StudyView => makeStudyView([], Array.from({ length: m }, () => 'minimize' as const));
    expect([1, 2, 3, 4].map((m) => new TPESampler({ seed: 0 }).candidatesFor(view(m)))).toEqual([24, 24, 12, 12]);
    expect([1, 3].map((m) => new TPESampler({ seed: 0, nEiCandidates: 40 }).candidatesFor(view(m)))).toEqual([40, 40]);
    // The count is what sampling uses: three objectives at the default sample as with 12 given.
    expect(runDtlz2(new TPESampler({ seed: 5 }), 3, 30)).toEqual(runDtlz2(new TPESampler({ seed: 5, nEiCandidates: 12 }), 3, 30));
    expect(runDtlz2(new TPESampler({ seed: 5 }), 3, 30)).not.toEqual(runDtlz2(new TPESampler({ seed: 5, nEiCandidates: 24 }), 3, 30));
  });

  it("widens kernels by Scott's rule when sampling several objectives jointly, unless bandwidth is given", () => {
    const view = (m: number): StudyView => makeStudyView([], Array.from({ length: m }, () => 'minimize' as const));
    expect([1, 2, 3].map((m) => new TPESampler({ seed: 0 }).bandwidthFor(view(m)))).toEqual(['neighbor', 'scott', 'neighbor']);
    expect(new TPESampler({ seed: 0, multivariate: true }).bandwidthFor(view(3))).toBe('scott');
    expect(new TPESampler({ seed: 0, bandwidth: 'neighbor' }).bandwidthFor(view(2))).toBe('neighbor');
    // The rule is what sampling uses: two objectives at the default sample as with 'scott' given, one as with 'neighbor'.
    expect(runDtlz2(new TPESampler({ seed: 4 }), 2, 30)).toEqual(runDtlz2(new TPESampler({ seed: 4, bandwidth: 'scott' }), 2, 30));
    expect(runDtlz2(new TPESampler({ seed: 4 }), 2, 30)).not.toEqual(runDtlz2(new TPESampler({ seed: 4, bandwidth: 'neighbor' }), 2, 30));
    expect(runDtlz2(new TPESampler({ seed: 4 }), 1, 30)).toEqual(runDtlz2(new TPESampler({ seed: 4, bandwidth: 'neighbor' }), 1, 30));
  });

  it('samples jointly with one or two objectives and one parameter at a time (old-decay weights) with three or more', () => {
    const n = 45;
    for (const m of [1, 2, 3, 4]) {
      const auto = runDtlz2(new TPESampler({ seed: 3 }), m, n);
      const joint = runDtlz2(new TPESampler({ seed: 3, multivariate: true }), m, n);
      const single = runDtlz2(new TPESampler({ seed: 3, multivariate: false }), m, n);
      // The two modes differ once the model takes over, so equality says which one ran.
      expect(joint.slice(10), `m = ${m}`).not.toEqual(single.slice(10));
      expect(auto, `m = ${m}`).toEqual(m <= 2 ? joint : single);
    }
  });
});
