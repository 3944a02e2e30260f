import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intermediateVectorKey } from '../../src/multi-objective/intermediate.js';
import { ParetoPruner } from '../../src/pruners/index.js';
import { projectedGain } from '../../src/pruners/pareto.js';
import { createPruner } from '../../src/pruners/registry.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { createStudy } from '../../src/study/create.js';
import { TrialPruned } from '../../src/study/trial-pruned.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const STEPS = 20;
type Curve = (step: number) => readonly [number, number];

/** A trial that reported both objectives at steps 1..upTo; COMPLETE with its last vector when it ran them all. */
function trialOf(number: number, curve: Curve, upTo = STEPS, systemAttrs: Record<string, number> = {}): FrozenTrial {
  const attrs: Record<string, number[] | number> = { ...systemAttrs };
  const intermediate: [number, number][] = [];
  for (let s = 1; s <= upTo; s++) {
    const v = curve(s);
    attrs[intermediateVectorKey(s)] = [...v];
    intermediate.push([s, v[0]]);
  }
  return makeTrial({ number, intermediate, systemAttrs: attrs, ...(upTo === STEPS ? { values: [...curve(STEPS)] } : {}) });
}

/** Loss that falls from 2 to `end` at speed `k`; latency fixed. */
const curve = (end: number, latency: number, k = 0.5): Curve => (s) => [end + (2 - end) * Math.exp(-k * s), latency];

const history = [trialOf(0, curve(0.3, 10)), trialOf(1, curve(0.5, 5)), trialOf(2, curve(0.8, 2)), trialOf(3, curve(0.4, 8)), trialOf(4, curve(0.6, 4))];
const asks = (pruner: ParetoPruner, trial: FrozenTrial, finished = history): boolean => pruner.prune(makeStudyView([...finished, trial], ['minimize', 'minimize']), trial);

describe('ParetoPruner', () => {
  it('prunes a trial whose outlook the front dominates, for `patience` reports', () => {
    // Slower and worse than trial 0 at every step, with no late drop any finisher made.
    expect(asks(new ParetoPruner(), trialOf(5, curve(0.9, 12), 10))).toBe(true);
  });
  it('keeps a trial ahead on one objective, however bad the other', () => {
    expect(asks(new ParetoPruner(), trialOf(5, curve(1.5, 1), 10))).toBe(false);
  });
  it('keeps a slow starter where finished trials came back as far', () => {
    // Finishers that were far behind at step 8 and still won: a trial as far behind is not hopeless.
    const lateBloomers = [trialOf(0, curve(0.2, 10, 0.08)), trialOf(1, curve(0.25, 9, 0.08)), trialOf(2, curve(0.7, 3)), trialOf(3, curve(0.9, 2)), trialOf(4, curve(0.3, 8, 0.08))];
    const slow = trialOf(5, curve(0.1, 10, 0.08), 8); // ends at 0.48, ahead of every finisher at latency 10
    expect(asks(new ParetoPruner(), slow, lateBloomers)).toBe(false);
    // The same curve among finishers that converged fast is pruned by their evidence alone.
    expect(asks(new ParetoPruner({ keepImproving: false }), slow)).toBe(true);
  });
  it('keeps a trial the front dominates while its own pace could still carry it off the front (keepImproving)', () => {
    // Still falling steeply at step 8 (1.72, 1.37, 1.10 at steps 2, 5, 8): the gain per 3 steps shrinks by √0.79 per
    // window, which projects 0.29 at step 20, latency 10: below trial 0's (0.3, 10), so no finisher dominates it.
    const slow = trialOf(5, curve(0.1, 10, 0.08), 8);
    expect(asks(new ParetoPruner(), slow)).toBe(false);
    expect(asks(new ParetoPruner({ keepImproving: false }), slow)).toBe(true);
    // A shallower descent (1.62 at step 8, projected 1.28) is pruned: its pace cannot reach the front either.
    expect(asks(new ParetoPruner(), trialOf(5, curve(1.2, 10, 0.08), 8))).toBe(true);
    // A pace window that needs more reports than the trial has (two windows of 4 from step 8) reads no pace.
    expect(asks(new ParetoPruner({ paceSteps: 4 }), slow)).toBe(true);
  });
  it('keeps a trial whose own pace, scaled as the finishers\' gains went on, could still reach the front (paceOutlook)', () => {
    // Two fast finishers converged by step 8 (they gained 0.58× their last-window gain after it) and three slow ones that
    // ended mediocre and slower (3.2×): the median ratio is 3.2. The trial gained 0.19 over steps 6–8 (window: a tenth of
    // the horizon, 2), so its outlook is 0.93 − 3.2·0.19 = 0.31 at latency 10, ahead of the best finisher there (0.4);
    // its curve does end at 0.31. The finishers as far behind at step 8 gained only ~0.42 from there: 0.51 alone.
    const finishers = [trialOf(0, curve(0.4, 10)), trialOf(1, curve(0.9, 2)), trialOf(2, curve(0.6, 12, 0.1)), trialOf(3, curve(0.7, 11, 0.1)), trialOf(4, curve(0.65, 13, 0.1))];
    const steep = trialOf(5, curve(0.05, 10, 0.1), 8);
    expect(asks(new ParetoPruner({ keepImproving: false }), steep, finishers)).toBe(false);
    expect(asks(new ParetoPruner({ keepImproving: false, paceOutlook: false }), steep, finishers)).toBe(true);
    // Read over a window of 4 steps the ratios are smaller but so is the trial's gain to scale: the outlook stays the same side.
    expect(asks(new ParetoPruner({ keepImproving: false, paceWindow: 4 }), steep, finishers)).toBe(false);
    // The lowest ratio (0.58, a fast finisher's) is too little to carry it.
    expect(asks(new ParetoPruner({ keepImproving: false, paceQuantile: 0 }), steep, finishers)).toBe(true);
  });
  it('counts a finisher\'s window gain as at least 1% of all it gained, so a plateau does not make every outlook hopeful', () => {
    // Three finishers sat on a plateau (2e-7 gained over steps 6–8) and dropped 0.5 later: read raw, their ratios are
    // 2.5e6, and a nearly flat trial (0.002 over the window) would get an outlook thousands below zero. Floored at 1% of
    // their whole gain (0.5), the ratio is 100 and the outlook 1.19 − 0.2: still dominated by trial 0's (0.3, 10).
    const plateau = (latency: number): Curve => (s) => [s <= 10 ? 1.5 - 1e-7 * s : 1.0, latency];
    const finishers = [trialOf(0, curve(0.3, 10)), trialOf(1, curve(0.9, 2)), trialOf(2, plateau(12)), trialOf(3, plateau(13)), trialOf(4, plateau(14))];
    const flat = trialOf(5, (s) => [1.2 - 0.001 * s, 10], 8);
    expect(asks(new ParetoPruner({ keepImproving: false }), flat, finishers)).toBe(true);
  });
  it('projects what a curve still gains from the shrink of its last two windows', () => {
    // 0.4 then 0.1: the gain per window shrinks by √0.25 = 0.5 each window: 0.05 + 0.025.
    expect(projectedGain(0.4, 0.1, 2)).toBeCloseTo(0.075, 12);
    expect(projectedGain(0.4, 0, 5)).toBe(0);
    expect(projectedGain(0.4, -0.1, 5)).toBe(0);
    expect(projectedGain(0.4, 0.1, 0)).toBe(0);
    // A curve leaving a plateau shrinks by √0.95 per window.
    expect(projectedGain(0, 0.1, 1)).toBeCloseTo(0.1 * Math.sqrt(0.95), 12);
  });
  it('projects a gain that is ≥ 0, at most the straight line, and grows with the last gain and the windows left', () => {
    const gain = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(gain, gain, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 20, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (before, last, more, windows, extra) => {
        const g = projectedGain(before, last, windows);
        expect(g).toBeGreaterThanOrEqual(0);
        expect(g).toBeLessThanOrEqual(Math.max(0, last) * windows + 1e-12);
        expect(projectedGain(before, last, windows + extra)).toBeGreaterThanOrEqual(g - 1e-12);
        if (before > 0 && last > 0) expect(projectedGain(before, last + more, windows)).toBeGreaterThanOrEqual(g - 1e-12);
      }),
      { numRuns: 300 },
    );
  });
  it('waits for the warmup, the startup trials and `patience` reports', () => {
    const hopeless = trialOf(5, () => [3, 20], 4);
    expect(asks(new ParetoPruner({ warmupFraction: 0.25 }), hopeless)).toBe(false); // step 4 < 5
    expect(asks(new ParetoPruner({ warmupFraction: 0.25 }), trialOf(5, () => [3, 20], 5))).toBe(false); // one checked report of 2
    expect(asks(new ParetoPruner({ warmupFraction: 0.25 }), trialOf(5, () => [3, 20], 6))).toBe(true);
    expect(asks(new ParetoPruner({ nStartupTrials: 6 }), trialOf(5, () => [3, 20], 10))).toBe(false);
  });
  it('never prunes on scalar reports in a multi-objective study, and ignores infeasible finishers', () => {
    const scalar = makeTrial({ number: 5, intermediate: Array.from({ length: 10 }, (_, i) => [i + 1, 9] as const) });
    expect(asks(new ParetoPruner(), scalar)).toBe(false);
    const infeasible = history.map((t) => trialOf(t.number, curve(0.3, 1), STEPS, { 'constraints:mem': 1 }));
    expect(asks(new ParetoPruner(), trialOf(5, curve(0.9, 12), 10), [...history.slice(0, 0), ...infeasible])).toBe(false);
  });
  it('a worse curve is never kept where a better one is pruned (monotone in both objectives)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 2, noNaN: true }), fc.integer({ min: 1, max: 15 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 5 }), (end, latency, worse, later) => {
        const pruner = new ParetoPruner({ patience: 1 });
        const better = asks(pruner, trialOf(5, curve(end, latency), 10));
        const worseTrial = asks(pruner, trialOf(5, curve(end + worse, latency + later), 10));
        if (better) expect(worseTrial).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('refuses bad options with their name, and is built by kind', () => {
    expect(() => new ParetoPruner({ gainQuantile: 2 })).toThrow('gainQuantile must be within [0, 1], got 2');
    expect(() => new ParetoPruner({ patience: 0 })).toThrow('patience must be at least 1, got 0');
    expect(() => new ParetoPruner({ paceSteps: 0 })).toThrow('paceSteps must be at least 1, got 0');
    expect(() => new ParetoPruner({ keepImproving: 'yes' as never })).toThrow(/keepImproving/);
    expect(() => new ParetoPruner({ paceQuantile: -0.1 })).toThrow('paceQuantile must be within [0, 1], got -0.1');
    expect(() => new ParetoPruner({ paceWindow: 0 })).toThrow(/paceWindow/);
    expect(() => new ParetoPruner({ paceOutlook: 1 as never })).toThrow(/paceOutlook/);
    expect(createPruner('pareto', { patience: 3 })).toBeInstanceOf(ParetoPruner);
  });
  it('works through the real study API with vector reports', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), pruner: new ParetoPruner({ nStartupTrials: 3, patience: 1 }), directions: ['minimize', 'minimize'] });
    const run = async (c: Curve): Promise<string> => {
      const trial = await study.ask();
      try {
        for (let s = 1; s <= STEPS; s++) await trial.report(s, c(s));
        await study.tell(trial, [...c(STEPS)]);
        return 'complete';
      } catch (error) {
        if (!(error instanceof TrialPruned)) throw error;
        await study.tell(trial, { state: 'pruned' });
        return 'pruned';
      }
    };
    for (const c of [curve(0.3, 10), curve(0.5, 5), curve(0.8, 2)]) expect(await run(c)).toBe('complete');
    expect(await run(curve(1.2, 12))).toBe('pruned');
    expect(await run(curve(0.9, 1))).toBe('complete');
    await study.refresh();
    expect(study.trials[3]?.systemAttrs[intermediateVectorKey(5)]).toEqual([expect.any(Number), 12]);
    const trial = await study.ask();
    await expect(trial.report(1, [1, 2, 3])).rejects.toThrow('report at step 1 got [1,2,3]; the study has 2 objectives: report 2 numbers');
  });
});
