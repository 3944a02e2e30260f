/** Small statistics on plain arrays of finite numbers. */

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function std(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += ((xs[i] as number) - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics (NumPy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = Math.min(1, Math.max(0, q)) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly q25: number;
  readonly median: number;
  readonly q75: number;
  readonly max: number;
}

export function summarize(xs: ArrayLike<number>): Summary {
  const s = sortedCopy(xs);
  return { n: s.length, mean: mean(s), std: std(s), min: s[0] ?? NaN, q25: quantile(s, 0.25), median: quantile(s, 0.5), q75: quantile(s, 0.75), max: s[s.length - 1] ?? NaN };
}

/**
 * P(a < b) + ½·P(a = b) for a drawn from `a` and b from `b`: the Mann–Whitney U statistic
 * divided by |a|·|b| (the "common-language effect size"). 0.5 means no difference.
 * O((n + m) log(n + m)) through ranks.
 */
export function probabilityLess(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return NaN;
  const all: { v: number; fromA: boolean }[] = [];
  for (let i = 0; i < n; i++) all.push({ v: a[i] as number, fromA: true });
  for (let i = 0; i < m; i++) all.push({ v: b[i] as number, fromA: false });
  all.sort((x, y) => x.v - y.v);
  // Sum of the ranks (1-based, ties averaged) of a's values.
  let rankSumA = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && (all[j] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((all[k] as { fromA: boolean }).fromA) rankSumA += rank;
    i = j;
  }
  const uA = rankSumA - (n * (n + 1)) / 2; // pairs where a > b (ties ½)
  return 1 - uA / (n * m);
}
