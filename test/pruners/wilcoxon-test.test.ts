import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approxSignedRank, averageRanks, signPatternCounts, wilcoxonSignedRank } from '../../src/pruners/wilcoxon-test.js';

// Reference numbers, each: d, W⁺, p "greater", p "less".
// Tie-free: scipy 1.10, wilcoxon(d, alternative=alt, zero_method="zsplit", method="exact").pvalue.
const EXACT: readonly (readonly [readonly number[], number, number, number])[] = [
  [[0.3, 1.2, -0.4, 2.5, 0.9], 13, 0.09375, 0.9375],
  [[1, 2], 3, 0.25, 1],
  [[1, 2, 3], 6, 0.125, 1],
  [[-1, 2, 3, 4], 9, 0.125, 0.9375],
  [[0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7], 16, 0.40625, 0.65625],
  [[5, 4.1, 3.2, -0.7, 2.3, 1.4, 0.5, -6.6, 7.7, 8.8, 9.9, -1.05], 64, 0.026123046875, 0.978759765625],
];

// Ties and zeros: enumerating every sign pattern of the non-zero differences in Python
// (scipy.stats.rankdata mid-ranks, zeros' half-ranks on W⁺ fixed), 2^m patterns.
const EXACT_TIES: readonly (readonly [readonly number[], number, number, number])[] = [
  [[0, 1, 2, 3], 9.5, 0.125, 1],
  [[0, 0, 0], 3, 1, 1],
  [[1, 1, -1, 2, 2], 13, 0.125, 0.96875],
  [[0.5, -0.5, 0, 1.5, 1.5, 3, 0, -2], 24, 0.21875, 0.8125],
  [[0.1, 0.1], 3, 0.25, 1],
  [[2, 2, 2], 6, 0.125, 1],
];

// scipy 1.10, wilcoxon(d, alternative=alt, zero_method="zsplit", method="approx").pvalue.
const APPROX: readonly (readonly [readonly number[], number, number, number])[] = [
  [[0, 1, 2, 3], 9.5, 0.050174123231145375, 0.9498258767688547],
  [[0, 0, 0], 3, 0.5, 0.5],
  [[1, 1, -1, 2, 2], 13, 0.06448902149598212, 0.9355109785040179],
  [[0.5, -0.5, 0, 1.5, 1.5, 3, 0, -2], 24, 0.1995375982741186, 0.8004624017258815],
  [Array.from({ length: 60 }, (_, i) => ((i % 7) - 2) * 0.5), 1317, 0.0014395267394460246, 0.998560473260554],
  [Array.from({ length: 60 }, (_, i) => i - 15.3), 1574, 6.132854739189764e-7, 0.999999386714526],
];

describe('wilcoxonSignedRank', () => {
  it.each(EXACT)('exact p-values match scipy for %j', (d, w, greater, less) => {
    const g = wilcoxonSignedRank(d, 'greater');
    expect(g.method).toBe('exact');
    expect(g.statistic).toBe(w);
    expect(g.pValue).toBeCloseTo(greater, 14);
    expect(wilcoxonSignedRank(d, 'less').pValue).toBeCloseTo(less, 14);
  });

  it.each(EXACT_TIES)('up to 50 differences, ties and zeros are exact too (the sign-pattern count): %j', (d, w, greater, less) => {
    const g = wilcoxonSignedRank(d, 'greater');
    expect(g.method).toBe('exact');
    expect(g.statistic).toBe(w);
    expect(g.pValue).toBeCloseTo(greater, 14);
    expect(wilcoxonSignedRank(d, 'less').pValue).toBeCloseTo(less, 14);
  });

  it.each(APPROX)("the normal approximation matches scipy's, tie and zero correction included: %j", (d, w, greater, less) => {
    const g = approxSignedRank(d, 'greater');
    expect(g.statistic).toBe(w);
    expect(g.pValue).toBeCloseTo(greater, 12);
    expect(approxSignedRank(d, 'less').pValue).toBeCloseTo(less, 12);
  });

  it('takes the normal approximation above 50 differences', () => {
    expect(wilcoxonSignedRank(Array.from({ length: 50 }, (_, i) => i - 15.3), 'greater').method).toBe('exact');
    const big = APPROX[APPROX.length - 1]![0];
    expect(wilcoxonSignedRank(big, 'greater')).toEqual(approxSignedRank(big, 'greater'));
  });

  it('the smallest one-sided p-value with n tie-free differences is 2^-n', () => {
    for (let n = 1; n <= 8; n++) {
      const d = Array.from({ length: n }, (_, i) => i + 1);
      expect(wilcoxonSignedRank(d, 'greater').pValue).toBe(2 ** -n);
    }
  });

  it('negating the differences swaps the alternatives', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 60 }), (ints) => {
        const d = ints.map((v) => v / 2);
        const flipped = d.map((v) => -v);
        expect(wilcoxonSignedRank(flipped, 'less').pValue).toBeCloseTo(wilcoxonSignedRank(d, 'greater').pValue, 12);
      }),
    );
  });

  it('p-values are probabilities, and turning a difference from negative to positive never raises the "greater" p-value', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 14 }), fc.nat(13), (positive, at) => {
        const d = positive.map((up, i) => (up ? 1 : -1) * (i + 1));
        const i = at % d.length;
        const p = wilcoxonSignedRank(d, 'greater').pValue;
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
        const raised = d.map((v, j) => (j === i ? Math.abs(v) : v));
        expect(wilcoxonSignedRank(raised, 'greater').pValue).toBeLessThanOrEqual(p);
      }),
    );
  });

  it('refuses an empty or non-finite sample', () => {
    expect(() => wilcoxonSignedRank([], 'greater')).toThrow(/at least one/);
    expect(() => wilcoxonSignedRank([1, NaN], 'greater')).toThrow(/finite/);
  });
});

describe('signPatternCounts', () => {
  it('counts 2^n patterns of the ranks 1..n, symmetric around n(n+1)/4', () => {
    for (const n of [1, 5, 20, 50]) {
      const counts = signPatternCounts(Array.from({ length: n }, (_, i) => i + 1));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(2 ** n);
      for (let w = 0; w < counts.length; w++) expect(counts[w]).toBe(counts[counts.length - 1 - w]);
    }
  });
});

describe('averageRanks', () => {
  it('gives ties the mean of their positions and reports the group sizes', () => {
    expect(averageRanks([3, 1, 3, 2, 3])).toEqual({ ranks: [4, 1, 4, 2, 4], tieSizes: [3] });
  });
});
