import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WilcoxonPruner, prunerFromSpec } from '../../src/pruners/index.js';
import type { Direction } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** A COMPLETE trial whose folds are `folds` and whose value is their mean. */
function finished(number: number, folds: readonly number[], extra: { value?: number; systemAttrs?: Record<string, number> } = {}) {
  return makeTrial({ number, value: extra.value ?? mean(folds), intermediate: folds.map((v, i) => [i, v] as const), ...(extra.systemAttrs ? { systemAttrs: extra.systemAttrs } : {}) });
}

function running(number: number, folds: readonly (readonly [number, number])[]) {
  return makeTrial({ number, intermediate: folds });
}

const BEST = [0.30, 0.50, 0.40, 0.35, 0.45];

describe('WilcoxonPruner', () => {
  it('prunes a trial worse than the best trial on every shared fold once the p-value allows', () => {
    const view = makeStudyView([finished(0, BEST), finished(1, BEST.map((v) => v + 0.3))]);
    const pruner = new WilcoxonPruner({ pThreshold: 0.1 });
    // 2^-n: 0.25 after 2 folds, 0.125 after 3, 0.0625 after 4 (the first below 0.1).
    const worse = BEST.map((v, i) => [i, v + 0.1] as const);
    expect(pruner.prune(view, running(2, worse.slice(0, 3)))).toBe(false);
    expect(pruner.pValue(view, running(2, worse.slice(0, 3)))).toBe(0.125);
    expect(pruner.prune(view, running(2, worse.slice(0, 4)))).toBe(true);
    expect(new WilcoxonPruner({ pThreshold: 0.3 }).prune(view, running(2, worse.slice(0, 2)))).toBe(true);
  });

  it('compares with the best trial, not with the others', () => {
    const view = makeStudyView([finished(0, BEST.map((v) => v + 1)), finished(1, BEST)]);
    const between = BEST.map((v, i) => [i, v + 0.5] as const);
    expect(new WilcoxonPruner().prune(view, running(2, between))).toBe(true);
  });

  it('pairs folds by index whatever order they came in, leaving out folds the best trial lacks', () => {
    const view = makeStudyView([finished(0, BEST.slice(0, 3))]);
    const pruner = new WilcoxonPruner({ pThreshold: 0.3 });
    // Folds 4 and 2 shared → n = 2, p = 0.25; fold 7 has no partner.
    expect(pruner.pValue(view, running(1, [[7, 9], [2, 0.9], [0, 0.9]]))).toBe(0.25);
    expect(pruner.prune(view, running(1, [[7, 9], [2, 0.9]]))).toBe(false);
  });

  it('waits for nStartupSteps shared folds (and never decides on fewer than 2)', () => {
    const view = makeStudyView([finished(0, BEST)]);
    const worse = BEST.map((v, i) => [i, v + 0.2] as const);
    expect(new WilcoxonPruner({ pThreshold: 1, nStartupSteps: 0 }).prune(view, running(1, worse.slice(0, 1)))).toBe(false);
    expect(new WilcoxonPruner({ pThreshold: 1, nStartupSteps: 0 }).prune(view, running(1, worse.slice(0, 2)))).toBe(true);
    expect(new WilcoxonPruner({ pThreshold: 1, nStartupSteps: 3 }).prune(view, running(1, worse.slice(0, 2)))).toBe(false);
  });

  it('keeps a trial whose mean so far is no worse than the best trial\'s mean, whatever the test says', () => {
    // Worse on 4 of 5 folds, much better on the last: better on average, so kept even at pThreshold 1.
    const view = makeStudyView([finished(0, BEST)]);
    const trial = running(1, [[0, 0.31], [1, 0.51], [2, 0.41], [3, 0.36], [4, 0.0]]);
    expect(new WilcoxonPruner({ pThreshold: 1 }).prune(view, trial)).toBe(false);
  });

  it('keeps trials when there is no best trial, it has no folds, or values are not finite', () => {
    const worse = BEST.map((v, i) => [i, v + 1] as const);
    const pruner = new WilcoxonPruner({ pThreshold: 1 });
    expect(pruner.prune(makeStudyView([]), running(1, worse))).toBe(false);
    expect(pruner.prune(makeStudyView([makeTrial({ number: 0, value: 0.1 })]), running(1, worse))).toBe(false);
    expect(pruner.prune(makeStudyView([finished(0, [...BEST.slice(0, 4), NaN], { value: 0.1 })]), running(1, worse))).toBe(false);
    expect(pruner.prune(makeStudyView([finished(0, BEST)]), running(1, [...worse.slice(0, 4), [4, Infinity]]))).toBe(false);
    expect(pruner.prune(makeStudyView([finished(0, BEST)]), running(1, []))).toBe(false);
  });

  it('ignores an infeasible best trial (the best is the best feasible one, as Study.bestTrial)', () => {
    const infeasible = finished(0, BEST.map((v) => v - 1), { systemAttrs: { 'constraints:mem': 2 } });
    const view = makeStudyView([infeasible, finished(1, BEST.map((v) => v + 0.5))]);
    // Against the feasible best (BEST + 0.5) this trial is better: kept.
    expect(new WilcoxonPruner({ pThreshold: 1 }).prune(view, running(2, BEST.map((v, i) => [i, v] as const)))).toBe(false);
  });

  it('validates its options eagerly and names the bad value', () => {
    expect(() => new WilcoxonPruner({ pThreshold: 1.5 })).toThrow('pThreshold must be within [0, 1], got 1.5');
    expect(() => new WilcoxonPruner({ nStartupSteps: -1 })).toThrow('nStartupSteps must be at least 0, got -1');
    expect(() => new WilcoxonPruner({ nStartupSteps: 1.5 })).toThrow('nStartupSteps must be an integer, got 1.5');
    expect(() => prunerFromSpec({ kind: 'wilcoxon', pthreshold: 0.1 })).toThrow('WilcoxonPruner has no option "pthreshold"; known options: pThreshold, nStartupSteps');
    expect(prunerFromSpec({ kind: 'wilcoxon', pThreshold: 0.2, nStartupSteps: 3 })).toMatchObject({ pThreshold: 0.2, nStartupSteps: 3 });
  });
});

describe('WilcoxonPruner properties', () => {
  const foldsArb = fc.array(fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 });
  const studyArb = fc.record({
    others: fc.array(foldsArb, { minLength: 1, maxLength: 6 }),
    current: foldsArb,
    pThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
    nStartupSteps: fc.integer({ min: 0, max: 4 }),
    direction: fc.constantFrom<Direction>('minimize', 'maximize'),
  });
  const view = (others: readonly (readonly number[])[], direction: Direction) => makeStudyView(others.map((f, i) => finished(i, f)), direction);
  const current = (folds: readonly number[], n: number) => running(n, folds.map((v, i) => [i, v] as const));

  it('never prunes the best trial: a trial no worse than the best on any shared fold is kept', () => {
    fc.assert(
      fc.property(studyArb, fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }), ({ others, pThreshold, nStartupSteps, direction }, gains) => {
        const v = view(others, direction);
        const best = [...others].map((f) => ({ f, m: mean(f) })).sort((a, b) => (direction === 'minimize' ? a.m - b.m : b.m - a.m))[0]!.f;
        const sign = direction === 'minimize' ? -1 : 1;
        const better = best.map((x, i) => x + sign * (gains[i] as number));
        expect(new WilcoxonPruner({ pThreshold: Math.min(pThreshold, 0.5), nStartupSteps }).prune(v, current(better, others.length))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('decides the same when every value is negated and the direction flipped', () => {
    fc.assert(
      fc.property(studyArb, ({ others, current: folds, pThreshold, nStartupSteps, direction }) => {
        const pruner = new WilcoxonPruner({ pThreshold, nStartupSteps });
        const flipped: Direction = direction === 'minimize' ? 'maximize' : 'minimize';
        const a = pruner.pValue(view(others, direction), current(folds, others.length));
        const b = pruner.pValue(view(others.map((f) => f.map((x) => -x)), flipped), current(folds.map((x) => -x), others.length));
        expect(b).toBe(a);
      }),
      { numRuns: 300 },
    );
  });

  it('with pThreshold 0 never prunes', () => {
    fc.assert(
      fc.property(studyArb, ({ others, current: folds, direction }) => {
        const v = view(others, direction);
        expect(new WilcoxonPruner({ pThreshold: 0 }).prune(v, current(folds, others.length))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
