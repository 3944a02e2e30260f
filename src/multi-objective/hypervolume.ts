import { dominates } from './dominance.js';

/**
 * Exact hypervolume of a set of loss vectors (minimised in every objective) with respect
 * to a reference point: the measure of the region each point dominates up to the
 * reference, united. Points not strictly better than the reference in every objective
 * add nothing. Two objectives: one sweep after a sort; three: a sweep along the third
 * objective that keeps the 2-D staircase of the points passed (O(n²)); more: slicing
 * along the last objective (HSO), each slice an exact hypervolume one dimension down.
 * Exact and deterministic.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const inside = points.filter((p) => p.every((v, i) => v < (reference[i] as number)));
  if (inside.length === 0) return 0;
  // The 3-D sweep drops dominated points itself (nonDominated would be its costliest part).
  if (reference.length === 3) return volume3d(inside, reference);
  return volume(nonDominated(inside), reference);
}

function nonDominated(points: readonly (readonly number[])[]): (readonly number[])[] {
  const kept: (readonly number[])[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as readonly number[];
    let drop = false;
    for (let j = 0; j < points.length && !drop; j++) {
      if (j === i) continue;
      const q = points[j] as readonly number[];
      // Of identical points, keep the first.
      drop = dominates(q, p) || (j < i && q.every((v, k) => v === p[k]));
    }
    if (!drop) kept.push(p);
  }
  return kept;
}

function volume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const m = reference.length;
  if (points.length === 0) return 0;
  if (m === 1) return (reference[0] as number) - Math.min(...points.map((p) => p[0] as number));
  if (m === 2) return volume2d(points, reference);
  if (m === 3) return volume3d(points, reference);
  // Slice along the last objective: between consecutive last-coordinates, the points at
  // or below a slice's floor cover the same (m−1)-dimensional region.
  const last = m - 1;
  const sorted = [...points].sort((a, b) => (a[last] as number) - (b[last] as number));
  const below = reference.slice(0, last);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const floor = (sorted[i] as readonly number[])[last] as number;
    const ceiling = i + 1 < sorted.length ? ((sorted[i + 1] as readonly number[])[last] as number) : (reference[last] as number);
    if (ceiling <= floor) continue;
    const projected = sorted.slice(0, i + 1).map((p) => p.slice(0, last));
    // The 3-D sweep drops dominated points itself.
    const slice = last === 3 ? volume3d(projected, below) : volume(nonDominated(projected), below);
    total += slice * (ceiling - floor);
  }
  return total;
}

/**
 * Three objectives: visit the points by increasing f3; between one point's f3 and the
 * next, the region covered is the 2-D one of the points visited so far, kept as a
 * staircase (f1 increasing, f2 decreasing; weakly dominated points dropped) whose area is
 * updated by what each inserted point adds.
 */
function volume3d(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const rx = reference[0] as number;
  const ry = reference[1] as number;
  const rz = reference[2] as number;
  const sorted = [...points].sort((a, b) => (a[2] as number) - (b[2] as number));
  const xs: number[] = [];
  const ys: number[] = [];
  let area = 0;
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i] as readonly number[];
    const x = p[0] as number;
    const y = p[1] as number;
    // The first staircase point with f1 > x; the one before it (f1 ≤ x) has the smallest f2 of those.
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((xs[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    const dominated = lo > 0 && (ys[lo - 1] as number) <= y;
    if (!dominated) {
      // The points p covers (f1 ≥ x, f2 ≥ y) are those from `lo` on while their f2 ≥ y.
      let end = lo;
      while (end < xs.length && (ys[end] as number) >= y) end++;
      // Area p adds: the box from p to the reference, less what the staircase already covers there.
      const ceiling = lo > 0 ? (ys[lo - 1] as number) : ry;
      let covered = 0;
      let prevY = ceiling;
      for (let k = lo; k < end; k++) {
        covered += (rx - (xs[k] as number)) * (prevY - (ys[k] as number));
        prevY = ys[k] as number;
      }
      // From the last removed point down to y, the next kept point (if any) covers from its f1.
      const rightX = end < xs.length ? (xs[end] as number) : rx;
      area += (rx - x) * (ceiling - y) - covered - (rx - rightX) * (prevY - y);
      xs.splice(lo, end - lo, x);
      ys.splice(lo, end - lo, y);
    }
    const next = i + 1 < sorted.length ? ((sorted[i + 1] as readonly number[])[2] as number) : rz;
    total += area * (next - (p[2] as number));
  }
  return total;
}

function volume2d(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const sorted = [...points].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let total = 0;
  let ceiling = reference[1] as number;
  for (const p of sorted) {
    const y = p[1] as number;
    if (y >= ceiling) continue;
    total += ((reference[0] as number) - (p[0] as number)) * (ceiling - y);
    ceiling = y;
  }
  return total;
}

/**
 * Each point's exclusive hypervolume contribution: what the set loses without it.
 * Dominated points contribute 0.
 */
export function hypervolumeContributions(points: readonly (readonly number[])[], reference: readonly number[]): number[] {
  const total = hypervolume(points, reference);
  return points.map((_, i) => Math.max(0, total - hypervolume(points.filter((__, j) => j !== i), reference)));
}
