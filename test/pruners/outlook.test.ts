import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutlookPruner, createPruner } from '../../src/pruners/index.js';
import { bestSoFarAt } from '../../src/pruners/outlook.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const steps = Array.from({ length: 20 }, (_, i) => i + 1);

function complete(number: number, f: (s: number) => number, length = 20): FrozenTrial {
  return makeTrial({ number, value: f(length), intermediate: steps.slice(0, length).map((s) => [s, f(s)] as const) });
}

function running(number: number, f: (s: number) => number, upTo: number): FrozenTrial {
  return makeTrial({ number, intermediate: steps.slice(0, upTo).map((s) => [s, f(s)] as const) });
}

const asks = (pruner: OutlookPruner, history: FrozenTrial[], trial: FrozenTrial, direction: 'minimize' | 'maximize' = 'minimize'): boolean =>
  pruner.prune(makeStudyView([...history, trial], direction), trial);

// Twelve finishers: trial i sits 0.1·i above the others at every step (parallel), or is
// 0.1·i behind for the first half and 0.1·i ahead at the end (crossing: laggards end best).
const parallel = Array.from({ length: 12 }, (_, i) => complete(i, (s) => 1 + 0.1 * i + 1 / s));
const crossing = Array.from({ length: 12 }, (_, i) => complete(i, (s) => (s <= 10 ? 2 + 0.1 * i + 1 / s : 1.5 - 0.1 * i - 0.01 * s)));
const laggard = (history: 'parallel' | 'crossing', upTo: number): FrozenTrial =>
  running(12, history === 'parallel' ? (s) => 1 + 1.05 + 1 / s : (s) => 2 + 1.05 + 1 / s, upTo);
// k = 0 of 5 under Beta(1, 1): P(chance < 0.25) = 1 − 0.75⁶ ≈ 0.82.
const loose = new OutlookPruner({ minChance: 0.25, confidence: 0.8 });

describe('OutlookPruner', () => {
  it('prunes a laggard where every finisher as far behind ended bad (parallel curves)', () => {
    expect(asks(loose, parallel, laggard('parallel', 8))).toBe(true);
  });
  it('keeps the same laggard where trials as far behind ended best (crossing curves)', () => {
    expect(asks(loose, crossing, laggard('crossing', 8))).toBe(false);
  });
  it('needs the posterior to be `confidence` sure', () => {
    // The six bad finishers furthest behind: P(chance < 0.2) = 1 − 0.8⁷ ≈ 0.79 under Beta(1, 1).
    expect(asks(new OutlookPruner(), parallel, laggard('parallel', 8))).toBe(false);
    expect(asks(new OutlookPruner({ confidence: 0.75 }), parallel, laggard('parallel', 8))).toBe(true);
    // 21 bad finishers furthest behind are 1 − 0.9²² ≈ 0.90 sure below 0.1; the 22 furthest behind hold a good one.
    const strict = { minChance: 0.1, confidence: 0.9 };
    const many = Array.from({ length: 42 }, (_, i) => complete(i, (s) => 1 + 0.1 * i + 1 / s));
    expect(asks(new OutlookPruner({ ...strict, minEvidence: 21 }), many, running(42, (s) => 6 + 1 / s, 8))).toBe(true);
    expect(asks(new OutlookPruner({ ...strict, minEvidence: 22 }), many, running(42, (s) => 6 + 1 / s, 8))).toBe(false);
  });
  it('counts a finisher that came back from as far behind: it keeps trials near it', () => {
    // Trial 11 of the parallel study ended best instead: a laggard behind it is pruned, one ahead of it is kept.
    const comeback = [...parallel.slice(0, 11), complete(11, (s) => (s <= 10 ? 1 + 1.1 + 1 / s : 0.5))];
    expect(asks(loose, comeback, running(12, (s) => 1 + 1.15 + 1 / s, 8))).toBe(false);
    expect(asks(loose, comeback, running(12, (s) => 1 + 1.05 + 1 / s, 8))).toBe(false);
    expect(asks(loose, parallel, running(12, (s) => 1 + 1.05 + 1 / s, 8))).toBe(true);
  });
  it('waits for the warmup share of the horizon and for nStartupTrials COMPLETE trials', () => {
    const quarter = new OutlookPruner({ minChance: 0.25, confidence: 0.8, warmupFraction: 0.25 });
    expect(asks(quarter, parallel, laggard('parallel', 4))).toBe(false);
    expect(asks(quarter, parallel, laggard('parallel', 5))).toBe(true);
    expect(asks(new OutlookPruner({ minChance: 0.25, confidence: 0.8, nStartupTrials: 13 }), parallel, laggard('parallel', 8))).toBe(false);
  });
  it('waits for `patience` hopeless reports after the warmup', () => {
    const patient = new OutlookPruner({ minChance: 0.25, confidence: 0.8, patience: 3, warmupFraction: 0.25 });
    expect(asks(patient, parallel, laggard('parallel', 6))).toBe(false); // steps 5 and 6 only
    expect(asks(patient, parallel, laggard('parallel', 7))).toBe(true);
  });
  it('prunes NaN at once and never prunes at or past the horizon', () => {
    const nan = makeTrial({ number: 12, intermediate: { 1: NaN } });
    expect(asks(loose, parallel, nan)).toBe(true);
    expect(asks(loose, parallel, laggard('parallel', 20))).toBe(false);
  });
  it('mirrors for maximize', () => {
    const neg = (t: FrozenTrial, i: number) => complete(i, (s) => -(t.intermediateValues.get(s) as number));
    const negLaggard = (s: number) => -(1 + 1.05 + 1 / s);
    expect(asks(loose, parallel.map(neg), running(12, negLaggard, 8), 'maximize')).toBe(true);
    expect(asks(loose, crossing.map(neg), running(12, (s) => -(2 + 1.05 + 1 / s), 8), 'maximize')).toBe(false);
  });
  it('reads each finisher at the same fraction of its own run, between reported steps linearly', () => {
    const everyOther = makeTrial({ number: 0, value: 1, intermediate: [[2, 3], [4, 2], [6, 1]] });
    expect(bestSoFarAt(everyOther, 3, 1)).toBeCloseTo(2.5, 12);
    expect(bestSoFarAt(everyOther, 4.5, 1)).toBeCloseTo(1.75, 12);
    expect(bestSoFarAt(everyOther, 1, 1)).toBeUndefined();
    // Finishers that ran 10 steps are read at step 5 for the midpoint of a 20-step horizon
    // (set by one long, bad finisher): there a trial at 2.5 is ahead of them all; at their
    // own step 10 (1.8 + 0.1·i) it would be behind all but the five worst.
    const short = Array.from({ length: 12 }, (_, i) => complete(i, (s) => 1 + 0.1 * i + 8 / s, 10));
    const history = [...short, complete(12, () => 9)];
    const pruner = new OutlookPruner({ minChance: 0.3, confidence: 0.8 });
    expect(asks(pruner, history, running(13, () => 2.5, 10))).toBe(false);
    expect(asks(pruner, history, running(13, () => 3.65, 10))).toBe(true);
  });
  it('refuses bad options by name', () => {
    expect(() => new OutlookPruner({ minChance: 0 })).toThrow('minChance must be within (0, 1), got 0');
    expect(() => new OutlookPruner({ confidence: 1.5 })).toThrow('confidence must be within [0, 1], got 1.5');
    expect(() => new OutlookPruner({ minEvidence: 0 })).toThrow('minEvidence must be at least 1, got 0');
    expect(() => new OutlookPruner({ priorStrength: 0 })).toThrow('priorStrength must be greater than 0, got 0');
    expect(() => new OutlookPruner({ warmupFraction: -0.1 })).toThrow('warmupFraction must be within [0, 1], got -0.1');
    expect(() => new OutlookPruner({ patience: 1.5 })).toThrow('patience must be an integer, got 1.5');
    expect(() => createPruner('outlook', { hope: 1 })).toThrow('OutlookPruner has no option "hope"');
  });
});

describe('OutlookPruner properties', () => {
  const LENGTH = 8;
  const curveArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: LENGTH, maxLength: LENGTH });
  const historyArb = fc.array(curveArb, { minLength: 5, maxLength: 30 });
  const optionsArb = fc.record({
    minChance: fc.double({ min: 0.05, max: 0.45, noNaN: true }),
    confidence: fc.double({ min: 0.5, max: 0.95, noNaN: true }),
    minEvidence: fc.integer({ min: 1, max: 6 }),
    patience: fc.integer({ min: 1, max: 2 }),
    warmupFraction: fc.constantFrom(0, 0.25),
    // Down to a good set smaller than minChance, where every tail looks hopeless.
    percentile: fc.constantFrom(5, 10, 50, 80),
  });
  const finishers = (curves: number[][]): FrozenTrial[] =>
    curves.map((c, number) => makeTrial({ number, value: c[LENGTH - 1] as number, intermediate: c.map((v, s) => [s + 1, v] as const) }));
  const upTo = (number: number, c: readonly number[], n: number): FrozenTrial => makeTrial({ number, intermediate: c.slice(0, n).map((v, s) => [s + 1, v] as const) });

  it('never prunes a trial at least as good as every COMPLETE trial at each step', () => {
    fc.assert(
      fc.property(historyArb, optionsArb, fc.integer({ min: 1, max: LENGTH - 1 }), (curves, options, n) => {
        const leader = Array.from({ length: LENGTH }, (_, s) => Math.min(...curves.map((c) => c[s] as number)));
        expect(asks(new OutlookPruner(options), finishers(curves), upTo(curves.length, leader, n))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
  it('prunes a curve worse at every step whenever it prunes a better one (a worse curve never looks more hopeful)', () => {
    fc.assert(
      fc.property(historyArb, optionsArb, curveArb, curveArb, fc.integer({ min: 1, max: LENGTH - 1 }), (curves, options, a, gap, n) => {
        const worse = a.map((v, s) => v + (gap[s] as number));
        const pruner = new OutlookPruner(options);
        const history = finishers(curves);
        if (asks(pruner, history, upTo(curves.length, a, n))) expect(asks(pruner, history, upTo(curves.length, worse, n))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it('prunes a trial whose last report is NaN, and ignores NaN earlier in its curve', () => {
    fc.assert(
      fc.property(historyArb, curveArb, fc.integer({ min: 2, max: LENGTH - 1 }), (curves, c, n) => {
        const history = finishers(curves);
        const nanLast = c.slice(0, n).map((v, s) => [s + 1, s === n - 1 ? NaN : v] as const);
        expect(asks(loose, history, makeTrial({ number: curves.length, intermediate: nanLast }))).toBe(true);
        const nanFirst = c.slice(0, n).map((v, s) => [s + 1, s === 0 ? NaN : v] as const);
        const clean = c.slice(0, n).map((v, s) => [s + 1, s === 0 ? 2 : v] as const); // 2: worse than any value, so never the best so far
        expect(asks(loose, history, makeTrial({ number: curves.length, intermediate: nanFirst }))).toBe(asks(loose, history, makeTrial({ number: curves.length, intermediate: clean })));
      }),
      { numRuns: 200 },
    );
  });
});
