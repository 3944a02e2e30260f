import type { Direction, FrozenTrial } from '../../storage/records.js';
import type { SortOrder } from './types.js';
import { SORT_ORDERS } from './types.js';

/** The trial's objective value when it has a usable one. */
export function valueOf(trial: FrozenTrial): number | undefined {
  const v = trial.values?.[0];
  return v === undefined || Number.isNaN(v) ? undefined : v;
}

/** Seconds from start to completion (or to `now` while it runs); null when it never started. */
export function trialSeconds(trial: FrozenTrial, now: number): number | null {
  if (trial.datetimeStart === null) return null;
  const end = trial.datetimeComplete?.getTime() ?? (trial.state === 'RUNNING' ? now : null);
  return end === null ? null : Math.max(0, (end - trial.datetimeStart.getTime()) / 1000);
}

export function nextSortOrder(sort: SortOrder): SortOrder {
  return SORT_ORDERS[(SORT_ORDERS.indexOf(sort) + 1) % SORT_ORDERS.length] as SortOrder;
}

/** Finished trials (COMPLETE, PRUNED, FAIL) in the list's order. */
export function finishedInOrder(trials: readonly FrozenTrial[], sort: SortOrder, direction: Direction): FrozenTrial[] {
  const finished: FrozenTrial[] = [];
  for (const t of trials) if (t.state === 'COMPLETE' || t.state === 'PRUNED' || t.state === 'FAIL') finished.push(t);
  if (sort === 'number') return finished;
  // Sort keys computed once (a comparator that reads Dates and maps is several times slower
  // on 10,000 trials); ties go to the lower number, except in 'recent' (newest first).
  const n = finished.length;
  const primary = new Float64Array(n);
  const secondary = new Float64Array(n);
  const sign = direction === 'minimize' ? 1 : -1;
  for (let i = 0; i < n; i++) {
    const t = finished[i] as FrozenTrial;
    if (sort === 'recent') {
      primary[i] = -(t.datetimeComplete?.getTime() ?? 0);
      secondary[i] = -t.number;
    } else if (sort === 'duration') {
      primary[i] = -(trialSeconds(t, 0) ?? -1);
      secondary[i] = t.number;
    } else {
      // best: COMPLETE by value, then PRUNED by value, then FAIL; no value last in its group.
      const v = valueOf(t);
      const group = t.state === 'COMPLETE' ? 0 : t.state === 'PRUNED' ? 1 : 2;
      primary[i] = group * 2 + (v === undefined ? 1 : 0);
      secondary[i] = v === undefined ? t.number : sign * v;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (primary[a] as number) - (primary[b] as number) || (secondary[a] as number) - (secondary[b] as number) || (finished[a] as FrozenTrial).number - (finished[b] as FrozenTrial).number);
  return order.map((i) => finished[i] as FrozenTrial);
}

/** Running trials first (by number), then the finished ones in the list's order: what ↑/↓ walk. */
export function selectableTrials(trials: readonly FrozenTrial[], sort: SortOrder, direction: Direction): number[] {
  return [...trials.filter((t) => t.state === 'RUNNING').map((t) => t.number), ...finishedInOrder(trials, sort, direction).map((t) => t.number)];
}

/**
 * The selection after moving `delta` rows (negative: up) through the selectable trials;
 * from no selection, down picks the first and up the last. Stays put at the ends.
 */
export function moveSelection(trials: readonly FrozenTrial[], sort: SortOrder, direction: Direction, selected: number | null, delta: number): number | null {
  const order = selectableTrials(trials, sort, direction);
  if (order.length === 0) return null;
  const at = selected === null ? -1 : order.indexOf(selected);
  if (at < 0) return (delta >= 0 ? order[0] : order[order.length - 1]) as number;
  return order[Math.min(order.length - 1, Math.max(0, at + delta))] as number;
}
