import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurveRankPruner, HyperbandPruner, MedianPruner, SuccessiveHalvingPruner, ThresholdPruner, completedRungKey, createPruner } from '../../src/pruners/index.js';
import { PausingPruner } from '../../src/pruners/pausing.js';
import { promotionCandidate } from '../../src/pruners/promotion.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';
import { PAUSED_ATTR } from '../../src/storage/metadata.js';

const asha = () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });

/** A trial that reached ASHA's rung 0 (step 1) with `value` there: COMPLETE, or paused there. */
function atRung0(number: number, value: number, paused: boolean): FrozenTrial {
  return makeTrial({
    number,
    state: paused ? 'PRUNED' : 'COMPLETE',
    ...(paused ? {} : { value }),
    intermediate: { 0: value + 1, 1: value },
    systemAttrs: { [completedRungKey(0)]: value, ...(paused ? { [PAUSED_ATTR]: true } : {}) },
  });
}

describe('ASHA promotion of a paused trial', () => {
  it('is refused while the trial is outside the top 1/η of its rung', () => {
    const trials = [atRung0(0, 1, false), atRung0(1, 1.5, true), atRung0(2, 3, true)];
    // Three trials at the rung, η = 2: only the best one is promoted.
    expect(asha().shouldResume(makeStudyView(trials), trials[1] as FrozenTrial)).toBe(false);
  });

  it('promotes it once enough trials finished the rung since to put it in the top 1/η', () => {
    const trials = [atRung0(0, 1, false), atRung0(1, 1.5, true), atRung0(2, 3, true), atRung0(3, 4, true)];
    const view = makeStudyView(trials);
    expect(asha().shouldResume(view, trials[1] as FrozenTrial)).toBe(true);
    expect(asha().shouldResume(view, trials[2] as FrozenTrial)).toBe(false);
  });

  it('never promotes a trial stopped for a NaN value', () => {
    const nan = makeTrial({ number: 1, state: 'PRUNED', intermediate: { 0: 1, 1: 0.5, 2: NaN }, systemAttrs: { [completedRungKey(0)]: 0.5, [PAUSED_ATTR]: true } });
    const trials = [atRung0(0, 1, false), nan, atRung0(2, 3, true), atRung0(3, 4, true)];
    expect(asha().shouldResume(makeStudyView(trials), nan)).toBe(false);
  });

  it('writes nothing while deciding', () => {
    const trials = [atRung0(0, 1, false), atRung0(1, 1.5, true), atRung0(2, 3, true), atRung0(3, 4, true)];
    const before = JSON.stringify(trials.map((t) => t.systemAttrs));
    asha().shouldResume(makeStudyView(trials), trials[1] as FrozenTrial);
    expect(JSON.stringify(trials.map((t) => t.systemAttrs))).toBe(before);
  });

  it('with Hyperband, counts only the trials of the paused trial’s own bracket', () => {
    const hyperband = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const trials = Array.from({ length: 40 }, (_, n) => atRung0(n, n === 0 ? 0 : 10 + n, n > 0));
    const view = makeStudyView(trials);
    const promoted = trials.filter((t) => t.state === 'PRUNED' && hyperband.shouldResume(view, t));
    expect(promoted.length).toBeGreaterThan(0);
    // Each bracket is its own ASHA: at most a third (and one) of its trials, never trials of another bracket's top.
    for (const t of promoted) {
      const bracket = hyperband.bracketOf(view, t.number);
      const mates = trials.filter((u) => hyperband.bracketOf(view, u.number) === bracket);
      const better = mates.filter((u) => (u.systemAttrs[completedRungKey(0)] as number) < (t.systemAttrs[completedRungKey(0)] as number)).length;
      expect(better).toBeLessThan(Math.max(1, Math.floor(mates.length / 3)));
    }
  });
});

describe('a rule changing its mind about a paused trial', () => {
  const completed = (values: readonly number[], first = 0) => values.map((v, i) => makeTrial({ number: first + i, value: v, intermediate: { 0: v, 1: v, 2: v } }));
  const paused = (number: number, value: number) => makeTrial({ number, state: 'PRUNED', intermediate: { 0: value, 1: value }, systemAttrs: { [PAUSED_ATTR]: true } });

  it('median: resumes a trial once later COMPLETE trials move the median at its step past it', () => {
    const median = new MedianPruner({ nStartupTrials: 3 });
    const before = [...completed([1, 2, 3]), paused(3, 2.5)];
    expect(median.shouldResume(makeStudyView(before), before[3] as FrozenTrial)).toBe(false);
    // Trials 4 and 5 completed after trial 3 paused: the median at step 1 is now 3.
    const after = [...before, ...completed([4, 5], 4)];
    expect(median.shouldResume(makeStudyView(after), after[3] as FrozenTrial)).toBe(true);
  });

  it('curve-rank: keeps a paused trial paused while the history that stopped it stands', () => {
    const pruner = new CurveRankPruner({ nStartupTrials: 3, minGoodTrials: 1, patience: 1, nWarmupSteps: 0, keepImproving: false, maxResource: 2 });
    const history = [...completed([1, 1.1, 1.2]), paused(3, 5)];
    expect(pruner.prune(makeStudyView(history), { ...(history[3] as FrozenTrial), state: 'RUNNING' })).toBe(true);
    expect(pruner.shouldResume(makeStudyView(history), history[3] as FrozenTrial)).toBe(false);
  });
});

describe('promotionCandidate', () => {
  const pausedAt = (number: number, steps: number, last: number) =>
    makeTrial({ number, state: 'PRUNED', intermediate: Object.fromEntries(Array.from({ length: steps }, (_, s) => [s, s === steps - 1 ? last : 9])), systemAttrs: { [PAUSED_ATTR]: true } });
  const always = new PausingPruner({ prune: () => false, shouldResume: () => true });

  it('resumes the trial furthest along first, then the best at its last step', () => {
    const trials = [pausedAt(0, 2, 0.1), pausedAt(1, 4, 0.9), pausedAt(2, 4, 0.5)];
    expect(promotionCandidate(always, makeStudyView(trials))?.number).toBe(2);
    expect(promotionCandidate(always, makeStudyView(trials, 'maximize'))?.number).toBe(1);
  });

  it('leaves out trials the caller cannot resume, and pruned trials that were not paused', () => {
    const dropped = makeTrial({ number: 0, state: 'PRUNED', intermediate: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 } });
    const trials = [dropped, pausedAt(1, 4, 0.9), pausedAt(2, 4, 0.5)];
    expect(promotionCandidate(always, makeStudyView(trials), (t) => t.number !== 2)?.number).toBe(1);
  });

  it('never resumes a trial that was pruned without being paused, whatever the pruner says', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ paused: fc.boolean(), state: fc.constantFrom('PRUNED', 'COMPLETE', 'FAIL', 'RUNNING') as fc.Arbitrary<FrozenTrial['state']>, last: fc.double({ noNaN: true }) }), { maxLength: 12 }), (specs) => {
        const trials = specs.map((s, number) =>
          makeTrial({ number, state: s.state, ...(s.state === 'COMPLETE' ? { value: s.last } : {}), intermediate: { 0: s.last }, systemAttrs: s.paused ? { [PAUSED_ATTR]: true } : { [PAUSED_ATTR]: false } }),
        );
        const picked = promotionCandidate(always, makeStudyView(trials));
        const spec = picked === undefined ? undefined : specs[picked.number];
        return picked === undefined ? !specs.some((s) => s.paused && s.state === 'PRUNED') : spec?.paused === true && spec.state === 'PRUNED';
      }),
    );
  });
});

describe('pause: in a pruner spec', () => {
  it('wraps a pruner that can promote, deciding what it decides', () => {
    const pruner = createPruner('asha', { minResource: 1, reductionFactor: 2, pause: true });
    expect(pruner.pausesTrials).toBe(true);
    const trials = [atRung0(0, 1, false), atRung0(1, 1.5, true), atRung0(2, 3, true), atRung0(3, 4, true)];
    expect(pruner.shouldResume?.(makeStudyView(trials), trials[1] as FrozenTrial)).toBe(asha().shouldResume(makeStudyView(trials), trials[1] as FrozenTrial));
    expect(createPruner('asha', { pause: false }).pausesTrials).toBeUndefined();
  });

  it('inside patient\'s wrapped pruner pauses too, the wrapped pruner deciding the promotion', () => {
    const pruner = createPruner('patient', { patience: 2, wrapped: { kind: 'asha', minResource: 1, reductionFactor: 2, pause: true } });
    expect(pruner.pausesTrials).toBe(true);
    const trials = [atRung0(0, 1, false), atRung0(1, 1.5, true), atRung0(2, 3, true), atRung0(3, 4, true)];
    const view = makeStudyView(trials);
    expect(pruner.shouldResume?.(view, trials[1] as FrozenTrial)).toBe(true);
    expect(pruner.shouldResume?.(view, trials[2] as FrozenTrial)).toBe(false);
    expect(promotionCandidate(pruner, view)?.number).toBe(1);
    const plain = createPruner('patient', { patience: 2, wrapped: { kind: 'asha' } });
    expect(plain.pausesTrials).toBe(false);
    expect(plain.shouldResume).toBeUndefined();
  });

  it('is refused, naming those that can, for a pruner that cannot resume what it stopped', () => {
    expect('shouldResume' in new ThresholdPruner({ upper: 1 })).toBe(false);
    expect(() => createPruner('threshold', { upper: 1, pause: true })).toThrow(/pruner "threshold" cannot resume a trial it stopped, so it cannot pause one; pause: true works with curve-rank, median, percentile, asha, successive-halving, hyperband/);
  });

  it('must be true or false', () => {
    expect(() => createPruner('median', { pause: 'yes' })).toThrow('pause must be true or false, got "yes"');
  });
});
