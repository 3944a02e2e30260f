/**
 * The one-sided Wilcoxon signed-rank test on paired differences, for the wilcoxon pruner.
 * |d| is ranked with ties sharing their mean rank; zero differences are ranked too and
 * their ranks split half to each side ("zsplit", what Optuna's WilcoxonPruner asks scipy
 * for, so that all-equal folds still give an answer). W⁺ is the positive side's rank sum.
 *
 * - n ≤ 50: exact. Under the null each non-zero difference is positive or negative with
 *   probability ½ independently, with its rank fixed (the conditional, permutation form of
 *   the test); the 2^m sign patterns are counted over the doubled ranks, so ties and zeros
 *   are handled exactly. Without ties or zeros this is the classic table (scipy's exact).
 * - n > 50: the normal approximation, mean n(n+1)/4 and variance n(n+1)(2n+1)/24 −
 *   Σ(t³ − t)/48 over groups of t tied ranks (zeros included), no continuity correction:
 *   scipy's `wilcoxon(d, zero_method="zsplit", method="approx")`.
 *
 * scipy's `method="auto"` leaves the exact branch as soon as one difference is zero and
 * uses the normal approximation even for n = 2 (one-sided p 0.079 for two equal positive
 * differences, where the exact answer is 0.25); scipy 1.10 also keeps the exact table
 * with ties, truncating a half-integer W⁺. Neither is copied here.
 */
import { erfc } from '../numerics/erf.js';

/** `'greater'`: the differences tend to be positive (the alternative scipy names so). */
export type Alternative = 'greater' | 'less';

export interface SignedRankResult {
  /** W⁺: the sum of the ranks of the positive differences, plus half the zeros' ranks. */
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'approx';
  /** Number of differences (zeros included). */
  readonly n: number;
}

/** Largest sample whose exact null distribution is counted (scipy's threshold). */
export const EXACT_LIMIT = 50;

/**
 * counts[s] = the number of sign patterns of the weights giving Σ (positive weights) = s,
 * for s in 0..Σ weights. With n ≤ 50 differences every count is at most 2^50, so float64
 * holds them exactly.
 */
export function signPatternCounts(weights: readonly number[]): Float64Array {
  let total = 0;
  for (const w of weights) total += w;
  const counts = new Float64Array(total + 1);
  counts[0] = 1;
  let reach = 0;
  for (const w of weights) {
    reach += w;
    for (let s = reach; s >= w; s--) counts[s] = (counts[s] as number) + (counts[s - w] as number);
  }
  return counts;
}

/** Average ranks (1-based) of the values, ties sharing the mean of their positions; also the tie groups' sizes. */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Array<number>(values.length).fill(0);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    const rank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) ranks[order[j] as number] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/** P(Z > z) for a standard normal Z. */
function normalSf(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}

/**
 * One-sided signed-rank test of the differences `d` (finite numbers, at least one):
 * `'greater'` gives P(W⁺ ≥ observed) under the null, `'less'` P(W⁺ ≤ observed).
 */
export function wilcoxonSignedRank(d: readonly number[], alternative: Alternative): SignedRankResult {
  if (d.length === 0) throw new RangeError('the signed-rank test needs at least one difference');
  if (d.some((v) => !Number.isFinite(v))) throw new RangeError(`the signed-rank test needs finite differences, got ${JSON.stringify(d)}`);
  return d.length <= EXACT_LIMIT ? exactSignedRank(d, alternative) : approxSignedRank(d, alternative);
}

/** The exact conditional test (any n, but 2^n must stay below 2^53: n ≤ 50). */
export function exactSignedRank(d: readonly number[], alternative: Alternative): SignedRankResult {
  const n = d.length;
  const { ranks } = averageRanks(d.map(Math.abs));
  // Doubled ranks are integers; zeros add the same half-ranks to W⁺ under every sign pattern.
  const weights: number[] = [];
  let observed = 0;
  let zeroPart = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i] as number;
    const doubled = Math.round(2 * (ranks[i] as number));
    if (v === 0) zeroPart += ranks[i] as number;
    else {
      weights.push(doubled);
      if (v > 0) observed += doubled;
    }
  }
  const counts = signPatternCounts(weights);
  let tail = 0;
  if (alternative === 'greater') for (let s = observed; s < counts.length; s++) tail += counts[s] as number;
  else for (let s = 0; s <= observed; s++) tail += counts[s] as number;
  return { statistic: observed / 2 + zeroPart / 2, pValue: Math.min(1, tail / 2 ** weights.length), method: 'exact', n };
}

/** The normal approximation with the tie correction (scipy's `method="approx"`, zsplit). */
export function approxSignedRank(d: readonly number[], alternative: Alternative): SignedRankResult {
  const n = d.length;
  const { ranks, tieSizes } = averageRanks(d.map(Math.abs));
  let statistic = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i] as number;
    if (v > 0) statistic += ranks[i] as number;
    else if (v === 0) statistic += (ranks[i] as number) / 2;
  }
  const mean = (n * (n + 1)) / 4;
  let variance = (n * (n + 1) * (2 * n + 1)) / 24;
  for (const t of tieSizes) variance -= (t * (t * t - 1)) / 48;
  // Positive for every n ≥ 1 (all tied still leaves n(n+1)²/16); kept as a guard against rounding.
  if (!(variance > 0)) return { statistic, pValue: 0.5, method: 'approx', n };
  const z = (statistic - mean) / Math.sqrt(variance);
  return { statistic, pValue: alternative === 'greater' ? normalSf(z) : normalSf(-z), method: 'approx', n };
}
