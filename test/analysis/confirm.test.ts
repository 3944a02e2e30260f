import { describe, expect, it } from 'vitest';
import { confirmCandidates, confirmationGroups, plannedConfirmations, rankConfirmations } from '../../src/analysis/confirm.js';
import type { ConfirmGroup } from '../../src/analysis/confirm.js';
import { meanInterval, studentTCdf, studentTQuantile, welchTTest } from '../../src/numerics/student-t.js';
import type { FrozenTrial, TrialState } from '../../src/storage/records.js';
import { confirmSeed } from '../../src/study/seeds.js';
import type { JsonValue } from '../../src/json.js';
import { CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR } from '../../src/storage/metadata.js';

function trial(number: number, state: TrialState, value: number | null, params: Record<string, number>, userAttrs: Record<string, JsonValue> = {}, systemAttrs: Record<string, JsonValue> = {}): FrozenTrial {
  return {
    id: number + 1,
    number,
    state,
    values: value === null ? null : [value],
    params,
    internalParams: params,
    distributions: {},
    intermediateValues: new Map(),
    userAttrs,
    systemAttrs,
    datetimeStart: null,
    datetimeComplete: null,
  };
}

const group = (number: number, value: number, reruns: number[]): ConfirmGroup => ({ candidate: { number, params: { x: number }, internalParams: { x: number }, value }, reruns, missing: 0 });

describe("Student's t distribution", () => {
  it('has the tabulated 97.5% quantiles', () => {
    const table: [number, number][] = [[1, 12.7062047], [2, 4.30265273], [3, 3.18244631], [10, 2.22813885], [30, 2.04227246]];
    for (const [df, q] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(q, 6);
    expect(studentTQuantile(0.025, 3)).toBeCloseTo(-3.18244631, 6);
    expect(studentTQuantile(0.5, 7)).toBe(0);
  });

  it('has the CDF of the closed forms for 1 and 2 degrees of freedom and the tabulated ones elsewhere', () => {
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 12); // Cauchy: ½ + atan(1)/π
    expect(studentTCdf(1, 2)).toBeCloseTo(0.5 + 1 / (2 * Math.sqrt(3)), 12); // ½ + t / (2√(2 + t²))
    expect(studentTCdf(2, 3)).toBeCloseTo(0.930337016, 8);
    expect(studentTCdf(-1.5, 2.5)).toBeCloseTo(0.123918227, 8);
    expect(studentTCdf(0, 4)).toBe(0.5);
  });
});

describe('the 95% interval of a mean', () => {
  it('is mean ∓ t(0.975, n−1)·s/√n', () => {
    // [1, 2, 3]: mean 2, s 1, half-width 4.30265273 / √3 = 2.48413771.
    const i = meanInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.std).toBe(1);
    expect(i.low).toBeCloseTo(2 - 2.48413771, 7);
    expect(i.high).toBeCloseTo(2 + 2.48413771, 7);
  });

  it('is unknown (NaN) for one value', () => {
    const i = meanInterval([0.4]);
    expect([i.mean, i.n]).toEqual([0.4, 1]);
    expect(i.low).toBeNaN();
  });
});

describe("Welch's t-test", () => {
  it('matches the hand computation on [1, 2, 3] against [4, 5, 6, 7]', () => {
    // s²/n: 1/3 and (5/3)/4 = 5/12; se² = 3/4; t = −3.5/√0.75 = −4.04145; df = 0.5625 / ((1/9)/2 + (25/144)/3) = 4.95918.
    const w = welchTTest([1, 2, 3], [4, 5, 6, 7]);
    expect(w.t).toBeCloseTo(-3.5 / Math.sqrt(0.75), 10);
    expect(w.df).toBeCloseTo(0.5625 / (1 / 18 + 25 / 432), 10);
    expect(w.p).toBeCloseTo(0.0100769433, 8); // scipy.stats.ttest_ind(equal_var=False)
  });

  it('gives t = −√1.5 with 4 degrees of freedom for two unit-spread samples one apart', () => {
    const w = welchTTest([1, 2, 3], [2, 3, 4]);
    expect(w.t).toBeCloseTo(-Math.sqrt(1.5), 12);
    expect(w.df).toBeCloseTo(4, 12);
    expect(w.p).toBeCloseTo(0.2878641347, 8);
  });

  it('says p = 1 for equal constant samples, 0 for different ones, NaN below two values', () => {
    expect(welchTTest([2, 2], [2, 2, 2]).p).toBe(1);
    expect(welchTTest([2, 2], [3, 3]).p).toBe(0);
    expect(welchTTest([2], [3, 4]).p).toBeNaN();
  });
});

describe('ranking confirmed configurations', () => {
  it('ranks by the mean over the original and the re-runs, not by the original value', () => {
    // Trial 7 was lucky (0.10) but re-runs at 0.50; trial 3 is steady near 0.30.
    const rows = rankConfirmations([group(7, 0.1, [0.5, 0.52, 0.48]), group(3, 0.3, [0.31, 0.29, 0.3])], 'minimize');
    expect(rows.map((r) => [r.rank, r.trial])).toEqual([[1, 3], [2, 7]]);
    expect(rows[0]?.mean).toBeCloseTo(0.3, 12);
    expect(rows[1]?.mean).toBeCloseTo(0.4, 12);
    expect(rows[1]?.originalValue).toBe(0.1);
    expect(rows[0]?.n).toBe(4);
  });

  it('ranks the highest mean first when maximizing', () => {
    const rows = rankConfirmations([group(1, 0.8, [0.8, 0.8]), group(2, 0.9, [0.9, 0.9])], 'maximize');
    expect(rows.map((r) => r.trial)).toEqual([2, 1]);
  });

  it('marks a configuration tied with the top when Welch p > 0.05, and apart when p ≤ 0.05', () => {
    // Against [1, 2, 3]: [2, 3, 4] has p = 0.288 (tied), [4, 5, 6, 7] has p = 0.0101 (apart).
    const rows = rankConfirmations([group(0, 1, [2, 3]), group(1, 2, [3, 4]), group(2, 4, [5, 6, 7])], 'minimize');
    expect(rows.map((r) => [r.trial, r.tiedWithTop])).toEqual([[0, null], [1, true], [2, false]]);
    expect(rows[0]?.pValue).toBeNull();
    expect(rows[1]?.pValue).toBeCloseTo(0.2878641347, 8);
    expect(rows[2]?.pValue).toBeCloseTo(0.0100769433, 8);
    expect(rows[2]?.low).toBeCloseTo(5.5 - (3.18244631 * Math.sqrt(5 / 3)) / 2, 6);
  });

  it('gives rank 1 no tie mark (null): it is what the others are compared with, also when every other one is apart', () => {
    // Against [1, 2, 3]: [4, 5, 6, 7] has p = 0.0101 (apart).
    const rows = rankConfirmations([group(0, 1, [2, 3]), group(2, 4, [5, 6, 7])], 'minimize');
    expect(rows.map((r) => [r.rank, r.tiedWithTop])).toEqual([[1, null], [2, false]]);
  });

  it('gives a single configuration no tie mark and no p-value', () => {
    const rows = rankConfirmations([group(0, 1, [2, 3])], 'minimize');
    expect(rows.map((r) => [r.rank, r.pValue, r.tiedWithTop])).toEqual([[1, null, null]]);
  });

  it('cannot tell apart a configuration whose re-runs all failed (one value)', () => {
    const rows = rankConfirmations([group(0, 1, [1, 1.1]), { candidate: { number: 1, params: {}, internalParams: {}, value: 5 }, reruns: [], missing: 2 }], 'minimize');
    expect(rows[1]?.tiedWithTop).toBe(true);
    expect(rows[1]?.missing).toBe(2);
  });
});

describe('choosing and planning confirmations', () => {
  const trials = [
    trial(0, 'COMPLETE', 0.5, { x: 1 }),
    trial(1, 'COMPLETE', 0.2, { x: 2 }),
    trial(2, 'COMPLETE', 0.3, { x: 2 }), // the same configuration as trial 1: counts once, as trial 1
    trial(3, 'FAIL', null, { x: 3 }),
    trial(4, 'COMPLETE', 0.1, { x: 4 }, {}, { 'constraints:mem': 2 }), // infeasible
    trial(5, 'COMPLETE', 0.4, { x: 5 }),
    trial(6, 'COMPLETE', 0.05, { x: 5 }, { [CONFIRM_OF_ATTR]: 5, [CONFIRM_SEED_ATTR]: confirmSeed(9, 5, 0) }), // a re-run: never a candidate
  ];

  it('takes the best distinct complete feasible configurations that are not re-runs', () => {
    expect(confirmCandidates(trials, 'minimize', 3).map((c) => c.number)).toEqual([1, 5, 0]);
    expect(confirmCandidates(trials, 'maximize', 2).map((c) => c.number)).toEqual([0, 5]);
  });

  it('plans only the re-runs that are missing or failed, with fixed seeds', () => {
    const candidates = confirmCandidates(trials, 'minimize', 2);
    const failed = trial(7, 'FAIL', null, { x: 5 }, { [CONFIRM_OF_ATTR]: 5, [CONFIRM_SEED_ATTR]: confirmSeed(9, 5, 1) });
    const planned = plannedConfirmations([...trials, failed], candidates, 2, 9);
    expect(planned.map((p) => [p.of, p.seed])).toEqual([[1, confirmSeed(9, 1, 0)], [1, confirmSeed(9, 1, 1)], [5, confirmSeed(9, 5, 1)]]);
    expect(planned[0]?.params).toEqual({ x: 2 });
    expect(confirmSeed(9, 1, 0)).not.toBe(confirmSeed(9, 1, 1));
  });

  it('groups the complete re-runs under the trial they confirm', () => {
    const groups = confirmationGroups(trials, confirmCandidates(trials, 'minimize', 2), 2, 9);
    expect(groups.map((g) => [g.candidate.number, g.reruns, g.missing])).toEqual([[1, [], 2], [5, [0.05], 1]]);
  });
});
