/**
 * Student's t distribution (CDF and quantile) and Welch's two-sample t-test, for the
 * intervals and the "indistinguishable from the best" rule of `sodate confirm`. The CDF
 * goes through the regularised incomplete beta function:
 * P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, and symmetric. Degrees of freedom may be
 * fractional (Welch–Satterthwaite).
 */
import { betaCdf } from './beta.js';
import { mean, std } from './stats.js';

/** P(T ≤ t) for T ~ t(df), df > 0. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * betaCdf(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of t(df), 0 < p < 1: the t with P(T ≤ t) = p (bisection to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile level must be within (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanInterval {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  readonly std: number;
  /** mean ∓ t_{(1+level)/2, n−1}·std/√n; NaN for fewer than two values. */
  readonly low: number;
  readonly high: number;
}

/** The mean of `values` with its t-interval at `level` (default 0.95). */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  const n = values.length;
  const m = mean(values);
  const s = std(values);
  if (n < 2) return { n, mean: m, std: s, low: NaN, high: NaN };
  const half = (studentTQuantile((1 + level) / 2, n - 1) * s) / Math.sqrt(n);
  return { n, mean: m, std: s, low: m - half, high: m + half };
}

export interface WelchTest {
  /** (mean(a) − mean(b)) / √(s_a²/n_a + s_b²/n_b). */
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
  /** Two-sided p-value of "the means are equal". */
  readonly p: number;
}

/**
 * Welch's t-test of equal means (unequal variances). Both samples need two values, else
 * every field is NaN. With no spread in either sample, p is 1 for equal means and 0 otherwise.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchTest {
  if (a.length < 2 || b.length < 2) return { t: NaN, df: NaN, p: NaN };
  const va = std(a) ** 2 / a.length;
  const vb = std(b) ** 2 / b.length;
  const diff = mean(a) - mean(b);
  const se2 = va + vb;
  if (se2 === 0) return diff === 0 ? { t: 0, df: Infinity, p: 1 } : { t: diff > 0 ? Infinity : -Infinity, df: Infinity, p: 0 };
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  // Two-sided: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, ½), without the cancellation of 1 − CDF.
  return { t, df, p: betaCdf(df / (df + t * t), df / 2, 0.5) };
}
