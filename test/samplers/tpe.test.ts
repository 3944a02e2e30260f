import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { SAMPLERS, createSampler } from '../../src/samplers/registry.js';
import { RankedTrials, rankHistory } from '../../src/samplers/tpe/history.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { ParamColumns } from '../../src/samplers/tpe/columns.js';
import { FinishedPrefix } from '../../src/samplers/tpe/finished-prefix.js';
import { WorkArrays } from '../../src/samplers/tpe/work-arrays.js';
import { SearchSpaceGroups } from '../../src/samplers/tpe/search-space-groups.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, toExternal } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { createStudy } from '../../src/study/create.js';
import type { StudyView } from '../../src/policies/policies.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';
import { PAUSED_ATTR } from '../../src/storage/metadata.js';

const X = floatDistribution(0, 1);
const Y = floatDistribution(0, 1);

/** Trials 0..n-1 with (x, y) drawn by `point` and value (x − 0.3)² + (y − 0.7)². */
function quadraticHistory(n: number, point: (i: number) => [number, number]): FrozenTrial[] {
  return Array.from({ length: n }, (_, i) => {
    const [x, y] = point(i);
    return makeTrial({ number: i, value: (x - 0.3) ** 2 + (y - 0.7) ** 2, params: { x: { value: x, distribution: X }, y: { value: y, distribution: Y } } });
  });
}

function halton(i: number, base: number): number {
  let f = 1;
  let r = 0;
  for (let k = i + 1; k > 0; k = Math.floor(k / base)) {
    f /= base;
    r += f * (k % base);
  }
  return r;
}

/** Ask one trial the way Study does: relative space first, the rest independently. */
function askParams(sampler: TPESampler, view: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
  const relativeSpace = sampler.inferRelativeSpace(view, trial);
  const relative = sampler.sampleRelative(view, trial, relativeSpace);
  const out: Record<string, number> = {};
  for (const [name, dist] of Object.entries(space)) out[name] = relative[name] ?? sampler.sampleIndependent(view, trial, name, dist);
  return out;
}

describe('TPESampler options', () => {
  it('validates eagerly and names the bad value', () => {
    expect(() => new TPESampler({ nStartupTrials: -1 })).toThrow(/nStartupTrials must be an integer >= 0, got -1/);
    expect(() => new TPESampler({ nEiCandidates: 0 })).toThrow(OptionError);
    expect(() => new TPESampler({ gamma: 'cubic' as never })).toThrow(/gamma must be/);
    expect(() => new TPESampler({ priorWeight: -1 })).toThrow(/priorWeight/);
    expect(() => new TPESampler({ categoricalBandwidth: 1.5 })).toThrow(/categoricalBandwidth/);
    expect(() => new TPESampler({ bandwidth: 'silverman' as never })).toThrow(/bandwidth/);
    expect(() => new TPESampler({ warmStartFade: 0 })).toThrow(/warmStartFade must be a number > 0 \(Infinity: never fade\), got 0/);
    expect(() => new TPESampler({ warmStartFade: Number.NaN })).toThrow(/warmStartFade .* got NaN/);
    expect(() => new TPESampler({ warmStartFade: '2' as never })).toThrow(/warmStartFade .* got "2"/);
    expect(new TPESampler({ warmStartFade: Infinity }).warmStartFade).toBe(Infinity);
    const view = makeStudyView([]);
    expect(new TPESampler().warmStartFadeFor(view)).toBe(2);
    expect(new TPESampler({ multivariate: false }).warmStartFadeFor(view)).toBe(Infinity);
    expect(new TPESampler({ multivariate: false, warmStartFade: 5 }).warmStartFadeFor(view)).toBe(5);
  });

  it('is selectable by name with every option listed', () => {
    const entry = SAMPLERS.find((e) => e.kind === 'tpe');
    expect(entry).toBeDefined();
    expect(entry?.optionKeys).toEqual(expect.arrayContaining(['seed', 'multivariate', 'gamma', 'nStartupTrials', 'nEiCandidates', 'constantLiar']));
    const sampler = createSampler('tpe', { multivariate: false, nStartupTrials: 5 }, { seed: 7 });
    expect(sampler).toBeInstanceOf(TPESampler);
    expect((sampler as TPESampler).seed).toBe(7);
    expect((sampler as TPESampler).multivariate).toBe(false);
  });
});

describe('TPESampler startup', () => {
  it('samples exactly like the random sampler before nStartupTrials finished trials', () => {
    const trials = quadraticHistory(5, (i) => [halton(i, 2), halton(i, 3)]);
    const view = makeStudyView(trials);
    const tpe = new TPESampler({ seed: 3, nStartupTrials: 10 });
    const random = new RandomSampler({ seed: 3 });
    const current = makeTrial({ number: 5 });
    expect(tpe.sampleRelative(view, current, tpe.inferRelativeSpace(view, current))).toEqual({});
    expect(tpe.sampleIndependent(view, current, 'x', X)).toBe(random.sampleIndependent(view, current, 'x', X));
  });
});

describe('TPESampler determinism', () => {
  const trials = quadraticHistory(30, (i) => [halton(i, 2), halton(i, 3)]);

  for (const multivariate of [true, false]) {
    it(`gives the same parameters for the same seed, history and trial (multivariate=${multivariate})`, () => {
      const current = makeTrial({ number: 30 });
      const a = askParams(new TPESampler({ seed: 11, multivariate }), makeStudyView([...trials]), current, { x: X, y: Y });
      const b = askParams(new TPESampler({ seed: 11, multivariate }), makeStudyView([...trials]), current, { x: X, y: Y });
      const c = askParams(new TPESampler({ seed: 12, multivariate }), makeStudyView([...trials]), current, { x: X, y: Y });
      expect(a).toEqual(b);
      expect(c).not.toEqual(a);
    });
  }

  it('depends on the trial number, not on the order workers ask in', () => {
    const sampler = new TPESampler({ seed: 5 });
    const view = makeStudyView([...trials]);
    const first = askParams(sampler, view, makeTrial({ number: 31 }), { x: X, y: Y });
    askParams(sampler, view, makeTrial({ number: 30 }), { x: X, y: Y });
    expect(askParams(new TPESampler({ seed: 5 }), makeStudyView([...trials]), makeTrial({ number: 31 }), { x: X, y: Y })).toEqual(first);
  });
});

const arbitraryDistribution: fc.Arbitrary<Distribution> = fc.oneof(
  fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 1e-3, max: 100, noNaN: true })).map(([low, w]) => floatDistribution(low, low + w)),
  fc.tuple(fc.double({ min: 1e-6, max: 10, noNaN: true }), fc.double({ min: 1.01, max: 1e4, noNaN: true })).map(([low, f]) => floatDistribution(low, low * f, { log: true })),
  fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(0.05, 0.1, 0.25, 1, 3)).map(([low, k, step]) => floatDistribution(low, low + k * step, { step })),
  fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 4 })).map(([low, k, step]) => intDistribution(low, low + k * step, { step })),
  fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5000 })).map(([low, k]) => intDistribution(low, low + k, { log: true })),
  fc.integer({ min: 2, max: 6 }).map((k) => categoricalDistribution(Array.from({ length: k }, (_, i) => `c${i}`))),
  // Numeric choice lists in any order: ordinal, modelled on the grid of their ranks.
  fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 6 }).map((choices) => categoricalDistribution(choices)),
);

describe('TPESampler values', () => {
  it('always lie inside their distributions (random spaces, random histories, both modes)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryDistribution, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 25 }),
        fc.boolean(),
        (dists, seed, n, multivariate) => {
          const space = Object.fromEntries(dists.map((d, i) => [`p${i}`, d]));
          const random = new RandomSampler({ seed });
          const trials: FrozenTrial[] = [];
          for (let t = 0; t < n; t++) {
            const stub = makeTrial({ number: t });
            const params: Record<string, { value: ReturnType<typeof toExternal>; distribution: Distribution }> = {};
            let value = 0;
            for (const [name, dist] of Object.entries(space)) {
              // Some trials miss some parameters, as conditional ones do.
              if ((t + name.length) % 5 === 0 && name !== 'p0') continue;
              const internal = random.sampleIndependent(makeStudyView([]), stub, name, dist);
              params[name] = { value: toExternal(dist, internal), distribution: dist };
              value += Math.sin(internal * 1.7 + t);
            }
            const state = t % 7 === 6 ? 'RUNNING' : t % 9 === 8 ? 'PRUNED' : 'COMPLETE';
            trials.push(makeTrial({ number: t, state, ...(state === 'COMPLETE' ? { value } : {}), params, intermediate: state === 'PRUNED' ? { 1: value } : {} }));
          }
          const sampler = new TPESampler({ seed, multivariate, nStartupTrials: 3, nEiCandidates: 8 });
          const got = askParams(sampler, makeStudyView(trials), makeTrial({ number: n }), space);
          for (const [name, dist] of Object.entries(space)) expect(contains(dist, got[name] as number), `${name}=${got[name]} in ${JSON.stringify(dist)}`).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('concentrates near the optimum of a smooth function (better than random search)', async () => {
    const regrets: number[] = [];
    const randomRegrets: number[] = [];
    for (let seed = 0; seed < 4; seed++) {
      for (const [sampler, into] of [
        [new TPESampler({ seed }), regrets],
        [new RandomSampler({ seed }), randomRegrets],
      ] as const) {
        const study = await createStudy({ sampler });
        await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1.2) ** 2 + (t.suggestFloat('y', 1e-4, 1, { log: true }) - 0.01) ** 2, { nTrials: 60 });
        into.push(study.bestValue as number);
      }
    }
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(regrets)).toBeLessThan(mean(randomRegrets) / 3);
  });

  it('maximizes when the study does', () => {
    const trials = quadraticHistory(40, (i) => [halton(i, 2), halton(i, 3)]).map((t) => ({ ...t, values: [-(t.values?.[0] as number)] }));
    const view = makeStudyView(trials, 'maximize');
    const picks = Array.from({ length: 10 }, (_, k) => askParams(new TPESampler({ seed: k }), view, makeTrial({ number: 40 }), { x: X, y: Y }));
    const meanDistance = picks.reduce((s, p) => s + Math.hypot((p['x'] as number) - 0.3, (p['y'] as number) - 0.7), 0) / picks.length;
    expect(meanDistance).toBeLessThan(0.2);
  });
});

describe('TPESampler with conditional parameters', () => {
  it('decomposes the space into groups of parameters that occur together', () => {
    const groups = new SearchSpaceGroups();
    const opt = categoricalDistribution(['adamw', 'sgd']);
    const lr = floatDistribution(1e-5, 1, { log: true });
    const momentum = floatDistribution(0.8, 0.99);
    groups.update([
      makeTrial({ number: 0, value: 1, params: { optimizer: { value: 'sgd', distribution: opt }, lr: { value: 0.1, distribution: lr }, momentum: { value: 0.9, distribution: momentum } } }),
      makeTrial({ number: 1, value: 1, params: { optimizer: { value: 'adamw', distribution: opt }, lr: { value: 0.001, distribution: lr } } }),
      makeTrial({ number: 2, params: { optimizer: { value: 'adamw', distribution: opt } } }),
    ]);
    expect(groups.current().map((g) => Object.keys(g).sort())).toEqual([['lr', 'optimizer'], ['momentum']]);
  });

  it('samples a conditional parameter only when its condition holds, from the trials that have it', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 1, nStartupTrials: 5 }) });
    const seenMomentum: number[] = [];
    await study.optimize(
      (t) => {
        const optimizer = t.suggestCategorical('optimizer', ['adamw', 'sgd']);
        const lr = t.suggestFloat('lr', 1e-4, 1, { log: true });
        let loss = (Math.log10(lr) + 2) ** 2;
        if (optimizer === 'sgd') {
          const m = t.suggestFloat('momentum', 0.8, 0.99);
          seenMomentum.push(m);
          loss += 100 * (m - 0.95) ** 2 - 2;
        }
        return loss;
      },
      { nTrials: 60 },
    );
    for (const trial of study.trials) expect('momentum' in trial.params).toBe(trial.params['optimizer'] === 'sgd');
    // SGD is better here, so TPE should learn to pick it and to tune momentum towards 0.95.
    const late = study.trials.slice(30);
    expect(late.filter((t) => t.params['optimizer'] === 'sgd').length).toBeGreaterThan(late.length / 2);
    const lateMomentum = seenMomentum.slice(-10);
    expect(lateMomentum.reduce((s, m) => s + Math.abs(m - 0.95), 0) / lateMomentum.length).toBeLessThan(0.025); // uniform sampling: 0.063
  });
});

describe('TPESampler constant liar', () => {
  /** Eight workers ask one after another while the earlier ones are still running. */
  function concurrentAsks(constantLiar: boolean, seed: number): [number, number][] {
    const trials = quadraticHistory(40, (i) => [halton(i, 2), halton(i, 3)]);
    const sampler = new TPESampler({ seed, constantLiar });
    const view = makeStudyView(trials);
    const points: [number, number][] = [];
    for (let k = 0; k < 8; k++) {
      const number = 40 + k;
      const params = askParams(sampler, view, makeTrial({ number }), { x: X, y: Y });
      points.push([params['x'] as number, params['y'] as number]);
      trials.push(makeTrial({ number, params: { x: { value: params['x'] as number, distribution: X }, y: { value: params['y'] as number, distribution: Y } } }));
    }
    return points;
  }

  function meanNearestNeighbour(points: [number, number][]): number {
    return (
      points.reduce((sum, [x, y], i) => sum + Math.min(...points.filter((_, j) => j !== i).map(([u, v]) => Math.hypot(x - u, y - v))), 0) / points.length
    );
  }

  it('spreads 8 concurrent asks apart instead of piling them onto the incumbent', () => {
    let withLiar = 0;
    let without = 0;
    for (let seed = 0; seed < 5; seed++) {
      withLiar += meanNearestNeighbour(concurrentAsks(true, seed)) / 5;
      without += meanNearestNeighbour(concurrentAsks(false, seed)) / 5;
    }
    expect(withLiar).toBeGreaterThan(2 * without);
    expect(withLiar).toBeGreaterThan(0.1);
  });

  it('ignores the asking trial itself', () => {
    const trials = quadraticHistory(20, (i) => [halton(i, 2), halton(i, 3)]);
    const current = makeTrial({ number: 20, params: { x: { value: 0.5, distribution: X } } });
    const history = rankHistory([...trials, current], 'minimize', current, true);
    expect(history.trials).toHaveLength(20);
    expect(history.nFinished).toBe(20);
  });
});

describe('TPE history ranking', () => {
  it('ranks complete trials first, then pruned ones by depth, then running ones; skips failed', () => {
    const trials = [
      makeTrial({ number: 0, state: 'PRUNED', intermediate: { 0: 0.1 } }),
      makeTrial({ number: 1, value: 5 }),
      makeTrial({ number: 2, state: 'PRUNED', intermediate: { 0: 0.3, 3: 0.9 } }),
      makeTrial({ number: 3, state: 'FAIL' }),
      makeTrial({ number: 4, value: 2 }),
      makeTrial({ number: 5, state: 'RUNNING' }),
      makeTrial({ number: 6, state: 'PRUNED' }),
    ];
    const ranked = rankHistory(trials, 'minimize', makeTrial({ number: 7 }), true);
    expect(ranked.trials.map((t) => t.number)).toEqual([4, 1, 2, 0, 6, 5]);
    expect(ranked.nFinished).toBe(5);
    expect(rankHistory(trials, 'maximize', makeTrial({ number: 7 }), false).trials.map((t) => t.number)).toEqual([1, 4, 2, 0, 6]);
  });

  it('merges a warm start\'s old and new trials by quantile among the feasible COMPLETE ones only: PRUNED and infeasible trials stay after them', () => {
    // Old trials carry negative ids (the warm-start seam); 8 feasible old, then 1 feasible new, 2 infeasible new, 1 pruned new.
    const old = Array.from({ length: 8 }, (_, i) => ({ ...makeTrial({ number: -8 + i, value: i }), id: -(i + 1) }));
    const fresh = [
      makeTrial({ number: 8, value: 50 }),
      makeTrial({ number: 9, value: -1, systemAttrs: { 'constraints:mem': 2 } }),
      makeTrial({ number: 10, value: -2, systemAttrs: { 'constraints:mem': 1 } }),
      makeTrial({ number: 11, state: 'PRUNED', intermediate: [[3, -5]] }),
    ];
    const current = makeTrial({ number: 12 });
    const numbers = rankHistory([...old, ...fresh, current], 'minimize', current, false).trials.map((t) => t.number);
    // The one feasible new trial sits at quantile ½ among the 8 old; the pruned one next, the infeasible ones last (less violation first).
    expect(numbers).toEqual([-8, -7, -6, -5, 8, -4, -3, -2, -1, 11, 10, 9]);
    const incremental = new RankedTrials('minimize');
    expect(incremental.rank([...old, ...fresh, current], current, false).trials.map((t) => t.number)).toEqual(numbers);
  });

  it('tells the sampler which trials are the earlier study\'s (numbered first) and how many finished ones are the study\'s own', () => {
    // As the seam numbers them: 5 old trials 0…4 (negative ids), then the study's own from 5.
    const old = Array.from({ length: 5 }, (_, i) => ({ ...makeTrial({ number: i, value: i }), id: -(i + 1) }));
    const fresh = [makeTrial({ number: 5, value: 3 }), makeTrial({ number: 6, state: 'PRUNED', intermediate: [[1, 2]] }), makeTrial({ number: 7, state: 'RUNNING' })];
    const current = makeTrial({ number: 8 });
    expect(rankHistory([...old, ...fresh, current], 'minimize', current, true).warm).toEqual({ oldBelow: 5, fresh: 2 });
    expect(new RankedTrials('minimize').rank([...old, ...fresh, current], current, true).warm).toEqual({ oldBelow: 5, fresh: 2 });
    // A cold study's history says nothing of a warm start.
    expect(rankHistory([...fresh, current], 'minimize', current, true).warm).toBeUndefined();
    expect(new RankedTrials('minimize').rank([...fresh, current], current, true).warm).toBeUndefined();
  });
});

describe('TPE parameter columns', () => {
  it('order two subsets of trials by value without sorting, running trials included', () => {
    const dist = floatDistribution(0, 1);
    const values = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4];
    const trials = values.map((v, i) => makeTrial({ number: i, ...(i === 6 ? {} : { value: i }), params: { x: { value: v, distribution: dist } } }));
    const columns = new ParamColumns();
    columns.update(trials);
    const rows = [1, 2, 4, 6, 7]; // trial 6 is running
    const numbers = Int32Array.from(rows);
    const rowValues = Float64Array.from(rows.map((n) => values[n] as number));
    const [low, high] = columns.ordersOf('x', numbers, rowValues, 2, rows.length, 7, new WorkArrays());
    expect([...low].map((r) => rows[r])).toEqual([1, 2]);
    expect([...high].map((r) => rows[2 + r])).toEqual([7, 4, 6]);
  });
});

describe('TPE finished prefix', () => {
  it('resumes after the leading finished trials, and starts over on a list that does not begin with them', () => {
    const trials = [makeTrial({ number: 0, value: 1 }), makeTrial({ number: 1, state: 'FAIL' }), makeTrial({ number: 2 }), makeTrial({ number: 3, value: 2 })];
    const prefix = new FinishedPrefix();
    expect(prefix.start(trials)).toBe(0);
    prefix.advance(trials);
    expect(prefix.start(trials)).toBe(2);
    expect(prefix.start([makeTrial({ number: 0, value: 1 }), { ...makeTrial({ number: 9, value: 1 }), id: 99 }])).toBe(0);
  });
});

describe('TPE incremental ranking', () => {
  it('ranks exactly like a full re-rank as trials start and finish over time', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('COMPLETE', 'PRUNED', 'RUNNING', 'FAIL'), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }), (specs) => {
        const trials = specs.map(([state, value, step], i) =>
          makeTrial({ number: i, state: state as 'COMPLETE', ...(state === 'COMPLETE' ? { value } : {}), ...(state === 'PRUNED' && step > 0 ? { intermediate: { [step]: value } } : {}) }),
        );
        const incremental = new RankedTrials('maximize');
        const current = makeTrial({ number: trials.length });
        // Snapshots of the study as it grows, its three newest trials still running.
        const asRunning = (t: FrozenTrial): FrozenTrial => ({ ...t, state: 'RUNNING', values: null, intermediateValues: new Map() });
        for (let cut = 0; cut <= trials.length; cut += 7) incremental.rank(trials.slice(0, cut).map((t, i) => (i >= cut - 3 ? asRunning(t) : t)), current, true);
        const a = incremental.rank(trials, current, true);
        const b = rankHistory(trials, 'maximize', current, true);
        expect(a.trials.map((t) => t.number)).toEqual(b.trials.map((t) => t.number));
        expect([...a.numbers]).toEqual(a.trials.map((t) => t.number));
        expect(a.nFinished).toBe(b.nFinished);
      }),
    );
  });
  it('ranks the trials of an earlier study (negative ids) and those of the study each among themselves, merged by quantile', () => {
    // Old values 0..3 all beat the new 10 and 11: by value the new trials would rank last.
    const old = [3, 0, 2, 1].map((value, number) => ({ ...makeTrial({ number, value }), id: -1 - number }));
    const fresh = [11, 10].map((value, i) => makeTrial({ number: 4 + i, value }));
    const current = makeTrial({ number: 6 });
    // Old at 1/8, 3/8, 5/8, 7/8; new at 1/4, 3/4.
    const expected = [1, 5, 3, 2, 4, 0];
    expect(rankHistory([...old, ...fresh], 'minimize', current, false).trials.map((t) => t.number)).toEqual(expected);
    const incremental = new RankedTrials('minimize');
    incremental.rank([...old, fresh[0]!], current, false);
    const ranked = incremental.rank([...old, ...fresh], current, false);
    expect(ranked.trials.map((t) => t.number)).toEqual(expected);
    expect([...ranked.numbers]).toEqual(expected);
    // Before any new trial finishes, the old study's own order.
    expect(rankHistory(old, 'minimize', current, false).trials.map((t) => t.number)).toEqual([1, 3, 2, 0]);
  });

  it('with the trials of an earlier study, ranks incrementally exactly like a full re-rank', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.constantFrom('COMPLETE', 'PRUNED', 'RUNNING'), fc.integer({ min: 0, max: 9 })), { maxLength: 20 }), (oldValues, specs) => {
        const old = oldValues.map((value, number) => ({ ...makeTrial({ number, value }), id: -1 - number }));
        const own = specs.map(([state, value], i) => makeTrial({ number: old.length + i, state: state as 'COMPLETE', ...(state === 'COMPLETE' ? { value } : {}), ...(state === 'PRUNED' ? { intermediate: { 1: value } } : {}) }));
        const trials = [...old, ...own];
        const current = makeTrial({ number: trials.length });
        const incremental = new RankedTrials('minimize');
        for (let cut = old.length; cut <= trials.length; cut += 5) incremental.rank(trials.slice(0, cut), current, true);
        const a = incremental.rank(trials, current, true);
        const b = rankHistory(trials, 'minimize', current, true);
        expect(a.trials.map((t) => t.number)).toEqual(b.trials.map((t) => t.number));
        expect([...a.numbers]).toEqual(a.trials.map((t) => t.number));
      }),
    );
  });

  it('ranks a paused trial that was resumed and completed by its new state, not its paused one', () => {
    const paused = (n: number, at: number): FrozenTrial => makeTrial({ number: n, state: 'PRUNED', intermediate: { 1: at }, systemAttrs: { [PAUSED_ATTR]: true } });
    const done = [makeTrial({ number: 0, value: 5 }), makeTrial({ number: 1, value: 4 })];
    const incremental = new RankedTrials('maximize');
    const current = makeTrial({ number: 9 });
    const before = incremental.rank([...done, paused(2, 1), paused(3, 2)], current, false);
    expect(before.trials.map((t) => t.number)).toEqual([0, 1, 3, 2]);
    // Trial 2 is promoted (RUNNING, not paused) and completes best; trial 3 stays paused.
    const resumed: FrozenTrial = { ...paused(2, 1), state: 'RUNNING', systemAttrs: { [PAUSED_ATTR]: false } };
    const running = incremental.rank([...done, resumed, paused(3, 2)], current, true);
    expect(running.trials.map((t) => t.number)).toEqual([0, 1, 3, 2]);
    expect(running.nFinished).toBe(3);
    const completed = [...done, { ...makeTrial({ number: 2, value: 9 }), systemAttrs: { [PAUSED_ATTR]: false } }, paused(3, 2)];
    const a = incremental.rank(completed, current, false);
    const b = rankHistory(completed, 'maximize', current, false);
    expect(a.trials.map((t) => t.number)).toEqual([2, 0, 1, 3]);
    expect(a.trials.map((t) => t.number)).toEqual(b.trials.map((t) => t.number));
    expect([...a.numbers]).toEqual([2, 0, 1, 3]);
    expect(a.trials[0]?.state).toBe('COMPLETE');
  });
});
