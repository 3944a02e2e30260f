import type { Direction } from '../storage/records.js';

/**
 * Pareto dominance over objective vectors in minimising form ("losses"): a maximised
 * objective is negated first, so every comparison below is "lower is better".
 */

/** A trial's values as losses: maximised objectives negated. */
export function toLosses(values: readonly number[], directions: readonly Direction[]): number[] {
  return values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/** `a` is no worse than `b` in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * Non-domination rank of every point (0: the Pareto front, 1: the front once rank 0 is
 * removed, …), the fast non-dominated sort of NSGA-II. Points equal in every objective
 * share a rank. O(m·n²), enough for the few hundred trials a study holds.
 */
export function nonDominatedRanks(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = points[i] as readonly number[];
      const b = points[j] as readonly number[];
      if (dominates(a, b)) {
        (dominating[i] as number[]).push(j);
        dominatedBy[j] = (dominatedBy[j] as number) + 1;
      } else if (dominates(b, a)) {
        (dominating[j] as number[]).push(i);
        dominatedBy[i] = (dominatedBy[i] as number) + 1;
      }
    }
  }
  const ranks = new Array<number>(n).fill(-1);
  let front = dominatedBy.flatMap((d, i) => (d === 0 ? [i] : []));
  for (let rank = 0; front.length > 0; rank++) {
    const next: number[] = [];
    for (const i of front) {
      ranks[i] = rank;
      for (const j of dominating[i] as number[]) {
        dominatedBy[j] = (dominatedBy[j] as number) - 1;
        if (dominatedBy[j] === 0) next.push(j);
      }
    }
    front = next;
  }
  return ranks;
}

/** Indices of the points no other point dominates. */
export function paretoFrontIndices(points: readonly (readonly number[])[]): number[] {
  const ranks = nonDominatedRanks(points);
  return ranks.flatMap((r, i) => (r === 0 ? [i] : []));
}
