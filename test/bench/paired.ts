/**
 * Paired comparisons over seeds for the benchmarks: the exact two-sided Wilcoxon
 * signed-rank test (zero differences dropped, tied magnitudes share their mean rank).
 */

/** Two-sided p-value that paired samples `a` and `b` (same seeds, same order) differ in location. */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`wilcoxonSignedRank: ${a.length} vs ${b.length} values; pass one value per seed to both`);
  const diffs = a.map((x, i) => x - (b[i] as number)).filter((d) => d !== 0);
  const n = diffs.length;
  if (n === 0) return 1;
  const order = diffs.map((d, i) => ({ m: Math.abs(d), i })).sort((x, y) => x.m - y.m);
  // Ranks doubled so that tied mean ranks stay integers.
  const rank2 = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (order[j + 1] as { m: number }).m === (order[i] as { m: number }).m) j++;
    for (let k = i; k <= j; k++) rank2[(order[k] as { i: number }).i] = i + j + 2;
    i = j + 1;
  }
  const total = rank2.reduce((s, r) => s + r, 0);
  const positive = diffs.reduce((s, d, i) => s + (d > 0 ? (rank2[i] as number) : 0), 0);
  const low = Math.min(positive, total - positive);
  // Exact null distribution of the positive rank sum: each rank positive with probability 1/2.
  let counts = new Map<number, number>([[0, 1]]);
  for (const r of rank2) {
    const next = new Map(counts);
    for (const [sum, c] of counts) next.set(sum + r, (next.get(sum + r) ?? 0) + c);
    counts = next;
  }
  let atMost = 0;
  for (const [sum, c] of counts) if (sum <= low) atMost += c;
  return Math.min(1, (2 * atMost) / 2 ** n);
}
