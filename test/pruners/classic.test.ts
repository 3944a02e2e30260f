import { describe, expect, it } from 'vitest';
import {
  HyperbandPruner,
  MedianPruner,
  NopPruner,
  PatientPruner,
  PercentilePruner,
  SuccessiveHalvingPruner,
  ThresholdPruner,
} from '../../src/pruners/index.js';
import { crc32Of, nanPercentile, valueAtStep } from '../../src/pruners/intermediate.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

/** Three COMPLETE trials with values 1, 2, 3 at steps 0..2 (and a fourth step for one). */
function completedAt(values: readonly number[], steps = [0, 1, 2]): FrozenTrial[] {
  return values.map((v, number) => makeTrial({ number, value: v, intermediate: steps.map((s) => [s, v] as const) }));
}

function running(number: number, intermediate: Record<number, number>): FrozenTrial {
  return makeTrial({ number, intermediate });
}

describe('nanPercentile', () => {
  it('interpolates linearly as NumPy does and drops NaN', () => {
    expect(nanPercentile([1, 2, 3, 4], 25)).toBe(1.75);
    expect(nanPercentile([3, 1, NaN, 2], 50)).toBe(2);
    expect(nanPercentile([0.1, 0.2, 0.7], 10)).toBe(0.12000000000000001);
    expect(nanPercentile([NaN], 50)).toBeNaN();
  });
});

describe('MedianPruner', () => {
  const opts = { nStartupTrials: 3 };
  it('prunes a trial whose best value is worse than the median of COMPLETE trials at its step', () => {
    const trials = [...completedAt([1, 2, 3]), running(3, { 0: 2.5, 1: 2.5 })];
    expect(new MedianPruner(opts).prune(makeStudyView(trials), trials[3] as FrozenTrial)).toBe(true);
  });
  it('keeps a trial equal to the median', () => {
    const trials = [...completedAt([1, 2, 3]), running(3, { 0: 2, 1: 2 })];
    expect(new MedianPruner(opts).prune(makeStudyView(trials), trials[3] as FrozenTrial)).toBe(false);
  });
  it('uses the best value so far, not the last one', () => {
    const trials = [...completedAt([1, 2, 3]), running(3, { 0: 0.5, 1: 9 })];
    expect(new MedianPruner(opts).prune(makeStudyView(trials), trials[3] as FrozenTrial)).toBe(false);
  });
  it('flips for maximize: prunes below the median, best = max', () => {
    const trials = [...completedAt([1, 2, 3]), running(3, { 0: 1.5, 1: 1.5 })];
    expect(new MedianPruner(opts).prune(makeStudyView(trials, 'maximize'), trials[3] as FrozenTrial)).toBe(true);
    const better = [...completedAt([1, 2, 3]), running(3, { 0: 1, 1: 2.5 })];
    expect(new MedianPruner(opts).prune(makeStudyView(better, 'maximize'), better[3] as FrozenTrial)).toBe(false);
  });
  it('waits for nStartupTrials COMPLETE trials, nWarmupSteps and nMinTrials', () => {
    const trials = [...completedAt([1, 2, 3]), running(3, { 0: 9, 1: 9 })];
    const view = makeStudyView(trials);
    const t = trials[3] as FrozenTrial;
    expect(new MedianPruner({ nStartupTrials: 4 }).prune(view, t)).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 2 }).prune(view, t)).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 3, nMinTrials: 4 }).prune(view, t)).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 3 }).prune(view, t)).toBe(true);
  });
  it('checks once per interval after the warmup (Optuna’s interval rule)', () => {
    const trials = [...completedAt([1, 2, 3], [0, 1, 2, 3, 4])];
    const pruner = new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 1, intervalSteps: 2 });
    const at = (steps: number[]): boolean => {
      const t = running(3, Object.fromEntries(steps.map((s) => [s, 9])));
      return pruner.prune(makeStudyView([...trials, t]), t);
    };
    expect(at([0, 1])).toBe(true); // step 1 = warmup + 0·2
    expect(at([0, 1, 2])).toBe(false); // within the interval
    expect(at([0, 1, 2, 3])).toBe(true);
    expect(at([0, 2, 4])).toBe(true); // step 3 skipped: the first report after it is checked
  });
  it('prunes a trial whose values are all NaN', () => {
    const trials = [...completedAt([1, 2, 3]), running(3, { 0: NaN })];
    expect(new MedianPruner(opts).prune(makeStudyView(trials), trials[3] as FrozenTrial)).toBe(true);
  });
  it('ignores PRUNED and RUNNING trials', () => {
    const trials = [
      ...completedAt([1, 2, 3]),
      makeTrial({ number: 3, state: 'PRUNED', intermediate: { 0: 100, 1: 100 } }),
      makeTrial({ number: 4, intermediate: { 0: 100, 1: 100 } }),
      running(5, { 0: 2.5, 1: 2.5 }),
    ];
    expect(new MedianPruner(opts).prune(makeStudyView(trials), trials[5] as FrozenTrial)).toBe(true);
  });
});

describe('unaligned steps', () => {
  // COMPLETE trials report every 2 steps, the running one every 3.
  const every2 = [0.9, 0.6, 0.3].map((slope, number) =>
    makeTrial({ number, value: 1 - slope, intermediate: [2, 4, 6].map((s) => [s, 1 - (slope * s) / 6] as const) }),
  );
  it('reads the other trials at the trial’s step by linear interpolation', () => {
    const t = every2[1] as FrozenTrial;
    expect(valueAtStep(t, 3)).toBeCloseTo(1 - (0.6 * 3) / 6, 12);
    expect(valueAtStep(t, 3, 'exact')).toBeUndefined();
    expect(valueAtStep(t, 7)).toBeUndefined();
    expect(valueAtStep(t, 1)).toBeUndefined();
  });
  it('compares a trial reporting every 3 steps with trials reporting every 2', () => {
    // At step 3 the others stand at 0.55, 0.70, 0.85: median 0.70.
    const worse = running(3, { 3: 0.75 });
    const better = running(3, { 3: 0.65 });
    const pruner = new MedianPruner({ nStartupTrials: 3 });
    expect(pruner.prune(makeStudyView([...every2, worse]), worse)).toBe(true);
    expect(pruner.prune(makeStudyView([...every2, better]), better)).toBe(false);
    // Optuna's exact matching finds no trial at step 3 and never prunes.
    expect(new MedianPruner({ nStartupTrials: 3, stepAlignment: 'exact' }).prune(makeStudyView([...every2, worse]), worse)).toBe(false);
  });
});

describe('PercentilePruner', () => {
  it('keeps the top percentile: 25th of 1, 2, 3, 4 is 1.75', () => {
    const trials = [...completedAt([1, 2, 3, 4]), running(4, { 0: 1.8 })];
    expect(new PercentilePruner({ percentile: 25, nStartupTrials: 4 }).prune(makeStudyView(trials), trials[4] as FrozenTrial)).toBe(true);
    const kept = [...completedAt([1, 2, 3, 4]), running(4, { 0: 1.75 })];
    expect(new PercentilePruner({ percentile: 25, nStartupTrials: 4 }).prune(makeStudyView(kept), kept[4] as FrozenTrial)).toBe(false);
  });
});

describe('SuccessiveHalvingPruner', () => {
  it('records the rung value in the trial’s system attributes and promotes the top 1/η', () => {
    const others = [0.1, 0.2, 0.3].map((v, number) => makeTrial({ number, state: 'PRUNED', intermediate: { 1: v }, systemAttrs: { completed_rung_0: v } }));
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    // 4 competitors, η = 2: the top 2 (≤ 0.2) are promoted.
    const good = running(3, { 0: 0.5, 1: 0.2 });
    const view = makeStudyView([...others, good]);
    expect(pruner.prune(view, good)).toBe(false);
    expect(view.trials[3]?.systemAttrs['completed_rung_0']).toBe(0.2);
    const bad = running(3, { 0: 0.5, 1: 0.25 });
    const badView = makeStudyView([...others, bad]);
    expect(pruner.prune(badView, bad)).toBe(true);
    expect(badView.trials[3]?.systemAttrs['completed_rung_0']).toBe(0.25);
  });
  it('does nothing before the rung step and reads completed rungs from the stored trial', () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2 });
    const early = running(0, { 0: 9, 1: 9 });
    expect(pruner.prune(makeStudyView([early]), early)).toBe(false);
    // Rung 0 (step 2) was completed and stored; at step 3 rung 1 (step 4) is not reached yet.
    const asked = running(0, { 2: 0.5, 3: 0.4 });
    const stored = makeTrial({ number: 0, intermediate: { 2: 0.5, 3: 0.4 }, systemAttrs: { completed_rung_0: 0.5 } });
    const view = makeStudyView([stored]);
    expect(pruner.prune(view, asked)).toBe(false);
    expect(view.trials[0]?.systemAttrs['completed_rung_0']).toBe(0.5);
  });
  it("infers minResource ('auto') from the first COMPLETE trial: a hundredth of its last step, at least 1", () => {
    const trial = running(1, { 0: 1 });
    expect(new SuccessiveHalvingPruner().prune(makeStudyView([trial]), trial)).toBe(false);
    const long = makeTrial({ number: 0, value: 1, intermediate: { 0: 1, 450: 1 } });
    const t = running(1, { 3: 2 });
    // minResource = 4: step 3 is before the first rung.
    expect(new SuccessiveHalvingPruner().prune(makeStudyView([long, t]), t)).toBe(false);
  });
  it("ranks a trial that passes several rungs at one report by its value at each rung's step, not its later value", () => {
    // Trial 1 was running when trial 0 completed and made minResource ('auto') known: at its
    // step-8 report it passes rung 0 (step 1) and rung 1 (step 4) at once.
    const first = makeTrial({ number: 0, value: 0.2, intermediate: { 1: 1.2, 4: 0.45, 8: 0.2 } });
    const late = running(1, { 1: 1.1, 2: 0.7, 4: 0.35, 8: 0.15 });
    const view = makeStudyView([first, late]);
    const pruner = new SuccessiveHalvingPruner({ reductionFactor: 4 });
    expect(pruner.prune(view, late)).toBe(false);
    expect(view.trials[1]?.systemAttrs['completed_rung_0']).toBe(1.1);
    expect(view.trials[1]?.systemAttrs['completed_rung_1']).toBe(0.35);
    // A new trial at step 1 competes with 1.1 there (not with 0.15, which no step-1 value beats).
    const next = running(2, { 1: 1.0 });
    expect(pruner.prune(makeStudyView([first, view.trials[1] as FrozenTrial, next]), next)).toBe(false);
  });
  it('prunes at once a trial whose value is NaN now, though its values at the rungs it passed were finite', () => {
    const first = makeTrial({ number: 0, value: 0.2, intermediate: { 1: 1.2, 4: 0.45, 8: 0.2 } });
    const diverged = running(1, { 1: 1.1, 4: 0.35, 8: NaN });
    expect(new SuccessiveHalvingPruner({ reductionFactor: 4 }).prune(makeStudyView([first, diverged]), diverged)).toBe(true);
  });
  it('stores ±Infinity as strings, which JSON keeps', () => {
    const t = running(0, { 1: Infinity });
    const view = makeStudyView([t]);
    new SuccessiveHalvingPruner({ minResource: 1 }).prune(view, t);
    expect(view.trials[0]?.systemAttrs['completed_rung_0']).toBe('Infinity');
  });
});

describe('HyperbandPruner', () => {
  it('hashes study name and trial number with CRC-32 as Python’s binascii does', () => {
    expect(crc32Of('abc')).toBe(891568578);
    expect(crc32Of('my-study_7')).toBe(4011579518);
  });
  it('assigns a bracket only once the maximum resource is known, and records it', () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    const t = running(5, { 0: 1 });
    const view = makeStudyView([t], 'minimize', 'my-study');
    expect(pruner.prune(view, t)).toBe(false);
    // 4 brackets with budgets ceil(4·3^s/(s+1)) = 27, 12, 6, 4 for s = 3..0.
    const bracket = pruner.bracketOf(view, 5);
    const n = crc32Of('my-study_5') % 49;
    expect(bracket).toBe(n < 27 ? 0 : n < 39 ? 1 : n < 45 ? 2 : 3);
    expect(view.trials[0]?.systemAttrs['hyperband:bracket']).toBe(bracket);
    expect(new HyperbandPruner().bracketOf(view, 5)).toBeUndefined();
  });
});

describe('ThresholdPruner', () => {
  const pruner = new ThresholdPruner({ lower: 0, upper: 1 });
  const at = (v: number): boolean => pruner.prune(makeStudyView([]), running(0, { 0: 0.5, 1: v }));
  it('prunes outside [lower, upper] and on NaN, keeps the bounds themselves', () => {
    expect(at(1.1)).toBe(true);
    expect(at(-0.1)).toBe(true);
    expect(at(NaN)).toBe(true);
    expect(at(1)).toBe(false);
    expect(at(0)).toBe(false);
  });
});

describe('PatientPruner', () => {
  it('asks the wrapped pruner only after `patience` reports without improvement', () => {
    const always = { prune: () => true };
    const pruner = new PatientPruner({ patience: 2, wrapped: always });
    const view = makeStudyView([]);
    expect(pruner.prune(view, running(0, { 0: 1, 1: 0.9, 2: 0.95, 3: 0.95 }))).toBe(false); // 0.9 is in the last 3
    expect(pruner.prune(view, running(0, { 0: 1, 1: 0.9, 2: 0.95, 3: 0.95, 4: 0.95 }))).toBe(true);
    expect(new PatientPruner({ patience: 2, wrapped: new NopPruner() }).prune(view, running(0, { 0: 1, 1: 0.9, 2: 0.95, 3: 0.95, 4: 0.95 }))).toBe(false);
  });
  it('counts the trial as stalled only when its recent best is worse than its earlier best by more than minDelta', () => {
    const pruner = new PatientPruner({ patience: 1, minDelta: 0.1 });
    expect(pruner.prune(makeStudyView([]), running(0, { 0: 1, 1: 1.15, 2: 1.2 }))).toBe(true);
    expect(pruner.prune(makeStudyView([]), running(0, { 0: 1, 1: 1.05, 2: 1.2 }))).toBe(false);
  });
});
