import type { TrialState } from '../../../storage/records.js';

/** Viridis, sampled at 9 stops: perceptually even and readable in grey. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** A color on the scale, t in [0, 1] (clipped). */
export function scaleColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i] as readonly [number, number, number];
  const b = STOPS[i + 1] as readonly [number, number, number];
  const c = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${c(0)},${c(1)},${c(2)})`;
}

/**
 * A value's color: the best end of the range is the scale's dark end for either direction,
 * so "dark is good" reads the same in every plot.
 */
export function valueColor(value: number, range: readonly [number, number], direction: 'minimize' | 'maximize'): string {
  const [lo, hi] = range;
  const t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
  return scaleColor(direction === 'minimize' ? t : 1 - t);
}

export const STATE_COLORS: Readonly<Record<TrialState, string>> = {
  COMPLETE: '#1f77b4',
  PRUNED: '#ff7f0e',
  FAIL: '#d62728',
  RUNNING: '#2ca02c',
  WAITING: '#7f7f7f',
};

export const INK = '#222';
export const GRID = '#e4e4e4';
export const ACCENT = '#d62728';
export const MUTED = '#6b6b6b';
