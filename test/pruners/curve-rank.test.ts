import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurveRankPruner } from '../../src/pruners/index.js';
import { bestSoFar, envelope } from '../../src/pruners/curve-rank.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const steps = Array.from({ length: 20 }, (_, i) => i + 1);
const fast = (s: number): number => 0.6 + 1.7 * (1 + 2 * s) ** -2; // plateaus at 0.6 by step 3
const slow = (s: number): number => 0.3 + 2 * (1 + 0.15 * s) ** -2; // worse until step ~9, ends at 0.45

function complete(number: number, f: (s: number) => number, length = 20): FrozenTrial {
  return makeTrial({ number, value: f(length), intermediate: steps.slice(0, length).map((s) => [s, f(s)] as const) });
}

function running(number: number, f: (s: number) => number, upTo: number): FrozenTrial {
  return makeTrial({ number, intermediate: steps.slice(0, upTo).map((s) => [s, f(s)] as const) });
}

const asks = (pruner: CurveRankPruner, history: FrozenTrial[], trial: FrozenTrial, direction: 'minimize' | 'maximize' = 'minimize'): boolean =>
  pruner.prune(makeStudyView([...history, trial], direction), trial);

describe('CurveRankPruner', () => {
  // Good finishers: two slow starters; the rest fast starters that plateau worse.
  const history = [complete(0, slow), complete(1, (s) => slow(s) + 0.02), complete(2, (s) => slow(s) + 0.03), complete(3, fast), complete(4, (s) => fast(s) + 0.05), complete(5, (s) => fast(s) + 0.1)];
  const pruner = new CurveRankPruner({ percentile: 50, minGoodTrials: 2, patience: 3 });

  it('keeps a slow starter behind every fast starter when the good finishers were as slow at that point', () => {
    const starter = running(6, (s) => slow(s) - 0.01, 6);
    expect(starter.intermediateValues.get(6)).toBeGreaterThan(fast(6) + 0.1); // behind every fast starter now
    expect(asks(new CurveRankPruner({ minGoodTrials: 2, patience: 1 }), history, starter)).toBe(false);
    // Where the good finishers were the fast starters, the level rule alone prunes the same curve;
    // it is still dropping fast enough to end below them (it would, at 0.42), so by default it runs on.
    const fastWon = [complete(0, fast), complete(1, (s) => fast(s) + 0.01), complete(2, (s) => fast(s) + 0.02), complete(3, (s) => slow(s) + 0.3), complete(4, (s) => slow(s) + 0.4)];
    expect(asks(new CurveRankPruner({ minGoodTrials: 2, patience: 1, keepImproving: false }), fastWon, starter)).toBe(true);
    expect(asks(new CurveRankPruner({ minGoodTrials: 2, patience: 1 }), fastWon, starter)).toBe(false);
  });
  it('keeps a trial behind the envelope while its recent pace could still carry it to the good finishers (keepImproving)', () => {
    // An SGD-like run leaving its plateau: far behind at step 8, but dropping 0.25 a step.
    const descending = running(6, (s) => (s <= 5 ? 2.3 : 2.3 - 0.25 * (s - 5)), 8);
    expect(asks(pruner, history, descending)).toBe(false);
    expect(asks(new CurveRankPruner({ percentile: 50, minGoodTrials: 2, patience: 3, keepImproving: false }), history, descending)).toBe(true);
    // Flattened behind them: its pace would not get it there by the horizon.
    expect(asks(pruner, history, running(6, (s) => 1.5 - 0.01 * s, 8))).toBe(true);
    expect(() => new CurveRankPruner({ keepImproving: 'yes' as unknown as boolean })).toThrow('keepImproving must be true or false, got "yes"');
  });
  it('prunes a curve behind every good finisher at each of its last `patience` reports', () => {
    expect(asks(pruner, history, running(6, (s) => fast(s) + 0.3, 8))).toBe(true);
  });
  it('keeps a curve behind for fewer than `patience` reports (one bad epoch of a noisy metric)', () => {
    const good = (s: number): number => slow(s) - 0.01;
    const twoBad = running(6, (s) => (s >= 7 ? 5 : good(s)), 8);
    expect(asks(pruner, history, twoBad)).toBe(false);
    // Best-so-far: spikes after a good value do not count as behind while it keeps up.
    const spikes = makeTrial({ number: 6, intermediate: steps.slice(0, 8).map((s) => [s, s % 2 === 0 ? 9 : good(s + 1)] as const) });
    expect(asks(pruner, history, spikes)).toBe(false);
  });
  it('waits for the warmup share of the horizon before judging', () => {
    const hopeless = (s: number): number => 3 + s * 0;
    expect(asks(new CurveRankPruner({ minGoodTrials: 2, patience: 1, warmupFraction: 0.25 }), history, running(6, hopeless, 4))).toBe(false);
    expect(asks(new CurveRankPruner({ minGoodTrials: 2, patience: 1, warmupFraction: 0.25 }), history, running(6, hopeless, 5))).toBe(true);
  });
  it('prunes NaN at once and waits for nStartupTrials COMPLETE trials and minGoodTrials good ones', () => {
    const nan = makeTrial({ number: 0, intermediate: { 1: NaN } });
    expect(new CurveRankPruner().prune(makeStudyView([nan]), nan)).toBe(true);
    const bad = running(6, () => 9, 10);
    expect(asks(new CurveRankPruner({ nStartupTrials: 7 }), history, bad)).toBe(false);
    expect(asks(new CurveRankPruner({ percentile: 0, minGoodTrials: 2 }), history, bad)).toBe(false);
    expect(asks(new CurveRankPruner({ percentile: 0, minGoodTrials: 1 }), history, bad)).toBe(true);
  });
  it('never prunes at or past the horizon', () => {
    expect(asks(pruner, history, running(6, () => 9, 20))).toBe(false);
  });
  it('mirrors for maximize', () => {
    const neg = (f: (s: number) => number) => (s: number) => -f(s);
    const mirrored = history.map((t, i) => complete(i, neg((s) => t.intermediateValues.get(s) as number)));
    expect(asks(pruner, mirrored, running(6, neg((s) => fast(s) + 0.3), 8), 'maximize')).toBe(true);
    expect(asks(pruner, mirrored, running(6, neg((s) => slow(s) - 0.01), 8), 'maximize')).toBe(false);
  });
  it('reads each good trial at the same fraction of its own run', () => {
    // A good trial that ran 10 steps is read at step 5 for the midpoint of a 20-step horizon.
    const short = complete(0, (s) => 1 / s, 10);
    const long = complete(1, (s) => 2 / s, 20);
    expect(envelope([short, long], 0.5, 1)).toBeCloseTo(Math.max(1 / 5, 2 / 10), 12);
    expect(bestSoFar(long, 3.5, 1)).toBeCloseTo(2 / 3, 12);
  });
  it('refuses bad options by name', () => {
    expect(() => new CurveRankPruner({ warmupFraction: 1.5 })).toThrow('warmupFraction must be within [0, 1], got 1.5');
    expect(() => new CurveRankPruner({ patience: 0 })).toThrow('patience must be at least 1, got 0');
    expect(() => new CurveRankPruner({ minDelta: -1 })).toThrow('minDelta must be at least 0, got -1');
    expect(() => new CurveRankPruner({ extrapolate: true } as never)).toThrow('CurveRankPruner has no option "extrapolate"');
  });
  it('by its level rule, never prunes a trial at least as good as the best COMPLETE trial at every step so far', () => {
    const curve = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(curve, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 11 }), fc.double({ min: 0, max: 100, noNaN: true }), (finished, upTo, percentile) => {
        const done = finished.map((c, number) => makeTrial({ number, value: c[11] as number, intermediate: c.map((v, i) => [i + 1, v] as const) }));
        const bestFinal = done.reduce((b, t) => ((t.values?.[0] as number) < (b.values?.[0] as number) ? t : b));
        const follower = makeTrial({ number: done.length, intermediate: steps.slice(0, upTo).map((s) => [s, bestFinal.intermediateValues.get(s) as number] as const) });
        // The retrace rule stops a follower of the best on purpose (it would tie at most): see retrace.test.ts.
        const p = new CurveRankPruner({ nStartupTrials: 1, minGoodTrials: 1, patience: 1, warmupFraction: 0, percentile, retraceTolerance: 0 });
        expect(p.prune(makeStudyView([...done, follower]), follower)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
