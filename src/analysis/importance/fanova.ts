import type { TrialMatrix } from '../columns.js';
import { NotEnoughTrialsError } from '../errors.js';
import type { FeatureSpec, LeafRegion, RegressionTree } from './random-forest.js';
import { ABSENT_NUMERIC, fitForest } from './random-forest.js';
import type { ParamImportance, ParamInteraction } from './types.js';
import { normalizeImportances } from './types.js';

export interface FanovaOptions {
  readonly seed: number;
  readonly trees: number;
  readonly maxSamples: number;
  /** Pairs among this many most important parameters get an interaction share. Default 3. */
  readonly interactionsAmong?: number;
}

export interface FanovaResult {
  readonly importances: ParamImportance[];
  readonly interactions: ParamInteraction[];
}

/**
 * fANOVA (Hutter, Hoos & Leyton-Brown, 2014) over a random forest fit to the trials: for
 * each tree, the variance of the tree's prediction over the whole space splits into the
 * variances of its marginals; a parameter's importance is the variance of its own
 * marginal (its main effect) as a share of the total, averaged over the trees, then
 * normalized to sum to 1 across parameters (as Optuna does).
 *
 * A tree is piecewise constant on boxes, so every marginal is exact: a parameter's
 * marginal is constant between consecutive split thresholds on it, and each leaf adds
 * its value times the measure of its box in the other dimensions to the pieces it spans
 * (a difference array, O(leaves + pieces) per parameter).
 *
 * The measure is a product over parameters: uniform on the [0, 1]-mapped range (log-mapped
 * for log distributions), uniform over a categorical's choices; a conditional parameter
 * adds an "absent" atom with the share of trials that lack it. Its main effect is the
 * variance of its marginal over the values it can take, weighted by its presence share:
 * present-or-not is its parent's effect.
 *
 * Cost: trees are fit on bootstrap samples of at most `maxSamples` trials (default 2048),
 * with leaves of at least 2 and depth at most 32, so 10,000 trials cost about as much as
 * 2,048; the forest is what an exhaustive fit would average toward, with more variance.
 */
export function fanova(matrix: TrialMatrix, options: FanovaOptions): FanovaResult {
  const n = matrix.losses.length;
  if (n < 2) throw new NotEnoughTrialsError(`fANOVA needs at least 2 complete trials with a finite value, got ${n}`);
  const columns = matrix.columns;
  const features: FeatureSpec[] = columns.map((c) => (c.kind === 'numeric' ? { kind: 'numeric' } : { kind: 'categorical', codes: c.choices.length + 1 }));
  const x = columns.map((c) =>
    c.kind === 'numeric' ? Float64Array.from(c.values, (v) => (Number.isNaN(v) ? ABSENT_NUMERIC : v)) : Float64Array.from(c.values, (v) => (v < 0 ? c.choices.length : v)),
  );
  const absentShare = columns.map((c) => (n - c.present) / n);
  const trees = fitForest(x, matrix.losses, features, { trees: options.trees, maxSamples: options.maxSamples, minSamplesLeaf: 2, maxDepth: 32, seed: options.seed });
  const measures = features.map((f, i) => new FeatureMeasure(f, absentShare[i] as number));

  const main = new Float64Array(columns.length);
  const perTree: { tree: RegressionTree; table: Float64Array[]; total: number; mains: Float64Array }[] = [];
  for (const tree of trees) {
    // Each leaf's measure along every feature, computed once per tree.
    const table = tree.leaves.map((leaf) => leafMeasures(leaf, measures));
    const total = totalVariance(tree, table);
    const mains = new Float64Array(columns.length);
    if (total > 0) {
      for (let f = 0; f < columns.length; f++) {
        const marginal = mainMarginal(tree, table, measures, f);
        mains[f] = (measures[f] as FeatureMeasure).presentShare * weightedVariance(marginal.values, marginal.weights);
        main[f]! += (mains[f] as number) / total / trees.length;
      }
    }
    perTree.push({ tree, table, total, mains });
  }
  const importances = normalizeImportances(columns.map((c, i) => ({ name: c.name, value: main[i] as number })));

  // Interactions among the most important parameters.
  const among = importances.slice(0, options.interactionsAmong ?? 3).map((p) => columns.findIndex((c) => c.name === p.name));
  const interactions: ParamInteraction[] = [];
  for (let a = 0; a < among.length; a++) {
    for (let b = a + 1; b < among.length; b++) {
      const i = among[a] as number;
      const j = among[b] as number;
      let share = 0;
      for (const { tree, table, total } of perTree) if (total > 0) share += pairVariance(tree, table, measures, i, j) / total / trees.length;
      interactions.push({ params: [(columns[i] as { name: string }).name, (columns[j] as { name: string }).name], importance: Math.max(0, share) });
    }
  }
  interactions.sort((p, q) => q.importance - p.importance);
  return { importances, interactions };
}

/** The product measure's factor for one feature. */
class FeatureMeasure {
  readonly presentShare: number;
  constructor(
    readonly spec: FeatureSpec,
    readonly absentShare: number,
  ) {
    this.presentShare = 1 - absentShare;
  }

  /** Measure of a leaf's extent along this feature. */
  of(leaf: LeafRegion, f: number): number {
    if (this.spec.kind === 'numeric') {
      const lo = leaf.lo[f] as number;
      const hi = leaf.hi[f] as number;
      const atom = lo <= ABSENT_NUMERIC && ABSENT_NUMERIC < hi ? this.absentShare : 0;
      return atom + this.presentShare * Math.max(0, Math.min(hi, 1) - Math.max(lo, 0));
    }
    const codes = leaf.codes[f] as Uint8Array;
    const k = codes.length - 1;
    let m = codes[k] === 1 ? this.absentShare : 0;
    for (let c = 0; c < k; c++) if (codes[c] === 1) m += this.presentShare / k;
    return m;
  }
}

function leafMeasures(leaf: LeafRegion, measures: readonly FeatureMeasure[]): Float64Array {
  return Float64Array.from(measures, (m, f) => m.of(leaf, f));
}

/** Product of all but the excluded features' measures. */
function productExcept(ms: Float64Array, i: number, j = -1): number {
  let p = 1;
  for (let f = 0; f < ms.length; f++) if (f !== i && f !== j) p *= ms[f] as number;
  return p;
}

function totalVariance(tree: RegressionTree, table: readonly Float64Array[]): number {
  let mean = 0;
  const vols: number[] = [];
  for (const [k, leaf] of tree.leaves.entries()) {
    const vol = productExcept(table[k] as Float64Array, -1);
    vols.push(vol);
    mean += vol * leaf.value;
  }
  let v = 0;
  for (const [k, leaf] of tree.leaves.entries()) v += (vols[k] as number) * (leaf.value - mean) ** 2;
  return v;
}

function weightedVariance(values: Float64Array, weights: Float64Array): number {
  let w = 0;
  let m = 0;
  for (let k = 0; k < values.length; k++) {
    w += weights[k] as number;
    m += (weights[k] as number) * (values[k] as number);
  }
  if (w <= 0) return 0;
  m /= w;
  let v = 0;
  for (let k = 0; k < values.length; k++) v += (weights[k] as number) * ((values[k] as number) - m) ** 2;
  return v / w;
}

/**
 * The pieces of a feature's present domain: for a numeric feature the intervals between
 * its thresholds inside [0, 1], for a categorical one its choices. `cover(leaf)` gives the
 * runs of pieces a leaf spans, as [first, last] index pairs.
 */
interface Pieces {
  readonly weights: Float64Array;
  cover(leaf: LeafRegion): [number, number][];
}

function piecesOf(tree: RegressionTree, f: number, spec: FeatureSpec): Pieces {
  if (spec.kind === 'categorical') {
    const k = spec.codes - 1;
    return {
      weights: new Float64Array(k).fill(1 / k),
      cover(leaf) {
        const codes = leaf.codes[f] as Uint8Array;
        const runs: [number, number][] = [];
        for (let c = 0; c < k; c++) {
          if (codes[c] !== 1) continue;
          const last = runs[runs.length - 1];
          if (last !== undefined && last[1] === c - 1) last[1] = c;
          else runs.push([c, c]);
        }
        return runs;
      },
    };
  }
  const cuts = Array.from(tree.thresholds[f] as Float64Array).filter((t) => t > 0 && t < 1);
  const edges = [0, ...cuts, 1];
  const weights = Float64Array.from({ length: edges.length - 1 }, (_, k) => (edges[k + 1] as number) - (edges[k] as number));
  const lowerBound = (v: number): number => {
    let a = 0;
    let b = edges.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if ((edges[mid] as number) < v) a = mid + 1;
      else b = mid;
    }
    return a;
  };
  return {
    weights,
    cover(leaf) {
      const lo = Math.max(0, leaf.lo[f] as number);
      const hi = Math.min(1, leaf.hi[f] as number);
      if (!(hi > lo)) return [];
      // Leaf bounds inside (0, 1) are thresholds, hence edges.
      const first = lo <= 0 ? 0 : lowerBound(lo);
      const last = (hi >= 1 ? edges.length - 1 : lowerBound(hi)) - 1;
      return last >= first ? [[first, last]] : [];
    },
  };
}

/** A feature's marginal over its present pieces: f(piece) = Σ over leaves spanning it of value × measure elsewhere. */
function mainMarginal(tree: RegressionTree, table: readonly Float64Array[], measures: readonly FeatureMeasure[], f: number): { values: Float64Array; weights: Float64Array } {
  const pieces = piecesOf(tree, f, (measures[f] as FeatureMeasure).spec);
  const diff = new Float64Array(pieces.weights.length + 1);
  for (const [k, leaf] of tree.leaves.entries()) {
    const other = productExcept(table[k] as Float64Array, f);
    if (other === 0) continue;
    for (const [a, b] of pieces.cover(leaf)) {
      diff[a]! += leaf.value * other;
      diff[b + 1]! -= leaf.value * other;
    }
  }
  const values = new Float64Array(pieces.weights.length);
  let run = 0;
  for (let k = 0; k < values.length; k++) values[k] = run += diff[k] as number;
  return { values, weights: pieces.weights };
}

/**
 * The variance of the joint marginal of features i and j beyond their two main effects,
 * over their present domains, weighted by both presence shares.
 */
function pairVariance(tree: RegressionTree, table: readonly Float64Array[], measures: readonly FeatureMeasure[], i: number, j: number): number {
  const pi = piecesOf(tree, i, (measures[i] as FeatureMeasure).spec);
  const pj = piecesOf(tree, j, (measures[j] as FeatureMeasure).spec);
  const ni = pi.weights.length;
  const nj = pj.weights.length;
  const stride = nj + 1;
  const diff = new Float64Array((ni + 1) * stride);
  for (const [k, leaf] of tree.leaves.entries()) {
    const other = productExcept(table[k] as Float64Array, i, j);
    if (other === 0) continue;
    const w = leaf.value * other;
    const ci = pi.cover(leaf);
    const cj = pj.cover(leaf);
    for (const [a, b] of ci) {
      for (const [c, d] of cj) {
        diff[a * stride + c]! += w;
        diff[a * stride + d + 1]! -= w;
        diff[(b + 1) * stride + c]! -= w;
        diff[(b + 1) * stride + d + 1]! += w;
      }
    }
  }
  // 2-D prefix sums give the joint marginal on the grid of pieces.
  const joint = new Float64Array(ni * nj);
  for (let a = 0; a <= ni; a++) {
    for (let c = 0; c <= nj; c++) {
      const k = a * stride + c;
      diff[k] = (diff[k] as number) + (a > 0 ? (diff[k - stride] as number) : 0) + (c > 0 ? (diff[k - 1] as number) : 0) - (a > 0 && c > 0 ? (diff[k - stride - 1] as number) : 0);
      if (a < ni && c < nj) joint[a * nj + c] = diff[k] as number;
    }
  }
  const wi = pi.weights;
  const wj = pj.weights;
  let mean = 0;
  const fi = new Float64Array(ni);
  const fj = new Float64Array(nj);
  for (let a = 0; a < ni; a++) {
    for (let c = 0; c < nj; c++) {
      const v = joint[a * nj + c] as number;
      mean += (wi[a] as number) * (wj[c] as number) * v;
      fi[a]! += (wj[c] as number) * v;
      fj[c]! += (wi[a] as number) * v;
    }
  }
  let vJoint = 0;
  for (let a = 0; a < ni; a++) for (let c = 0; c < nj; c++) vJoint += (wi[a] as number) * (wj[c] as number) * ((joint[a * nj + c] as number) - mean) ** 2;
  const vPair = vJoint - weightedVariance(fi, wi) - weightedVariance(fj, wj);
  return (measures[i] as FeatureMeasure).presentShare * (measures[j] as FeatureMeasure).presentShare * Math.max(0, vPair);
}
