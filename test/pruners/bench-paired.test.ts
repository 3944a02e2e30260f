import { describe, expect, it } from 'vitest';
import { bestWithin, pair, signTestP } from '../bench/curves/paired.js';

describe("the pruner bench's paired comparison", () => {
  it('gives the two-sided sign test of a fair coin', () => {
    expect(signTestP(0, 10)).toBeCloseTo(2 / 1024, 12);
    expect(signTestP(8, 2)).toBeCloseTo((2 * (1 + 10 + 45)) / 1024, 12);
    expect(signTestP(3, 3)).toBe(1);
    expect(signTestP(0, 0)).toBe(1);
  });
  it("cuts the reference at the pruned study's epochs", () => {
    const reference = { epochs: [10, 10, 10], finals: [0.5, 0.3, 0.1] };
    expect(bestWithin(reference, 'minimize', 20)).toBe(0.3);
    expect(bestWithin(reference, 'minimize', 19)).toBe(0.5);
    expect(bestWithin(reference, 'maximize')).toBe(0.5);
  });
  it('counts a win, a tie and a loss at equal epochs', () => {
    const reference = { epochs: [10, 10, 10], finals: [0.5, 0.3, 0.1] };
    expect(pair({ epochs: [10, 2, 8], finals: [0.5, null, 0.2] }, reference, 'minimize', 0, 1).outcome).toBe(1);
    expect(pair({ epochs: [10, 2, 8], finals: [0.5, null, 0.3] }, reference, 'minimize', 0, 1).outcome).toBe(0);
    expect(pair({ epochs: [10, 2, 8], finals: [0.5, null, 0.4] }, reference, 'minimize', 0, 1).outcome).toBe(-1);
  });
  it('tells when a pruned trial would have beaten the best', () => {
    const reference = { epochs: [10], finals: [0.5] };
    expect(pair({ epochs: [10, 2], finals: [0.5, null], wouldBe: [0.5, 0.1] }, reference, 'minimize', 0, 1).prunedBest).toBe(true);
    expect(pair({ epochs: [10, 2], finals: [0.5, null], wouldBe: [0.5, 0.9] }, reference, 'minimize', 0, 1).prunedBest).toBe(false);
    expect(pair({ epochs: [10], finals: [0.5] }, reference, 'minimize', 0, 1).prunedBest).toBeUndefined();
  });
  it("tells a loss the pruner caused (it pruned a trial as good as no-pruning's best at equal epochs) from one the sampler's path did", () => {
    const reference = { epochs: [10, 10, 10], finals: [0.5, 0.3, 0.1] };
    // 20 epochs: no-pruning's best there is 0.3.
    expect(pair({ epochs: [10, 2, 8], finals: [0.5, null, 0.4], wouldBe: [0.5, 0.3, 0.4] }, reference, 'minimize', 0, 1).lostToPruning).toBe(true);
    expect(pair({ epochs: [10, 2, 8], finals: [0.5, null, 0.4], wouldBe: [0.5, 0.35, 0.4] }, reference, 'minimize', 0, 1).lostToPruning).toBe(false);
    expect(pair({ epochs: [10, 2, 8], finals: [0.5, null, 0.2], wouldBe: [0.5, 0.1, 0.2] }, reference, 'minimize', 0, 1).lostToPruning).toBeUndefined();
  });
});
