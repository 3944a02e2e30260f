import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurveRankPruner } from '../../src/pruners/index.js';
import { retracesFinished } from '../../src/pruners/retrace.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const EPOCHS = 20;
const steps = Array.from({ length: EPOCHS }, (_, i) => i + 1);
/** A cosine-like curve falling from 2 to `end`, ahead of others early when `pace` is large. */
const curve = (end: number, pace: number) => (s: number): number => end + (2 - end) * Math.exp(-pace * s);

function complete(number: number, f: (s: number) => number): FrozenTrial {
  return makeTrial({ number, value: f(EPOCHS), intermediate: steps.map((s) => [s, f(s)] as const) });
}

function running(number: number, f: (s: number) => number, upTo: number): FrozenTrial {
  return makeTrial({ number, intermediate: steps.slice(0, upTo).map((s) => [s, f(s)] as const) });
}

const history = [complete(0, curve(0.3, 0.2)), complete(1, curve(0.5, 0.4)), complete(2, curve(0.7, 0.3)), complete(3, curve(0.9, 0.5)), complete(4, curve(1.1, 0.1)), complete(5, curve(0.4, 0.15))];
const asks = (pruner: CurveRankPruner, trial: FrozenTrial, direction: 'minimize' | 'maximize' = 'minimize'): boolean => pruner.prune(makeStudyView([...history, trial], direction), trial);

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
    const flipped = history.map((t) => makeTrial({ number: t.number, value: -(t.values?.[0] as number), intermediate: [...t.intermediateValues].map(([s, v]) => [s, -v] as const) }));
    const repeat = running(6, (s) => -curve(0.7, 0.3)(s), 4);
    expect(new CurveRankPruner().prune(makeStudyView([...flipped, repeat], 'maximize'), repeat)).toBe(true);
    // A finished trial that reported every other step is still retraced where its line runs close to the curve.
    const sparse = makeTrial({ number: 7, value: 0.2, intermediate: steps.filter((s) => s % 2 === 0).map((s) => [s, 0.2 + s * 0] as const) });
    expect(retracesFinished(running(8, () => 0.2, 5), [...history, sparse], 5, 0.005)).toBe(false); // before its first report at step 2
    expect(retracesFinished(makeTrial({ number: 8, intermediate: [[2, 0.2], [3, 0.2], [4, 0.2]] }), [...history, sparse], 4, 0.005)).toBe(true);
  });

  it('needs a spread among the finishers and finite values', () => {
    const same = [0, 1, 2, 3, 4].map((n) => complete(n, curve(0.5, 0.3)));
    expect(retracesFinished(running(5, curve(0.5, 0.3), 4), same, 4, 0.005)).toBe(false);
    expect(retracesFinished(running(6, (s) => (s === 2 ? NaN : curve(0.9, 0.5)(s)), 4), history, 4, 0.005)).toBe(false);
    expect(() => new CurveRankPruner({ retraceTolerance: -1 })).toThrow('retraceTolerance must be at least 0, got -1');
  });

  it('stops exactly the trials whose curve so far matches a finished one, before the level rule judges', () => {
    const curveArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: EPOCHS, maxLength: EPOCHS });
    fc.assert(
      fc.property(fc.array(curveArb, { minLength: 5, maxLength: 8 }), fc.nat(), fc.integer({ min: 3, max: 4 }), fc.boolean(), (finished, pick, upTo, copy) => {
        const done = finished.map((c, number) => makeTrial({ number, value: c[EPOCHS - 1] as number, intermediate: c.map((v, i) => [i + 1, v] as const) }));
        const source = finished[pick % finished.length] as number[];
        // A copy of a finished curve, or one 2 away from every finished value (the values lie in [0, 1]).
        const values = steps.slice(0, upTo).map((s) => (copy ? (source[s - 1] as number) : 3));
        const trial = makeTrial({ number: done.length, intermediate: values.map((v, i) => [i + 1, v] as const) });
        const atStep = done.map((t) => t.intermediateValues.get(upTo) as number).sort((a, b) => a - b);
        const spread = atStep.length > 0 ? (atStep[Math.floor(0.75 * (atStep.length - 1))] as number) - (atStep[Math.ceil(0.25 * (atStep.length - 1))] as number) : 0;
        const decided = new CurveRankPruner().prune(makeStudyView([...done, trial]), trial);
        if (!copy) expect(decided).toBe(false);
        else if (spread > 0) expect(decided).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
