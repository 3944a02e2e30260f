import type { FrozenTrial } from '../../storage/records.js';

export interface ImportanceEntry {
  readonly name: string;
  /** Share of the explained variance, 0..1; the entries sum to 1 (or are all 0). */
  readonly importance: number;
}

export interface ImportanceOptions {
  /** Completed trials needed before any estimate. Default 10. */
  readonly minTrials?: number;
  /** Most quantile bins per numeric parameter. Default 8. */
  readonly maxBins?: number;
}

/**
 * A cheap parameter-importance estimate for the dashboard. The completed values are
 * turned into ranks (so scale and outliers do not matter); for each parameter, the
 * trials that have it are grouped (numeric: up to `maxBins` quantile bins; categorical:
 * one group per choice) and a one-way ANOVA gives the share of rank variance the groups
 * explain, corrected for what as many groups explain by chance (ε²). A conditional
 * parameter is weighted by the fraction of trials that have it. The shares are then
 * normalised to sum to 1. Undefined until `minTrials` completed trials exist.
 */
export function parameterImportance(trials: readonly FrozenTrial[], options: ImportanceOptions = {}): ImportanceEntry[] | undefined {
  const minTrials = options.minTrials ?? 10;
  const maxBins = options.maxBins ?? 8;
  const done: FrozenTrial[] = [];
  for (const t of trials) {
    const v = t.state === 'COMPLETE' ? t.values?.[0] : undefined;
    if (v !== undefined && Number.isFinite(v)) done.push(t);
  }
  const n = done.length;
  if (n < Math.max(2, minTrials)) return undefined;
  const rank = ranks(done.map((t) => t.values?.[0] as number));
  const names: string[] = [];
  const seen = new Set<string>();
  for (const t of done) {
    for (const name in t.internalParams) {
      if (seen.has(name)) continue;
      seen.add(name);
      names.push(name);
    }
  }

  const raw = names.map((name) => {
    const xs: number[] = [];
    const ys: number[] = [];
    let categorical = false;
    for (let i = 0; i < n; i++) {
      const t = done[i] as FrozenTrial;
      const x = t.internalParams[name];
      if (x === undefined) continue;
      xs.push(x);
      ys.push(rank[i] as number);
      if (t.distributions[name]?.kind === 'categorical') categorical = true;
    }
    if (xs.length < 5) return { name, score: 0 };
    const groups = categorical ? groupByValue(xs) : quantileBins(xs, Math.min(maxBins, Math.floor(xs.length / 5)));
    return { name, score: epsilonSquared(ys, groups) * (xs.length / n) };
  });
  const total = raw.reduce((a, r) => a + r.score, 0);
  return raw.map((r) => ({ name: r.name, importance: total > 0 ? r.score / total : 0 })).sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : 1));
}

/** Index of the first element of sorted `xs` that is ≥ x. */
function lowerBound(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of sorted `xs` that is > x. */
function upperBound(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Ranks scaled to [0, 1], ties sharing their average rank (native typed-array sort + binary search). */
function ranks(values: readonly number[]): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const first = lowerBound(sorted, v);
    const last = upperBound(sorted, v) - 1;
    out[i] = (first + last) / 2 / Math.max(1, n - 1);
  }
  return out;
}

/** Group index of each x: one group per distinct value. */
function groupByValue(xs: readonly number[]): Int32Array {
  const ids = new Map<number, number>();
  const out = new Int32Array(xs.length);
  xs.forEach((x, i) => {
    let id = ids.get(x);
    if (id === undefined) ids.set(x, (id = ids.size));
    out[i] = id;
  });
  return out;
}

/** Group index of each x: `bins` bins of (about) equal count by value; equal values share a bin. */
function quantileBins(xs: readonly number[], bins: number): Int32Array {
  const m = xs.length;
  const out = new Int32Array(m);
  if (bins < 2) return out;
  const sorted = Float64Array.from(xs).sort();
  for (let i = 0; i < m; i++) out[i] = Math.floor((lowerBound(sorted, xs[i] as number) * bins) / m);
  return out;
}

/** ε² of a one-way ANOVA: (SS_between − (k−1)·MS_within) / SS_total, at least 0. */
function epsilonSquared(ys: readonly number[], groups: Int32Array): number {
  const m = ys.length;
  let k = 0;
  for (const g of groups) if (g + 1 > k) k = g + 1;
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const g = groups[i] as number;
    sums[g] = (sums[g] as number) + (ys[i] as number);
    counts[g] = (counts[g] as number) + 1;
    total += ys[i] as number;
  }
  const mean = total / m;
  let ssTotal = 0;
  for (const y of ys) ssTotal += (y - mean) ** 2;
  let ssBetween = 0;
  let used = 0;
  for (let g = 0; g < k; g++) {
    const c = counts[g] as number;
    if (c === 0) continue;
    used++;
    ssBetween += c * ((sums[g] as number) / c - mean) ** 2;
  }
  if (ssTotal <= 0 || used < 2 || m <= used) return 0;
  const msWithin = (ssTotal - ssBetween) / (m - used);
  return Math.max(0, (ssBetween - (used - 1) * msWithin) / ssTotal);
}
