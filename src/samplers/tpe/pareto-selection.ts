/**
 * The good set of multi-objective TPE (MOTPE, Ozaki et al. 2020/2022) as Optuna chooses it:
 * fill it front by front in non-domination order; when the next front does not fit whole,
 * take the part of it that keeps the most hypervolume (greedy hypervolume subset
 * selection). Then each good point is weighted by its share of the good set's
 * hypervolume. Every point here is a loss vector (minimised in each objective).
 *
 * Two objectives, the common case, get exact O(n log n) sweeps; more objectives fall back
 * on `src/multi-objective` (quadratic non-dominated sort, exact hypervolume).
 */
import { nonDominatedRanks } from '../../multi-objective/dominance.js';
import { hypervolume, hypervolumeContributions } from '../../multi-objective/hypervolume.js';

/** Stand-in for a zero coordinate of the reference point, and the smallest weight. */
export const EPS = 1e-12;

type Point = Float64Array | readonly number[];

/**
 * Optuna's reference point: each objective's worst value moved 10% further out
 * (max(1.1 w, 0.9 w)), a zero replaced by EPS so that the point stays outside.
 */
export function referencePoint(points: readonly Point[]): number[] {
  const m = (points[0] as Point).length;
  const out: number[] = [];
  for (let k = 0; k < m; k++) {
    let worst = -Infinity;
    for (const p of points) worst = Math.max(worst, p[k] as number);
    const ref = Math.max(1.1 * worst, 0.9 * worst);
    out.push(ref === 0 ? EPS : ref);
  }
  return out;
}

/**
 * Non-domination rank of each point (0: Pareto front). `lexOrder`, when given, is the
 * points' indices in lexicographic order (a caller that keeps it sorted saves the sort).
 */
export function paretoRanks(points: readonly Point[], lexOrder?: readonly number[]): Int32Array {
  if (points.length === 0) return new Int32Array(0);
  if ((points[0] as Point).length !== 2) return Int32Array.from(nonDominatedRanks(points.map((p) => Array.from(p))));
  return paretoRanks2d(points, lexOrder ?? lexicographicOrder(points));
}

/** Indices in lexicographic order of their points (ties by index). */
export function lexicographicOrder(points: readonly Point[]): number[] {
  return points.map((_, i) => i).sort((a, b) => compareLex(points[a] as Point, points[b] as Point) || a - b);
}

export function compareLex(a: Point, b: Point): number {
  for (let k = 0; k < a.length; k++) {
    const x = a[k] as number;
    const y = b[k] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Two objectives: visit the points by (f1, f2); the last point put in each front has that
 * front's smallest f2, and those smallest values grow from front to front, so the first
 * front whose last point does not dominate the new one is found by bisection.
 */
function paretoRanks2d(points: readonly Point[], order: readonly number[]): Int32Array {
  const ranks = new Int32Array(points.length);
  const lastF1: number[] = [];
  const lastF2: number[] = [];
  for (const i of order) {
    const p = points[i] as Point;
    const f1 = p[0] as number;
    const f2 = p[1] as number;
    let lo = 0;
    let hi = lastF1.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const g2 = lastF2[mid] as number;
      // Visited earlier, so its f1 ≤ f1: it dominates unless it is no better in f2 or equal.
      const dominated = g2 < f2 || (g2 === f2 && (lastF1[mid] as number) < f1);
      if (dominated) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = lo;
    lastF1[lo] = f1;
    lastF2[lo] = f2;
  }
  return ranks;
}

/**
 * The indices of the `size` good points: whole fronts while they fit, then the part of
 * the next front chosen by `selectByHypervolume` (reference point from that front alone).
 * `ranks` as `paretoRanks` gives them. The result is in increasing index order.
 */
export function selectGood(points: readonly Point[], ranks: Int32Array, size: number): number[] {
  const n = points.length;
  if (size <= 0) return [];
  if (size >= n) return points.map((_, i) => i);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) counts[ranks[i] as number] = (counts[ranks[i] as number] ?? 0) + 1;
  let whole = 0;
  let taken = 0;
  while (whole < counts.length && taken + (counts[whole] as number) <= size) taken += counts[whole++] as number;
  const chosen = new Uint8Array(n);
  const tie: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = ranks[i] as number;
    if (r < whole) chosen[i] = 1;
    else if (r === whole) tie.push(i);
  }
  if (taken < size) {
    const tiePoints = tie.map((i) => points[i] as Point);
    for (const j of selectByHypervolume(tiePoints, size - taken, referencePoint(tiePoints))) chosen[tie[j] as number] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (chosen[i] === 1) out.push(i);
  return out;
}

/**
 * Greedy hypervolume subset selection (a 1 − 1/e approximation; Guerreiro et al. 2016):
 * `size` of the mutually non-dominated `points`, each pick the one adding the most
 * hypervolume. Equal points count once: when there are fewer distinct points than `size`,
 * every distinct point is taken and the rest are the first repeats. With a non-finite
 * reference point, the first distinct points in lexicographic order. Returns indices.
 */
export function selectByHypervolume(points: readonly Point[], size: number, reference: readonly number[]): number[] {
  if (size >= points.length) return points.map((_, i) => i);
  const order = lexicographicOrder(points);
  const distinct: number[] = [];
  const repeats: number[] = [];
  for (const i of order) {
    const previous = distinct[distinct.length - 1];
    if (previous !== undefined && compareLex(points[previous] as Point, points[i] as Point) === 0) repeats.push(i);
    else distinct.push(i);
  }
  if (distinct.length <= size) return [...distinct, ...repeats.sort((a, b) => a - b).slice(0, size - distinct.length)];
  if (!reference.every(Number.isFinite)) return distinct.slice(0, size);
  return reference.length === 2 ? greedy2d(points, distinct, size, reference) : greedyAnyDimension(points, distinct, size, reference);
}

/**
 * Two objectives, `sorted` distinct and in lexicographic order (so f2 falls as f1 grows):
 * a candidate's gain is the box from it to the nearest chosen points on either side (or
 * the reference), kept as one corner per candidate and shrunk after each pick.
 */
function greedy2d(points: readonly Point[], sorted: readonly number[], size: number, reference: readonly number[]): number[] {
  const n = sorted.length;
  const cornerX = new Float64Array(n).fill(reference[0] as number);
  const cornerY = new Float64Array(n).fill(reference[1] as number);
  const taken = new Uint8Array(n);
  const out: number[] = [];
  for (let pick = 0; pick < size; pick++) {
    let best = -1;
    let bestGain = -Infinity;
    for (let j = 0; j < n; j++) {
      if (taken[j] === 1) continue;
      const p = points[sorted[j] as number] as Point;
      const gain = ((cornerX[j] as number) - (p[0] as number)) * ((cornerY[j] as number) - (p[1] as number));
      if (gain > bestGain) {
        bestGain = gain;
        best = j;
      }
    }
    taken[best] = 1;
    const q = points[sorted[best] as number] as Point;
    out.push(sorted[best] as number);
    for (let j = 0; j < best; j++) cornerX[j] = Math.min(cornerX[j] as number, q[0] as number);
    for (let j = best + 1; j < n; j++) cornerY[j] = Math.min(cornerY[j] as number, q[1] as number);
  }
  return out;
}

/** Three or more objectives: each pick recomputes every candidate's gain with the exact hypervolume. */
function greedyAnyDimension(points: readonly Point[], distinct: readonly number[], size: number, reference: readonly number[]): number[] {
  const chosen: number[][] = [];
  const out: number[] = [];
  const left = [...distinct];
  for (let pick = 0; pick < size; pick++) {
    let best = 0;
    let bestVolume = -Infinity;
    left.forEach((i, k) => {
      const volume = hypervolume([...chosen, Array.from(points[i] as Point)], reference);
      if (volume > bestVolume) {
        bestVolume = volume;
        best = k;
      }
    });
    const [i] = left.splice(best, 1) as [number];
    chosen.push(Array.from(points[i] as Point));
    out.push(i);
  }
  return out;
}

/**
 * MOTPE's weights of the good points (the rule Optuna applied until its 5.0 development
 * line made them uniform): each point's exclusive hypervolume contribution over the
 * largest one, floored at EPS, the reference point from the good points themselves. Points
 * off the good set's Pareto front (`onFront` false) and repeats contribute nothing and get
 * EPS. One point, or an unbounded hypervolume: all 1.
 */
export function contributionWeights(points: readonly Point[], onFront: (i: number) => boolean): Float64Array {
  const n = points.length;
  const weights = new Float64Array(n).fill(1);
  if (n <= 1) return weights;
  const reference = referencePoint(points);
  const front: number[] = [];
  for (let i = 0; i < n; i++) if (onFront(i)) front.push(i);
  const contributions = (points[0] as Point).length === 2 ? contributions2d(points, front, reference) : contributionsAnyDimension(points, front, reference);
  if (contributions === null) return weights;
  let largest = 0;
  for (const c of contributions) largest = Math.max(largest, c);
  weights.fill(EPS);
  front.forEach((i, k) => (weights[i] = Math.max((contributions[k] as number) / Math.max(largest, EPS), EPS)));
  return weights;
}

/** Exclusive contributions of mutually non-dominated 2-D points, null when the hypervolume is infinite. */
function contributions2d(points: readonly Point[], front: readonly number[], reference: readonly number[]): number[] | null {
  const frontPoints = front.map((i) => points[i] as Point);
  const order = lexicographicOrder(frontPoints);
  const out = new Array<number>(front.length).fill(0);
  let total = 0;
  for (let k = 0; k < order.length; k++) {
    const j = order[k] as number;
    const p = frontPoints[j] as Point;
    const next = order[k + 1];
    const previous = order[k - 1];
    const nextPoint = next === undefined ? undefined : (frontPoints[next] as Point);
    const previousPoint = previous === undefined ? undefined : (frontPoints[previous] as Point);
    const right = nextPoint === undefined ? (reference[0] as number) : (nextPoint[0] as number);
    const top = previousPoint === undefined ? (reference[1] as number) : (previousPoint[1] as number);
    total += ((reference[0] as number) - (p[0] as number)) * (top - (p[1] as number));
    // An equal neighbour leaves the point nothing of its own.
    const repeated = (nextPoint !== undefined && compareLex(nextPoint, p) === 0) || (previousPoint !== undefined && compareLex(previousPoint, p) === 0);
    out[j] = repeated ? 0 : (right - (p[0] as number)) * (top - (p[1] as number));
  }
  return Number.isFinite(total) ? out : null;
}

function contributionsAnyDimension(points: readonly Point[], front: readonly number[], reference: readonly number[]): number[] | null {
  const frontPoints = front.map((i) => Array.from(points[i] as Point));
  if (!Number.isFinite(hypervolume(frontPoints, reference))) return null;
  return hypervolumeContributions(frontPoints, reference);
}
