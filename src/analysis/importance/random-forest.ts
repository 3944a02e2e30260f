import { Rng } from '../../samplers/rng.js';

/**
 * A small random forest of regression trees (least squares, bootstrap samples, every
 * feature considered at every split: scikit-learn's RandomForestRegressor defaults), fit
 * for fANOVA. Features are numeric in [0, 1] with −1 as the sentinel of "absent", or
 * categorical codes 0…K−1 with K as "absent". Categorical splits send a subset of codes
 * left: codes sorted by their mean response, best prefix (optimal for least squares).
 */

export type FeatureSpec = { readonly kind: 'numeric' } | { readonly kind: 'categorical'; readonly codes: number };

/** The sentinel a numeric feature takes where the parameter is absent. */
export const ABSENT_NUMERIC = -1;

export interface ForestOptions {
  readonly trees: number;
  /** Samples drawn with replacement per tree. */
  readonly maxSamples: number;
  readonly minSamplesLeaf: number;
  readonly maxDepth: number;
  readonly seed: number;
}

/** A leaf's box: per feature an interval [lo, hi) (numeric) or a set of codes (categorical). */
export interface LeafRegion {
  readonly value: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** Per categorical feature (by feature index) a 0/1 mask over its codes; null for numeric features. */
  readonly codes: readonly (Uint8Array | null)[];
}

export interface RegressionTree {
  readonly leaves: readonly LeafRegion[];
  /** Per feature, the sorted distinct numeric thresholds of its splits. */
  readonly thresholds: readonly Float64Array[];
}

/** Features are given column-wise: `x[f][i]` is feature f of sample i. */
export function fitForest(x: readonly Float64Array[], y: Float64Array, features: readonly FeatureSpec[], options: ForestOptions): RegressionTree[] {
  const n = y.length;
  // Each numeric feature's trials sorted once; a tree's sorted orders follow from it in O(n).
  const sorted = features.map((f, fi) => {
    if (f.kind !== 'numeric') return null;
    const col = x[fi] as Float64Array;
    return Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (col[a] as number) - (col[b] as number) || a - b);
  });
  const trees: RegressionTree[] = [];
  for (let t = 0; t < options.trees; t++) {
    const rng = Rng.derive(options.seed, 'forest', t);
    const m = Math.min(options.maxSamples, n);
    // Bootstrap: how often each trial is drawn; positions are laid out trial by trial.
    const draws = new Int32Array(n);
    for (let k = 0; k < m; k++) draws[rng.int(n)]! += 1;
    const first = new Int32Array(n);
    const sample = new Int32Array(m);
    for (let i = 0, p = 0; i < n; i++) {
      first[i] = p;
      for (let c = 0; c < (draws[i] as number); c++) sample[p++] = i;
    }
    const orders = sorted.map((order) => {
      if (order === null) return null;
      const out = new Int32Array(m);
      let p = 0;
      for (let k = 0; k < n; k++) {
        const i = order[k] as number;
        const c = draws[i] as number;
        for (let r = 0; r < c; r++) out[p++] = (first[i] as number) + r;
      }
      return out;
    });
    trees.push(fitTree(x, y, features, sample, orders, options));
  }
  return trees;
}

interface Split {
  feature: number;
  threshold: number;
  left: Uint8Array | null;
}

/** `orders[f]`: the sample positions sorted by numeric feature f (null for categorical features). */
function fitTree(x: readonly Float64Array[], y: Float64Array, features: readonly FeatureSpec[], sample: Int32Array, orders: readonly (Int32Array | null)[], options: ForestOptions): RegressionTree {
  const m = sample.length;
  const d = features.length;
  // Per-sample copies (position p = p-th bootstrap draw), so the hot loops read contiguous arrays.
  const ys = Float64Array.from(sample, (i) => y[i] as number);
  const xs = x.map((col) => Float64Array.from(sample, (i) => col[i] as number));
  // Each numeric feature's order keeps a node's positions sorted by its value; `members` keeps them in any order.
  const sums = features.map((f) => (f.kind === 'categorical' ? new Float64Array(f.codes) : null));
  const counts = features.map((f) => (f.kind === 'categorical' ? new Float64Array(f.codes) : null));
  const members = Int32Array.from({ length: m }, (_, p) => p);
  const goesLeft = new Uint8Array(m);
  const buffer = new Int32Array(m);
  const leaves: LeafRegion[] = [];
  const thresholds: number[][] = features.map(() => []);
  const lo = new Float64Array(d).fill(-Infinity);
  const hi = new Float64Array(d).fill(Infinity);
  const codes: (Uint8Array | null)[] = features.map((f) => (f.kind === 'categorical' ? new Uint8Array(f.codes).fill(1) : null));

  const partition = (arr: Int32Array, start: number, end: number): number => {
    let l = start;
    let r = 0;
    for (let k = start; k < end; k++) {
      const p = arr[k] as number;
      if (goesLeft[p] === 1) arr[l++] = p;
      else buffer[r++] = p;
    }
    for (let k = 0; k < r; k++) arr[l + k] = buffer[k] as number;
    return l;
  };

  const grow = (start: number, end: number, depth: number): void => {
    const n = end - start;
    let sum = 0;
    let sumSq = 0;
    for (let k = start; k < end; k++) {
      const v = ys[members[k] as number] as number;
      sum += v;
      sumSq += v * v;
    }
    const value = sum / n;
    const split = depth < options.maxDepth && n >= 2 * options.minSamplesLeaf && sumSq - (sum * sum) / n > 1e-12 * Math.max(1, sumSq) ? bestSplit(start, end, sum) : null;
    if (split === null) {
      leaves.push({ value, lo: lo.slice(), hi: hi.slice(), codes: codes.map((c) => (c === null ? null : c.slice())) });
      return;
    }
    const col = xs[split.feature] as Float64Array;
    for (let k = start; k < end; k++) {
      const p = members[k] as number;
      const v = col[p] as number;
      goesLeft[p] = split.left === null ? (v < split.threshold ? 1 : 0) : (split.left[v] as number);
    }
    const mid = partition(members, start, end);
    for (const order of orders) if (order !== null) partition(order, start, end);
    const f = split.feature;
    if (split.left === null) {
      (thresholds[f] as number[]).push(split.threshold);
      const saved = hi[f] as number;
      hi[f] = split.threshold;
      grow(start, mid, depth + 1);
      hi[f] = saved;
      const savedLo = lo[f] as number;
      lo[f] = split.threshold;
      grow(mid, end, depth + 1);
      lo[f] = savedLo;
    } else {
      const mask = codes[f] as Uint8Array;
      const saved = mask.slice();
      for (let c = 0; c < mask.length; c++) mask[c] = (saved[c] as number) & (split.left[c] as number);
      grow(start, mid, depth + 1);
      for (let c = 0; c < mask.length; c++) mask[c] = (saved[c] as number) & (1 - (split.left[c] as number));
      grow(mid, end, depth + 1);
      mask.set(saved);
    }
  };

  const bestSplit = (start: number, end: number, sum: number): Split | null => {
    const n = end - start;
    const minLeaf = options.minSamplesLeaf;
    let bestScore = (sum * sum) / n + 1e-12 * Math.abs((sum * sum) / n);
    let best: Split | null = null;
    for (let f = 0; f < d; f++) {
      const spec = features[f] as FeatureSpec;
      const col = xs[f] as Float64Array;
      if (spec.kind === 'numeric') {
        const order = orders[f] as Int32Array;
        let sumL = 0;
        for (let k = start; k < end - 1; k++) {
          const p = order[k] as number;
          sumL += ys[p] as number;
          const nL = k - start + 1;
          if (nL < minLeaf) continue;
          if (n - nL < minLeaf) break;
          const a = col[p] as number;
          const b = col[order[k + 1] as number] as number;
          if (b <= a) continue;
          const sumR = sum - sumL;
          const score = (sumL * sumL) / nL + (sumR * sumR) / (n - nL);
          if (score > bestScore) {
            bestScore = score;
            best = { feature: f, threshold: (a + b) / 2, left: null };
          }
        }
      } else {
        const catSums = (sums[f] as Float64Array).fill(0);
        const catCounts = (counts[f] as Float64Array).fill(0);
        for (let k = start; k < end; k++) {
          const p = members[k] as number;
          const c = col[p] as number;
          catSums[c]! += ys[p] as number;
          catCounts[c]! += 1;
        }
        const seen: number[] = [];
        for (let c = 0; c < spec.codes; c++) if ((catCounts[c] as number) > 0) seen.push(c);
        if (seen.length < 2) continue;
        seen.sort((a, b) => (catSums[a] as number) / (catCounts[a] as number) - (catSums[b] as number) / (catCounts[b] as number) || a - b);
        let sumL = 0;
        let nL = 0;
        for (let j = 0; j < seen.length - 1; j++) {
          const c = seen[j] as number;
          sumL += catSums[c] as number;
          nL += catCounts[c] as number;
          if (nL < minLeaf || n - nL < minLeaf) continue;
          const sumR = sum - sumL;
          const score = (sumL * sumL) / nL + (sumR * sumR) / (n - nL);
          if (score > bestScore) {
            bestScore = score;
            const left = new Uint8Array(spec.codes);
            for (let q = 0; q <= j; q++) left[seen[q] as number] = 1;
            best = { feature: f, threshold: NaN, left };
          }
        }
      }
    }
    return best;
  };

  grow(0, m, 0);
  return { leaves, thresholds: thresholds.map((ts) => Float64Array.from(new Set(ts)).sort()) };
}
