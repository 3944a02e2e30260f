/**
 * Text charts: sparklines, proportional bars and the optimization-history chart, as
 * plain strings. Pure; the components only colour them.
 */

const BLOCKS = ' ▁▂▃▄▅▆▇█';
const EIGHTHS = ' ▏▎▍▌▋▊▉█';

/** One of ▁…█ for `value` on a [min, max] scale; every value gets at least ▁. */
export function sparkChar(value: number, min: number, max: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '█' : '▁';
  const span = max - min;
  const level = span > 0 && Number.isFinite(span) ? 1 + Math.round(((value - min) / span) * 7) : 4;
  return BLOCKS[Math.min(8, Math.max(1, level))] as string;
}

/** Finite min and max of the values (ignoring null, NaN and ±inf); undefined when none. */
export function range(values: Iterable<number | null | undefined>): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/**
 * Widths of consecutive bar segments for the given counts, summing to `width` when the
 * counts fill `total` (largest remainders get the spare cells). A non-zero count always
 * gets at least one cell when there is room.
 */
export function segmentWidths(counts: readonly number[], total: number, width: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const denominator = Math.max(total, sum);
  if (denominator <= 0 || width <= 0) return counts.map(() => 0);
  const filled = Math.round((sum / denominator) * width);
  const exact = counts.map((c) => (sum === 0 ? 0 : (c / sum) * filled));
  const widths = exact.map(Math.floor);
  let spare = filled - widths.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (spare <= 0) break;
    widths[i] = (widths[i] as number) + 1;
    spare--;
  }
  // A visible count never disappears: take a cell from the widest segment.
  for (let i = 0; i < counts.length; i++) {
    if ((counts[i] as number) > 0 && widths[i] === 0) {
      const widest = widths.indexOf(Math.max(...widths));
      if ((widths[widest] as number) > 1) {
        widths[widest] = (widths[widest] as number) - 1;
        widths[i] = 1;
      }
    }
  }
  return widths;
}

/** A horizontal bar of `fraction` (0..1) of `width` cells, with eighth-cell resolution. */
export function horizontalBar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return ('█'.repeat(full) + (rest > 0 ? EIGHTHS[rest] : '')).padEnd(width);
}

export interface HistoryChart {
  /** `height` lines of `width` characters, top first. */
  readonly lines: readonly string[];
  /** The values at the top and bottom of the y axis. */
  readonly top: number;
  readonly bottom: number;
  readonly log: boolean;
  /** A series that never changed is a flat line on this row (its value is `top` and `bottom`); else undefined. */
  readonly flatRow?: number | undefined;
}

/**
 * Best-so-far over trial number as a filled column chart: column c covers trial numbers
 * [c·n/width, (c+1)·n/width) and shows the best value reached by its end. `bestSoFar[i]`
 * is the best value among trials 0..i (undefined before the first complete one). A
 * positive series spanning more than 50× is drawn on a log scale; one that never changed,
 * as a flat line across the middle row.
 */
export function historyChart(bestSoFar: readonly (number | undefined)[], width: number, height: number): HistoryChart | undefined {
  const n = bestSoFar.length;
  if (n === 0 || width <= 0 || height <= 0) return undefined;
  // With fewer trials than columns, each trial gets the same number of columns.
  const cells = n < width ? Math.floor(width / n) * n : width;
  const values: (number | undefined)[] = [];
  for (let c = 0; c < cells; c++) values.push(bestSoFar[Math.min(n, Math.max(1, Math.ceil(((c + 1) * n) / cells))) - 1]);
  const span = range(values);
  if (span === undefined) return undefined;
  if (span.min === span.max) {
    const flatRow = Math.floor((height - 1) / 2);
    const line = values.map((v) => (v === undefined || !Number.isFinite(v) ? ' ' : '─')).join('').padEnd(width);
    return { lines: Array.from({ length: height }, (_, r) => (r === flatRow ? line : ' '.repeat(width))), top: span.max, bottom: span.min, log: false, flatRow };
  }
  const log = span.min > 0 && span.max / span.min > 50;
  const t = (v: number) => (log ? Math.log(v) : v);
  const lo = t(span.min);
  const hi = t(span.max);
  const levels = height * 8;
  const columns = values.map((v) => (v === undefined || !Number.isFinite(v) ? 0 : hi > lo ? 1 + Math.round(((t(v) - lo) / (hi - lo)) * (levels - 1)) : Math.ceil(levels / 2)));
  const lines: string[] = [];
  for (let r = 0; r < height; r++) {
    const base = (height - 1 - r) * 8;
    let line = '';
    for (const level of columns) line += level >= base + 8 ? '█' : level > base ? (BLOCKS[level - base] as string) : ' ';
    lines.push(line.padEnd(width));
  }
  return { lines, top: span.max, bottom: span.min, log };
}

/** Braille dot bits by [column][row] of a cell's 2×4 dots. */
const BRAILLE_BITS: readonly (readonly number[])[] = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

export interface ScatterCell {
  /** A braille character (U+2800 when empty). */
  readonly char: string;
  /** The highest `level` of the points in the cell; -1 when empty. */
  readonly level: number;
}

/**
 * Points on the unit square as braille dots: `width`×`height` cells of 2×4 dots each, x to
 * the right and y upwards. Each cell keeps the highest `level` of its points, so that the
 * caller can tone it by its most important point. Points outside [0, 1]² are clipped to
 * the edge. `height` rows, top first.
 */
export function brailleScatter(points: Iterable<{ readonly x: number; readonly y: number; readonly level: number }>, width: number, height: number): ScatterCell[][] {
  const bits = Array.from({ length: height }, () => new Array<number>(width).fill(0));
  const levels = Array.from({ length: height }, () => new Array<number>(width).fill(-1));
  if (width > 0 && height > 0) {
    for (const p of points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      const dx = Math.min(2 * width - 1, Math.max(0, Math.floor(p.x * 2 * width)));
      const dy = Math.min(4 * height - 1, Math.max(0, Math.floor((1 - p.y) * 4 * height)));
      const row = bits[dy >> 2] as number[];
      const c = dx >> 1;
      row[c] = (row[c] as number) | ((BRAILLE_BITS[dx & 1] as readonly number[])[dy & 3] as number);
      const lv = levels[dy >> 2] as number[];
      if (p.level > (lv[c] as number)) lv[c] = p.level;
    }
  }
  return bits.map((row, r) => row.map((b, c) => ({ char: String.fromCharCode(0x2800 + b), level: (levels[r] as number[])[c] as number })));
}
