import type { Rng } from '../rng.js';
import type { Individual } from './population.js';
import { rankFronts } from './population.js';

/**
 * Das–Dennis reference points: every vector of `objectives` non-negative multiples of
 * 1/divisions that sums to 1 (C(divisions + objectives − 1, objectives − 1) points), in
 * lexicographic order, spread evenly over the unit simplex.
 */
export function dasDennisPoints(objectives: number, divisions: number): number[][] {
  const out: number[][] = [];
  const current = new Array<number>(objectives).fill(0);
  const fill = (axis: number, left: number): void => {
    if (axis === objectives - 1) {
      current[axis] = left / divisions;
      out.push([...current]);
      return;
    }
    for (let k = left; k >= 0; k--) {
      current[axis] = k / divisions;
      fill(axis + 1, left - k);
    }
  };
  if (objectives > 0) fill(0, divisions);
  return out;
}

/** Spread of the finite values clipped to: three times their range beyond either end. */
const INFINITY_MARGIN = 3;

/**
 * Losses made comparable across objectives (NSGA-III normalisation): infinities clipped
 * to a margin beyond the finite range, the ideal point (each objective's minimum)
 * subtracted, and each objective divided by the intercept of the hyperplane through the
 * extreme points (found with the achievement scalarising function). When the extreme
 * points are degenerate, each objective's maximum is the intercept instead.
 */
export function normalizeLosses(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  if (n === 0) return [];
  const m = (points[0] as readonly number[]).length;
  const rows = points.map((p) => [...p]);
  for (let k = 0; k < m; k++) {
    let low = Infinity;
    let high = -Infinity;
    for (const row of rows) {
      const v = row[k] as number;
      if (Number.isFinite(v)) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
    if (low > high) {
      // No finite value: the objective tells these points apart by nothing usable.
      for (const row of rows) row[k] = 0;
      continue;
    }
    const margin = INFINITY_MARGIN * (high - low);
    for (const row of rows) row[k] = Math.min(high + margin, Math.max(low - margin, row[k] as number));
    let min = Infinity;
    for (const row of rows) min = Math.min(min, row[k] as number);
    for (const row of rows) row[k] = (row[k] as number) - min;
  }
  const scale = interceptInverses(rows, m);
  for (const row of rows) for (let k = 0; k < m; k++) row[k] = (row[k] as number) * (scale[k] as number);
  return rows;
}

/** Off-axis weight of the achievement scalarising function used to find extreme points. */
const ASF_OFF_AXIS_WEIGHT = 1e6;

function interceptInverses(rows: readonly number[][], m: number): number[] {
  const extremes: number[][] = [];
  for (let axis = 0; axis < m; axis++) {
    let best = 0;
    let bestAsf = Infinity;
    rows.forEach((row, i) => {
      let asf = -Infinity;
      for (let k = 0; k < m; k++) asf = Math.max(asf, (row[k] as number) * (k === axis ? 1 : ASF_OFF_AXIS_WEIGHT));
      if (asf < bestAsf) {
        bestAsf = asf;
        best = i;
      }
    });
    extremes.push([...(rows[best] as number[])]);
  }
  const solved = solveLinear(extremes, new Array<number>(m).fill(1));
  if (solved !== null && solved.every((x) => Number.isFinite(x) && x > 0)) return solved;
  return Array.from({ length: m }, (_, k) => {
    let max = 0;
    for (const row of rows) max = Math.max(max, row[k] as number);
    return max > 0 ? 1 / max : 1;
  });
}

/** Solve A·x = b by Gaussian elimination with partial pivoting; null when A is (nearly) singular. */
export function solveLinear(matrix: readonly (readonly number[])[], rhs: readonly number[]): number[] | null {
  const m = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i] as number]);
  let scale = 0;
  for (const row of matrix) for (const v of row) scale = Math.max(scale, Math.abs(v));
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs((a[r] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number)) pivot = r;
    if (Math.abs((a[pivot] as number[])[col] as number) <= 1e-12 * scale) return null;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const p = a[col] as number[];
    for (let r = col + 1; r < m; r++) {
      const row = a[r] as number[];
      const f = (row[col] as number) / (p[col] as number);
      if (f === 0) continue;
      for (let c = col; c <= m; c++) row[c] = (row[c] as number) - f * (p[c] as number);
    }
  }
  const x = new Array<number>(m).fill(0);
  for (let r = m - 1; r >= 0; r--) {
    const row = a[r] as number[];
    let s = row[m] as number;
    for (let c = r + 1; c < m; c++) s -= (row[c] as number) * (x[c] as number);
    x[r] = s / (row[r] as number);
  }
  return x;
}

/** Each point's nearest reference line (through the origin and a reference point) and its perpendicular distance to it. */
export function associate(points: readonly (readonly number[])[], references: readonly (readonly number[])[]): { nearest: number[]; distance: number[] } {
  const norms = references.map((r) => r.reduce((s, v) => s + v * v, 0));
  const nearest: number[] = [];
  const distance: number[] = [];
  for (const p of points) {
    const pp = p.reduce((s, v) => s + v * v, 0);
    let best = 0;
    let bestD = Infinity;
    references.forEach((r, j) => {
      let dot = 0;
      for (let k = 0; k < r.length; k++) dot += (p[k] as number) * (r[k] as number);
      // |p − proj_r p|² = |p|² − (p·r)²/|r|²
      const d = Math.sqrt(Math.max(0, pp - (dot * dot) / (norms[j] as number)));
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    });
    nearest.push(best);
    distance.push(bestD);
  }
  return { nearest, distance };
}

/**
 * NSGA-III niching: pick `count` members of the borderline front so that reference
 * directions with the fewest members already chosen get one next. Among those least
 * crowded directions one is drawn at random; an empty one takes its nearest candidate,
 * one that already has members a random candidate. `nearest`/`distance` cover the
 * chosen members first (`chosen` of them), then the borderline front.
 */
export function nichePreserve(count: number, chosen: number, nearest: readonly number[], distance: readonly number[], references: number, rng: Rng): number[] {
  const nicheCount = new Array<number>(references).fill(0);
  for (let i = 0; i < chosen; i++) nicheCount[nearest[i] as number]! += 1;
  const candidates: number[][] = Array.from({ length: references }, () => []);
  for (let i = chosen; i < nearest.length; i++) (candidates[nearest[i] as number] as number[]).push(i - chosen);
  const picked: number[] = [];
  while (picked.length < count) {
    let least = Infinity;
    for (let j = 0; j < references; j++) if ((candidates[j] as number[]).length > 0) least = Math.min(least, nicheCount[j] as number);
    if (least === Infinity) break;
    const open: number[] = [];
    for (let j = 0; j < references; j++) if ((candidates[j] as number[]).length > 0 && nicheCount[j] === least) open.push(j);
    const j = open[rng.int(open.length)] as number;
    const pool = candidates[j] as number[];
    let at: number;
    if (least === 0) {
      at = 0;
      for (let c = 1; c < pool.length; c++) if ((distance[chosen + (pool[c] as number)] as number) < (distance[chosen + (pool[at] as number)] as number)) at = c;
    } else {
      at = rng.int(pool.length);
    }
    picked.push(pool[at] as number);
    pool.splice(at, 1);
    nicheCount[j]! += 1;
  }
  return picked;
}

/**
 * NSGA-III survival: whole fronts, best first, while they fit; the front that does not fit
 * is niched against the reference directions over the normalised losses of everything
 * chosen so far and that front.
 */
export function selectByReferencePoints(population: readonly Individual[], size: number, references: readonly (readonly number[])[], rng: Rng): Individual[] {
  const elite: Individual[] = [];
  for (const front of rankFronts(population)) {
    if (elite.length + front.length <= size) {
      elite.push(...front);
      if (elite.length === size) break;
      continue;
    }
    const normalized = normalizeLosses([...elite, ...front].map((p) => p.losses));
    const { nearest, distance } = associate(normalized, references);
    for (const i of nichePreserve(size - elite.length, elite.length, nearest, distance, references.length, rng)) elite.push(front[i] as Individual);
    break;
  }
  return elite;
}
