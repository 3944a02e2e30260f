import { describe, expect, it } from 'vitest';
import { CurveRankPruner } from '../../src/pruners/index.js';
import { fitPowerLaw, predictFinal } from '../../src/pruners/curve-rank.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const steps = Array.from({ length: 20 }, (_, i) => i + 1);
const fast = (s: number): number => 0.6 + 1.7 * (1 + 2 * s) ** -2; // plateaus at 0.6 by step 3
const slow = (s: number): number => 0.3 + 2 * (1 + 0.15 * s) ** -2; // worse until step ~9, ends at 0.45

function complete(number: number, f: (s: number) => number): FrozenTrial {
  return makeTrial({ number, value: f(20), intermediate: steps.map((s) => [s, f(s)] as const) });
}

describe('CurveRankPruner', () => {
  it('fits a + b·x^−c exactly on a power law', () => {
    const xs = [1, 2, 4, 8];
    const fit = fitPowerLaw(xs, xs.map((x) => 0.5 + 2 / x), 1);
    expect(fit?.a).toBeCloseTo(0.5, 12);
    expect(fit?.b).toBeCloseTo(2, 12);
  });
  it('keeps a slow starter that fast starters lead early, when slow starters ended best', () => {
    const history = [complete(0, slow), complete(1, (s) => slow(s) + 0.02), complete(2, fast), complete(3, (s) => fast(s) + 0.05), complete(4, (s) => fast(s) + 0.1)];
    const pruner = new CurveRankPruner({ nStartupTrials: 5 });
    const starter = makeTrial({ number: 5, intermediate: [1, 2, 3, 4].map((s) => [s, slow(s) - 0.01] as const) });
    expect(starter.intermediateValues.get(4)).toBeGreaterThan(fast(4) + 0.1); // behind every fast starter now
    expect(pruner.prune(makeStudyView([...history, starter]), starter)).toBe(false);
    const plateau = makeTrial({ number: 5, intermediate: [1, 2, 3, 4, 5, 6].map((s) => [s, fast(s) + 0.2] as const) });
    expect(pruner.prune(makeStudyView([...history, plateau]), plateau)).toBe(true);
  });
  it('predicts no better than the last value on a flat curve, and better on a falling one', () => {
    const flat = makeTrial({ number: 0, intermediate: steps.slice(0, 8).map((s) => [s, 1] as const) });
    expect(predictFinal(flat, 20, 1)).toBeCloseTo(1, 12);
    const falling = makeTrial({ number: 0, intermediate: steps.slice(0, 8).map((s) => [s, slow(s)] as const) });
    expect(predictFinal(falling, 20, 1) as number).toBeLessThan(slow(8));
  });
  it('prunes NaN at once and waits for nStartupTrials COMPLETE trials', () => {
    const nan = makeTrial({ number: 0, intermediate: { 1: NaN } });
    expect(new CurveRankPruner().prune(makeStudyView([nan]), nan)).toBe(true);
    const bad = makeTrial({ number: 2, intermediate: { 1: 9, 2: 9, 3: 9 } });
    const history = [complete(0, slow), complete(1, fast)];
    expect(new CurveRankPruner({ nStartupTrials: 3 }).prune(makeStudyView([...history, bad]), bad)).toBe(false);
    expect(new CurveRankPruner({ nStartupTrials: 2, minGoodTrials: 1 }).prune(makeStudyView([...history, bad]), bad)).toBe(true);
  });
  it('mirrors for maximize', () => {
    const neg = (f: (s: number) => number) => (s: number) => -f(s);
    const history = [0, 1, 2, 3, 4].map((n) => complete(n, neg((s) => slow(s) + 0.01 * n)));
    const bad = makeTrial({ number: 5, intermediate: [1, 2, 3, 4, 5, 6].map((s) => [s, -(fast(s) + 0.5)] as const) });
    expect(new CurveRankPruner().prune(makeStudyView([...history, bad], 'maximize'), bad)).toBe(true);
  });
});
