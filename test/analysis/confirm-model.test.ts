import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confirmCandidates, rankConfirmations } from '../../src/analysis/confirm.js';
import type { ConfirmGroup } from '../../src/analysis/confirm.js';
import { MIN_MODEL_TRIALS, fitPosteriorMean } from '../../src/analysis/confirm-model.js';
import type { Distribution } from '../../src/space/distributions.js';
import { floatDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { Rng } from '../../src/samplers/rng.js';
import { CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR } from '../../src/storage/metadata.js';

const X: Distribution = floatDistribution(0, 1);

function trial(number: number, x: number, value: number, userAttrs: Record<string, number> = {}): FrozenTrial {
  return {
    id: number + 1,
    number,
    state: 'COMPLETE',
    values: [value],
    params: { x },
    internalParams: { x },
    distributions: { x: X },
    intermediateValues: new Map(),
    userAttrs,
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
  };
}

/** A noisy study of f(x) = (x − 0.3)² with one lucky trial at x = 0.9, where f is high. */
function noisyStudy(): FrozenTrial[] {
  const rng = new Rng(7);
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 40; i++) {
    const x = (i + 0.5) / 40;
    trials.push(trial(i, x, (x - 0.3) ** 2 + 0.02 * rng.normal()));
  }
  trials.push(trial(40, 0.9, -0.05)); // f(0.9) = 0.36: a draw of the noise no neighbour shares
  return trials;
}

describe("confirm's model", () => {
  it('has no model with fewer than MIN_MODEL_TRIALS complete trials', () => {
    const few = Array.from({ length: MIN_MODEL_TRIALS - 1 }, (_, i) => trial(i, i / 10, i));
    expect(fitPosteriorMean(few)).toBeNull();
    expect(fitPosteriorMean([...few, trial(99, 0.95, 3)])).not.toBeNull();
  });

  it("pulls a lucky trial's value back toward its neighbours' and keeps a well-supported one", () => {
    const trials = noisyStudy();
    const posterior = fitPosteriorMean(trials);
    expect(posterior).not.toBeNull();
    const lucky = posterior?.(trials[40] as FrozenTrial) as number;
    const atOptimum = posterior?.(trials[12] as FrozenTrial) as number; // x = 0.3125
    expect(lucky).toBeGreaterThan(0.1);
    expect(atOptimum).toBeLessThan(0.03);
  });

  it("chooses the raw best first and then the model's best, which leaves out the lucky neighbourhood", () => {
    const trials = noisyStudy();
    const byModel = confirmCandidates(trials, 'minimize', 3, 'model');
    expect(byModel[0]?.number).toBe(40); // the best single trial is always confirmed
    for (const c of byModel.slice(1)) expect(Math.abs((c.params['x'] as number) - 0.3)).toBeLessThan(0.15);
    expect(byModel.slice(1).every((c) => c.modelMean !== undefined)).toBe(true);
    // 'mean' (and the default) keep the N best values.
    expect(confirmCandidates(trials, 'minimize', 3).map((c) => c.number)).toEqual(confirmCandidates(trials, 'minimize', 3, 'mean').map((c) => c.number));
  });

  it('ranks by the posterior mean over every trial, re-runs included, and shows it', () => {
    const trials = noisyStudy();
    // Trial 40's one re-run comes out lucky again; trial 12's re-run is ordinary.
    const reruns = [trial(41, 0.9, 0.0, { [CONFIRM_OF_ATTR]: 40, [CONFIRM_SEED_ATTR]: 1 }), trial(42, 0.3125, 0.01, { [CONFIRM_OF_ATTR]: 12, [CONFIRM_SEED_ATTR]: 2 })];
    const all = [...trials, ...reruns];
    const groups: ConfirmGroup[] = [
      { candidate: { number: 40, params: { x: 0.9 }, internalParams: { x: 0.9 }, value: -0.05 }, reruns: [0.0], missing: 0 },
      { candidate: { number: 12, params: { x: 0.3125 }, internalParams: { x: 0.3125 }, value: (trials[12]?.values?.[0] as number) }, reruns: [0.01], missing: 0 },
    ];
    const byMean = rankConfirmations(groups, 'minimize', 'mean', all);
    expect(byMean[0]?.trial).toBe(40);
    expect(byMean[0]?.modelMean).toBeNull();
    const byModel = rankConfirmations(groups, 'minimize', 'model', all);
    expect(byModel.map((r) => r.trial)).toEqual([12, 40]);
    expect(byModel[0]?.modelMean).toBeLessThan(byModel[1]?.modelMean as number);
    // The plain mean and interval stay on the rows.
    expect(byModel[1]?.mean).toBeCloseTo(-0.025, 12);
  });

  it('ranks by the plain mean when the model cannot be fitted (too few trials)', () => {
    const groups: ConfirmGroup[] = [
      { candidate: { number: 0, params: { x: 0 }, internalParams: { x: 0 }, value: 2 }, reruns: [2], missing: 0 },
      { candidate: { number: 1, params: { x: 1 }, internalParams: { x: 1 }, value: 1 }, reruns: [1], missing: 0 },
    ];
    const rows = rankConfirmations(groups, 'minimize', 'model', [trial(0, 0, 2), trial(1, 1, 1)]);
    expect(rows.map((r) => [r.trial, r.modelMean])).toEqual([[1, null], [0, null]]);
  });

  it('has no model for a study whose tuning trials are too few, however many re-runs it holds', () => {
    // 6 tuning trials, each re-run once: 12 complete trials, but a model only re-runs could fit.
    const tuning = Array.from({ length: 6 }, (_, i) => trial(i, i / 5, 6 - i));
    const reruns = tuning.map((t, i) => trial(6 + i, t.params['x'] as number, (t.values?.[0] as number) + 0.5, { [CONFIRM_OF_ATTR]: t.number, [CONFIRM_SEED_ATTR]: i }));
    expect(fitPosteriorMean([...tuning, ...reruns])).not.toBeNull();
    const groups: ConfirmGroup[] = tuning.slice(-2).map((t, i) => ({ candidate: { number: t.number, params: t.params, internalParams: t.internalParams, value: t.values?.[0] as number }, reruns: [(reruns[4 + i]?.values?.[0] as number)], missing: 0 }));
    const rows = rankConfirmations(groups, 'minimize', 'model', [...tuning, ...reruns]);
    expect(rows.map((r) => [r.trial, r.modelMean])).toEqual([[5, null], [4, null]]);
  });

  it('is deterministic, and its choice does not depend on the scale of the objective', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (scale, shift) => {
        const trials = noisyStudy();
        const scaled = trials.map((t) => ({ ...t, values: [(t.values?.[0] as number) * scale + shift] }));
        const a = confirmCandidates(trials, 'minimize', 4, 'model').map((c) => c.number);
        expect(confirmCandidates(trials, 'minimize', 4, 'model').map((c) => c.number)).toEqual(a);
        expect(confirmCandidates(scaled, 'minimize', 4, 'model').map((c) => c.number)).toEqual(a);
      }),
      { numRuns: 15 },
    );
  });
});
