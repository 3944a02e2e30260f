import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurveRankPruner } from '../../src/pruners/index.js';
import { retracesKnownRun } from '../../src/pruners/retrace.js';
import { floatDistribution, intDistribution } from '../../src/space/distributions.js';
import { PAUSED_ATTR } from '../../src/storage/metadata.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const EPOCHS = 20;
const steps = Array.from({ length: EPOCHS }, (_, i) => i + 1);
/** A curve falling exponentially from 2 to `end`, ahead of others early when `pace` is large. */
const curve = (end: number, pace: number) => (s: number): number => end + (2 - end) * Math.exp(-pace * s);

/** Every trial of these tests has the same knobs (a repeat), unless a test gives its own. */
const knobs = { knob: { value: 0.5, distribution: floatDistribution(0, 1) } };

function complete(number: number, f: (s: number) => number): FrozenTrial {
  return makeTrial({ params: knobs, number, value: f(EPOCHS), intermediate: steps.map((s) => [s, f(s)] as const) });
}

function running(number: number, f: (s: number) => number, upTo: number): FrozenTrial {
  return makeTrial({ params: knobs, number, intermediate: steps.slice(0, upTo).map((s) => [s, f(s)] as const) });
}

const history = [complete(0, curve(0.3, 0.2)), complete(1, curve(0.5, 0.4)), complete(2, curve(0.7, 0.3)), complete(3, curve(0.9, 0.5)), complete(4, curve(1.1, 0.1)), complete(5, curve(0.4, 0.15))];
const asks = (pruner: CurveRankPruner, trial: FrozenTrial, direction: 'minimize' | 'maximize' = 'minimize'): boolean => pruner.prune(makeStudyView([...history, trial], direction), trial);
const asksWith = (finished: FrozenTrial[], trial: FrozenTrial): boolean => new CurveRankPruner().prune(makeStudyView([...finished, trial]), trial);

describe('the retrace rule (CurveRankPruner retraceTolerance)', () => {
  const pruner = new CurveRankPruner();

  it('stops a trial that repeats a finished run from 10% of the horizon and 3 reports, long before the level rule may judge', () => {
    const repeat = (upTo: number) => running(6, curve(0.9, 0.5), upTo);
    expect(asks(pruner, repeat(2))).toBe(false); // two reports: too few to match
    expect(asks(pruner, repeat(3))).toBe(true);
    // The level rule alone waits for 25% of the horizon (step 5) and its patience.
    expect(asks(new CurveRankPruner({ retraceTolerance: 0 }), repeat(3))).toBe(false);
  });

  it('stops a repeat of the best finisher too: it would tie at most', () => {
    expect(asks(pruner, running(6, curve(0.3, 0.2), 4))).toBe(true);
  });

  it('keeps a trial that only resembles a finished run (farther than the tolerance)', () => {
    // 0.01 from trial 3 at every step: the finishers' inter-quartile spread at step 4 is ~0.18, 0.005 of it ~0.0009.
    expect(asks(pruner, running(6, (s) => curve(0.9, 0.5)(s) + 0.01, 4))).toBe(false);
    expect(asks(new CurveRankPruner({ retraceTolerance: 0.1 }), running(6, (s) => curve(0.9, 0.5)(s) + 0.01, 4))).toBe(true);
  });

  it('mirrors for maximize and reads other curves by interpolation when steps differ', () => {
    const flipped = history.map((t) => makeTrial({ params: knobs, number: t.number, value: -(t.values?.[0] as number), intermediate: [...t.intermediateValues].map(([s, v]) => [s, -v] as const) }));
    const repeat = running(6, (s) => -curve(0.7, 0.3)(s), 4);
    expect(new CurveRankPruner().prune(makeStudyView([...flipped, repeat], 'maximize'), repeat)).toBe(true);
    // A finished trial that reported every other step is still retraced where its line runs through the curve.
    const line = (st: number): number => 1.2 - 0.1 * st;
    const sparse = makeTrial({ params: knobs, number: 7, value: line(EPOCHS), intermediate: steps.filter((st) => st % 2 === 0).map((st) => [st, line(st)] as const) });
    expect(retracesKnownRun(running(8, line, 5), [...history, sparse], 5, 0.005)).toBe(false); // step 1 lies before its first report
    expect(retracesKnownRun(makeTrial({ params: knobs, number: 8, intermediate: [[2, line(2)], [3, line(3)], [4, line(4)]] }), [...history, sparse], 4, 0.005)).toBe(true);
  });

  it('takes a start for the end only with the same knobs or once two finished runs with it ended alike', () => {
    const withKnobs = (number: number, unfreeze: number, f: (st: number) => number, upTo?: number): FrozenTrial =>
      makeTrial({ number, ...(upTo === undefined ? { value: f(EPOCHS) } : {}), params: { unfreeze: { value: unfreeze, distribution: intDistribution(0, 10) } }, intermediate: steps.slice(0, upTo ?? EPOCHS).map((st) => [st, f(st)] as const) });
    const base = history.filter((t) => t.number !== 3).map((t) => makeTrial({ number: t.number, value: t.values?.[0] as number, params: { unfreeze: { value: 0, distribution: intDistribution(0, 10) } }, intermediate: [...t.intermediateValues] }));
    // A knob that acts late (the epoch a frozen backbone is released): the same start, another end.
    const early = withKnobs(6, 5, curve(0.9, 0.5));
    expect(asksWith([...base, early], withKnobs(7, 10, curve(0.9, 0.5), 4))).toBe(false);
    expect(asksWith([...base, early], withKnobs(7, 5, curve(0.9, 0.5), 4))).toBe(true); // the same knobs again
    // Two finished runs with other knobs that started alike ended alike: the third is taken for a repeat.
    expect(asksWith([...base, early, withKnobs(7, 6, curve(0.9, 0.5))], withKnobs(8, 10, curve(0.9, 0.5), 4))).toBe(true);
    // Two runs with the same knobs are one piece of evidence, not two.
    expect(asksWith([...base, early, withKnobs(7, 5, curve(0.9, 0.5))], withKnobs(8, 10, curve(0.9, 0.5), 4))).toBe(false);
    // Integers are the same knob only when equal (the release epoch 4 is not 5).
    expect(asksWith([...base, early], withKnobs(7, 4, curve(0.9, 0.5), 4))).toBe(false);
  });

  it('does not take a start every run shares for a fingerprint', () => {
    // Two finishers that started alike for 3 epochs and then went apart: the start tells nothing.
    const shared = (end: number) => (st: number): number => (st <= 3 ? 1.6 - 0.2 * st : end + (1 - end) * Math.exp(-(st - 3) / 3));
    const apart = [...history.slice(0, 4), complete(4, shared(0.9)), complete(5, shared(0.2))];
    const alike = running(6, shared(0.5), 3);
    expect(asksWith(apart, alike)).toBe(false);
    expect(asksWith([...history.slice(0, 5), complete(5, shared(0.2))], alike)).toBe(true);
    // A flat start (accuracy at chance, a loss the warmup has not moved yet) is no fingerprint either.
    const chance = (st: number): number => (st <= 3 ? 0.1 : 0.1 + 0.1 * st);
    expect(retracesKnownRun(running(6, chance, 3), [...history, complete(6, chance)], 3, 0.005)).toBe(false);
  });

  it('keeps its own warmup whatever the level rule is told, and leaves the level rule its interval grid', () => {
    const repeat = running(6, curve(0.9, 0.5), 3);
    expect(asks(new CurveRankPruner({ nWarmupSteps: 15 }), repeat)).toBe(true);
    // Far behind every good finisher from step 5: with intervalSteps 4 the level rule looks at steps 5, 9, 13….
    const behind = (upTo: number) => running(6, (st) => 3 + 0 * st, upTo);
    const interval = new CurveRankPruner({ patience: 1, intervalSteps: 4, keepImproving: false });
    expect(asks(interval, behind(5))).toBe(true);
    expect(asks(interval, behind(6))).toBe(false);
  });

  it('needs a spread among the finishers and finite values', () => {
    const infinite = [...history, makeTrial({ params: knobs, number: 6, value: Infinity, intermediate: steps.map((st) => [st, Infinity] as const) }), makeTrial({ number: 7, value: Infinity, intermediate: steps.map((st) => [st, Infinity] as const) })];
    expect(retracesKnownRun(running(8, (st) => 1000 + st, 4), infinite, 4, 0.005)).toBe(false);
    const same = [0, 1, 2, 3, 4].map((n) => complete(n, curve(0.5, 0.3)));
    expect(retracesKnownRun(running(5, curve(0.5, 0.3), 4), same, 4, 0.005)).toBe(false);
    expect(retracesKnownRun(running(6, (s) => (s === 2 ? NaN : curve(0.9, 0.5)(s)), 4), history, 4, 0.005)).toBe(false);
    expect(() => new CurveRankPruner({ retraceTolerance: -1 })).toThrow('retraceTolerance must be at least 0, got -1');
  });

  it('stops a trial that retraces runs the pruner stopped further along, before it spends their epochs', () => {
    const behind = curve(1.4, 0.3);
    const stopped = (number: number, upTo: number, params = knobs): FrozenTrial => makeTrial({ params, number, state: 'PRUNED', intermediate: steps.slice(0, upTo).map((st) => [st, behind(st)] as const) });
    const replay = running(9, behind, 3);
    // Stopped at step 8, the same knobs: its replay is stopped at step 3.
    expect(asksWith([...history, stopped(6, 8)], replay)).toBe(true);
    expect(asksWith(history, replay)).toBe(false);
    // A run stopped no further than the replay has got tells nothing about what lies beyond.
    expect(asksWith([...history, stopped(6, 3)], replay)).toBe(false);
    // Other knobs: one stopped run is no evidence (a knob that acts later), two with different knobs are.
    const other = (value: number) => ({ knob: { value, distribution: floatDistribution(0, 1) } });
    expect(asksWith([...history, stopped(6, 8, other(0.9))], replay)).toBe(false);
    expect(asksWith([...history, stopped(6, 8, other(0.9)), stopped(7, 10, other(0.1))], replay)).toBe(true);
    // Off with the rest of the retrace rule.
    expect(new CurveRankPruner({ retraceTolerance: 0 }).prune(makeStudyView([...history, stopped(6, 8), replay]), replay)).toBe(false);
  });

  it('takes as evidence only runs the level rule, asked now, would still stop where they were stopped', () => {
    // Ahead of every finisher when it was stopped (by the objective itself, say, or another pruner): no evidence.
    const ahead = curve(0.1, 0.6);
    const stoppedAhead = makeTrial({ params: knobs, number: 6, state: 'PRUNED', intermediate: steps.slice(0, 8).map((st) => [st, ahead(st)] as const) });
    expect(asksWith([...history, stoppedAhead], running(9, ahead, 3))).toBe(false);
    // Paused runs may yet resume (so may a resumed run whose worker died): no evidence either.
    const behind = curve(1.4, 0.3);
    const upTo8 = steps.slice(0, 8).map((st) => [st, behind(st)] as const);
    const paused = makeTrial({ params: knobs, number: 6, state: 'PRUNED', intermediate: upTo8, systemAttrs: { [PAUSED_ATTR]: true } });
    expect(asksWith([...history, paused], running(9, behind, 3))).toBe(false);
    expect(asksWith([...history, { ...paused, systemAttrs: {} }], running(9, behind, 3))).toBe(true);
    const self = makeTrial({ params: knobs, number: 7, state: 'PRUNED', intermediate: upTo8 });
    expect(retracesKnownRun(self, history, 5, 0.005, { runs: () => [self], stillStopped: () => true })).toBe(false);
  });

  it('lets a finished run with the same start rule over stopped ones: it says where that start can end', () => {
    // Two stopped runs and a finished one share the start; the finished one went on to end best.
    const start = (st: number): number => 1.8 - 0.1 * st;
    const stopped = (number: number, value: number): FrozenTrial =>
      makeTrial({ number, state: 'PRUNED', params: { knob: { value, distribution: floatDistribution(0, 1) } }, intermediate: steps.slice(0, 8).map((st) => [st, st <= 4 ? start(st) : 1.5] as const) });
    const bloomer = (st: number): number => (st <= 4 ? start(st) : 1.4 * Math.exp(-(st - 4) / 2));
    const finished = makeTrial({ number: 8, value: bloomer(EPOCHS), params: { knob: { value: 0.3, distribution: floatDistribution(0, 1) } }, intermediate: steps.map((st) => [st, bloomer(st)] as const) });
    const trial = makeTrial({ number: 9, params: { knob: { value: 0.7, distribution: floatDistribution(0, 1) } }, intermediate: steps.slice(0, 3).map((st) => [st, start(st)] as const) });
    expect(asksWith([...history, stopped(6, 0.9), stopped(7, 0.1)], trial)).toBe(true);
    expect(asksWith([...history, stopped(6, 0.9), stopped(7, 0.1), finished], { ...trial, number: 10 })).toBe(false);
  });

  it('stops a repeat of a finished curve that moves, and nothing unlike every finished curve before the level rule judges', () => {
    const shape = fc.record({ end: fc.double({ min: 0.1, max: 1.5, noNaN: true }), pace: fc.double({ min: 0.2, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(shape, { minLength: 5, maxLength: 8 }), fc.nat(), fc.integer({ min: 3, max: 4 }), fc.boolean(), (shapes, pick, upTo, copy) => {
        const done = shapes.map(({ end, pace }, number) => complete(number, curve(end, pace)));
        const source = done[pick % done.length] as FrozenTrial;
        // Another finisher within reach of the copy at every step would make the start ambiguous.
        fc.pre(!copy || done.every((t) => t === source || steps.slice(0, upTo).some((st) => Math.abs((t.intermediateValues.get(st) as number) - (source.intermediateValues.get(st) as number)) > 0.05)));
        // A copy of a finished curve, or one at least 3 away from every finished value (they lie in [0.1, 2]).
        const values = steps.slice(0, upTo).map((st) => (copy ? (source.intermediateValues.get(st) as number) : 5 + st));
        const trial = makeTrial({ params: knobs, number: done.length, intermediate: values.map((v, i) => [i + 1, v] as const) });
        expect(new CurveRankPruner().prune(makeStudyView([...done, trial]), trial)).toBe(copy);
      }),
      { numRuns: 200 },
    );
  });

  it('stops a replay of runs stopped further along that the level rule still stops, and nothing unlike every run', () => {
    const shape = fc.record({ end: fc.double({ min: 0.1, max: 1.5, noNaN: true }), pace: fc.double({ min: 0.2, max: 1, noNaN: true }) });
    // Losses rising from 2 towards 3–4: behind every finisher (which stay at or below 2) and not closing in.
    const rising = fc.record({ end: fc.double({ min: 3, max: 4, noNaN: true }), pace: fc.double({ min: 0.2, max: 1, noNaN: true }), stoppedAt: fc.integer({ min: 8, max: 12 }) });
    fc.assert(
      fc.property(fc.array(shape, { minLength: 5, maxLength: 8 }), fc.array(rising, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 3, max: 4 }), fc.boolean(), (shapes, stops, pick, upTo, copy) => {
        const done = shapes.map(({ end, pace }, number) => complete(number, curve(end, pace)));
        const stopped = stops.map(({ end, pace, stoppedAt }, i) => makeTrial({ params: knobs, number: done.length + i, state: 'PRUNED', intermediate: steps.slice(0, stoppedAt).map((st) => [st, curve(end, pace)(st)] as const) }));
        const source = stopped[pick % stopped.length] as FrozenTrial;
        const values = steps.slice(0, upTo).map((st) => (copy ? (source.intermediateValues.get(st) as number) : 5 + st));
        const trial = makeTrial({ params: knobs, number: done.length + stopped.length, intermediate: values.map((v, i) => [i + 1, v] as const) });
        expect(new CurveRankPruner().prune(makeStudyView([...done, ...stopped, trial]), trial)).toBe(copy);
      }),
      { numRuns: 200 },
    );
  });
});
