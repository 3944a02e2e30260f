/**
 * The region a Pareto front leaves open below a reference point, cut into disjoint
 * axis-aligned boxes (loss form: every objective minimised). A new point's hypervolume
 * improvement is then the sum over boxes of the volume it dominates inside each,
 * Σₖ Πⱼ clamp(uₖⱼ − yⱼ, 0, uₖⱼ − lₖⱼ): what expected hypervolume improvement integrates.
 *
 * Built by slicing along the last objective, as the hypervolume of src/multi-objective
 * is: between consecutive last-coordinates the open region is the open region of the
 * points below, one objective down, times the slice. A box that the next slice repeats
 * is extended instead of duplicated, which keeps two objectives at n + 1 boxes and three
 * near O(n). Boxes are unbounded below (−∞) where no point limits them.
 */

export interface BoxDecomposition {
  readonly objectives: number;
  readonly count: number;
  /** Lower corners, count × objectives row-major; −Infinity where unbounded. */
  readonly lower: Float64Array;
  /** Upper corners, count × objectives row-major; finite, at most the reference. */
  readonly upper: Float64Array;
}

interface Box {
  readonly lower: number[];
  readonly upper: number[];
}

/**
 * Disjoint boxes covering { z ≤ reference : no point p of `points` has p ≤ z }. Points
 * not strictly below the reference in every objective are ignored; dominated ones and
 * repeats are harmless.
 */
export function nonDominatedBoxes(points: readonly (readonly number[])[], reference: readonly number[]): BoxDecomposition {
  const m = reference.length;
  if (m === 0) throw new RangeError('a box decomposition needs at least one objective');
  const inside = points.filter((p) => p.length === m && p.every((v, j) => v < (reference[j] as number)));
  const boxes = openBoxes(inside, m, reference);
  const lower = new Float64Array(boxes.length * m);
  const upper = new Float64Array(boxes.length * m);
  boxes.forEach((box, k) => {
    lower.set(box.lower, k * m);
    upper.set(box.upper, k * m);
  });
  return { objectives: m, count: boxes.length, lower, upper };
}

/** The open region of `points` in their first `k` objectives. */
function openBoxes(points: readonly (readonly number[])[], k: number, reference: readonly number[]): Box[] {
  if (points.length === 0) return [{ lower: new Array<number>(k).fill(-Infinity), upper: reference.slice(0, k) }];
  if (k === 1) return [{ lower: [-Infinity], upper: [Math.min(...points.map((p) => p[0] as number))] }];
  const last = k - 1;
  const sorted = [...points].sort((a, b) => (a[last] as number) - (b[last] as number));
  const out: { lower: number[]; upper: number[] }[] = [];
  // Boxes of the previous slice, by their extent in the first k − 1 objectives: extended when the next slice repeats them.
  let open = new Map<string, number>();
  const addSlice = (below: readonly (readonly number[])[], floor: number, ceiling: number): void => {
    const next = new Map<string, number>();
    for (const box of openBoxes(below, last, reference)) {
      const key = `${box.lower.join(',')}|${box.upper.join(',')}`;
      const previous = open.get(key);
      if (previous !== undefined) {
        (out[previous] as { upper: number[] }).upper[last] = ceiling;
        next.set(key, previous);
        continue;
      }
      next.set(key, out.length);
      out.push({ lower: [...box.lower, floor], upper: [...box.upper, ceiling] });
    }
    open = next;
  };
  addSlice([], -Infinity, sorted[0]?.[last] as number);
  for (let i = 0; i < sorted.length; i++) {
    const floor = (sorted[i] as readonly number[])[last] as number;
    const ceiling = i + 1 < sorted.length ? ((sorted[i + 1] as readonly number[])[last] as number) : (reference[last] as number);
    if (!(ceiling > floor)) continue;
    addSlice(frontOf(sorted.slice(0, i + 1), last), floor, ceiling);
  }
  return out;
}

/** The first `k` objectives of the points no other point weakly dominates there (one of each repeat kept). */
function frontOf(points: readonly (readonly number[])[], k: number): number[][] {
  const projected = points.map((p) => p.slice(0, k));
  const kept: number[][] = [];
  for (let i = 0; i < projected.length; i++) {
    const p = projected[i] as number[];
    let drop = false;
    for (let j = 0; j < projected.length && !drop; j++) {
      if (j === i) continue;
      const q = projected[j] as number[];
      let noWorse = true;
      let better = false;
      for (let t = 0; t < k && noWorse; t++) {
        if ((q[t] as number) > (p[t] as number)) noWorse = false;
        else if ((q[t] as number) < (p[t] as number)) better = true;
      }
      drop = noWorse && (better || j < i);
    }
    if (!drop) kept.push(p);
  }
  return kept;
}

/** Hypervolume gained by adding `point` to the front the boxes came from. */
export function hypervolumeImprovement(boxes: BoxDecomposition, point: readonly number[]): number {
  const m = boxes.objectives;
  let total = 0;
  for (let k = 0; k < boxes.count; k++) {
    let volume = 1;
    for (let j = 0; j < m && volume > 0; j++) {
      const u = boxes.upper[k * m + j] as number;
      const l = boxes.lower[k * m + j] as number;
      volume *= Math.min(u - l, Math.max(0, u - (point[j] as number)));
    }
    total += volume;
  }
  return total;
}

/**
 * The reference point Optuna's GP sampler uses: the worst loss of each objective moved
 * 10% of its magnitude outwards (max(1.1·w, 0.9·w)), then one ulp further, so that every
 * observed point lies strictly below it.
 */
export function referencePoint(losses: readonly (readonly number[])[]): number[] {
  const m = losses[0]?.length ?? 0;
  const out: number[] = [];
  for (let j = 0; j < m; j++) {
    const worst = Math.max(...losses.map((p) => p[j] as number));
    out.push(nextUp(Math.max(1.1 * worst, 0.9 * worst)));
  }
  return out;
}

/** The next double above x (finite x). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buffer = new Float64Array([x]);
  const bits = new BigInt64Array(buffer.buffer);
  bits[0] = (bits[0] as bigint) + (x > 0 ? 1n : -1n);
  return buffer[0] as number;
}
