import type { Individual } from './population.js';
import { rankFronts } from './population.js';

/**
 * Crowding distance of each point of a front (NSGA-II): per objective, the gap between a
 * point's two neighbours in sorted order over the objective's finite range, summed over
 * objectives. The extremes of each objective get Infinity; an objective on which every
 * point agrees adds nothing; a gap between equal infinities is 0.
 */
export function crowdingDistances(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const distances = new Array<number>(n).fill(0);
  if (n === 0) return distances;
  const m = (points[0] as readonly number[]).length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < m; k++) {
    const value = (i: number): number => (points[i] as readonly number[])[k] as number;
    order.sort((a, b) => value(a) - value(b) || a - b);
    const first = value(order[0] as number);
    const last = value(order[n - 1] as number);
    if (first === last) continue;
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = value(i);
      if (Number.isFinite(v)) {
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    let width = high - low;
    if (!(width > 0) || !Number.isFinite(width)) width = 1;
    for (let j = 0; j < n; j++) {
      const below = j === 0 ? -Infinity : value(order[j - 1] as number);
      const above = j === n - 1 ? Infinity : value(order[j + 1] as number);
      const gap = below === above ? 0 : above - below;
      const i = order[j] as number;
      distances[i] = (distances[i] as number) + gap / width;
    }
  }
  return distances;
}

/**
 * NSGA-II survival: whole fronts, best first, while they fit; the front that does not fit
 * gives its least crowded members (largest crowding distance; ties to the lower trial
 * number).
 */
export function selectByCrowding(population: readonly Individual[], size: number): Individual[] {
  const elite: Individual[] = [];
  for (const front of rankFronts(population)) {
    if (elite.length + front.length <= size) {
      elite.push(...front);
      if (elite.length === size) break;
      continue;
    }
    const distances = crowdingDistances(front.map((p) => p.losses));
    const order = front.map((_, i) => i).sort((a, b) => (distances[b] as number) - (distances[a] as number) || (front[a] as Individual).trial.number - (front[b] as Individual).trial.number);
    for (const i of order.slice(0, size - elite.length)) elite.push(front[i] as Individual);
    break;
  }
  return elite;
}
