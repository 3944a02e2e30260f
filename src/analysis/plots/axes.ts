import { formatTick } from './format.js';

/** A plot axis: what it maps and where its ticks go. Renderers map values with `unitOf`. */
export interface Axis {
  readonly label: string;
  readonly scale: 'linear' | 'log' | 'category';
  /** Linear: [min, max] of values; log: [min, max] of positive values; category: [−0.5, n − 0.5] (indices at cell centres). */
  readonly domain: readonly [number, number];
  readonly ticks: readonly Tick[];
  /** Category axes: the labels, by index. */
  readonly categories?: readonly string[];
}

export interface Tick {
  readonly value: number;
  readonly label: string;
}

/** Where `value` falls on the axis, 0 at the domain's start and 1 at its end (not clipped). */
export function unitOf(axis: Axis, value: number): number {
  const [a, b] = axis.domain;
  if (axis.scale === 'category') return b > a ? (value - a) / (b - a) : 0.5;
  if (axis.scale === 'log') {
    const la = Math.log10(a);
    const lb = Math.log10(b);
    return lb > la ? (Math.log10(value) - la) / (lb - la) : 0.5;
  }
  return b > a ? (value - a) / (b - a) : 0.5;
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** A linear axis over the values, padded by `pad` of the span on each side (not past zero). */
export function linearAxis(label: string, values: Iterable<number>, pad = 0.04): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const span = hi - lo;
  // Padding stops at zero when no value crosses it (a latency, a size): no label names a value the quantity cannot take.
  const domain: [number, number] = [lo >= 0 ? Math.max(0, lo - pad * span) : lo - pad * span, hi <= 0 ? Math.min(0, hi + pad * span) : hi + pad * span];
  return { label, scale: 'linear', domain, ticks: niceTicks(domain[0], domain[1]).map((v) => ({ value: v, label: formatTick(v) })) };
}

/** A log axis (positive values), with a tick per power of ten (or 1-2-5 within one decade). */
export function logAxis(label: string, values: Iterable<number>): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) [lo, hi] = [1, 10];
  if (lo === hi) [lo, hi] = [lo / 2, hi * 2];
  const domain: [number, number] = [lo / (hi / lo) ** 0.04, hi * (hi / lo) ** 0.04];
  const ticks: Tick[] = [];
  for (let e = Math.floor(Math.log10(domain[0])); e <= Math.ceil(Math.log10(domain[1])); e++) {
    for (const m of Math.log10(domain[1] / domain[0]) < 1.5 ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v >= domain[0] && v <= domain[1]) ticks.push({ value: v, label: formatTick(v) });
    }
  }
  return { label, scale: 'log', domain, ticks };
}

/** A category axis with one tick per label. */
export function categoryAxis(label: string, categories: readonly string[]): Axis {
  return { label, scale: 'category', domain: [-0.5, Math.max(0, categories.length - 1) + 0.5], categories, ticks: categories.map((c, i) => ({ value: i, label: c })) };
}
