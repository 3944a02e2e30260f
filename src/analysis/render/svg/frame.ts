import type { Axis } from '../../plots/axes.js';
import { unitOf } from '../../plots/axes.js';
import { GRID, INK, MUTED } from './colors.js';

/** The fonts every plot asks for; DejaVu Sans is what Debian machines (and resvg there) have. */
export const FONT = "'DejaVu Sans', Verdana, Arial, sans-serif";

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Text for SVG/HTML content and attributes. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number for an attribute: 2 decimals are enough at screen scale and keep files small. */
export function n(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** The rectangle a plot draws data into, and its axes. */
export class Frame {
  constructor(
    readonly left: number,
    readonly top: number,
    readonly width: number,
    readonly height: number,
    readonly x: Axis,
    readonly y: Axis,
  ) {}

  px(value: number): number {
    return this.left + unitOf(this.x, value) * this.width;
  }

  py(value: number): number {
    return this.top + (1 - unitOf(this.y, value)) * this.height;
  }

  /** Gridlines, ticks, tick labels and axis labels. */
  axes(options: { xLabels?: boolean; yLabels?: boolean; yTitle?: boolean } = {}): string {
    const parts: string[] = [];
    const bottom = this.top + this.height;
    for (const t of this.y.ticks) {
      const y = this.py(t.value);
      if (y < this.top - 0.5 || y > bottom + 0.5) continue;
      parts.push(`<line x1="${n(this.left)}" y1="${n(y)}" x2="${n(this.left + this.width)}" y2="${n(y)}" stroke="${GRID}"/>`);
      if (options.yLabels !== false) parts.push(`<text x="${n(this.left - 6)}" y="${n(y + 4)}" text-anchor="end" font-size="11" fill="${MUTED}">${esc(t.label)}</text>`);
    }
    const xTicks = this.x.ticks;
    const every = this.x.scale === 'category' ? Math.max(1, Math.ceil(xTicks.length / Math.max(1, Math.floor(this.width / 48)))) : 1;
    for (const [k, t] of xTicks.entries()) {
      const x = this.px(t.value);
      if (x < this.left - 0.5 || x > this.left + this.width + 0.5) continue;
      parts.push(`<line x1="${n(x)}" y1="${n(this.top)}" x2="${n(x)}" y2="${n(bottom)}" stroke="${GRID}"/>`);
      if (options.xLabels !== false && k % every === 0) parts.push(`<text x="${n(x)}" y="${n(bottom + 15)}" text-anchor="middle" font-size="11" fill="${MUTED}">${esc(clip(t.label, 10))}</text>`);
    }
    parts.push(`<rect x="${n(this.left)}" y="${n(this.top)}" width="${n(this.width)}" height="${n(this.height)}" fill="none" stroke="${INK}" stroke-width="1"/>`);
    if (options.xLabels !== false) parts.push(`<text x="${n(this.left + this.width / 2)}" y="${n(bottom + 32)}" text-anchor="middle" font-size="12" fill="${INK}">${esc(this.x.label)}</text>`);
    if (options.yTitle !== false) {
      const cx = this.left - 46;
      const cy = this.top + this.height / 2;
      parts.push(`<text x="${n(cx)}" y="${n(cy)}" text-anchor="middle" font-size="12" fill="${INK}" transform="rotate(-90 ${n(cx)} ${n(cy)})">${esc(this.y.label)}</text>`);
    }
    return parts.join('');
  }
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A whole SVG document: white background, the title, the body. `data-plot` names the
 * plot kind so that a report (and its tests) can find every plot.
 */
export function svgDocument(kind: string, size: Size, title: string, body: string, note?: string): string {
  const noteText = note === undefined ? '' : `<text x="${n(size.width - 10)}" y="20" text-anchor="end" font-size="11" fill="${MUTED}">${esc(note)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" data-plot="${esc(kind)}" font-family="${esc(FONT)}" role="img">` +
    `<title>${esc(title)}</title>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>` +
    `<text x="10" y="20" font-size="14" font-weight="bold" fill="${INK}">${esc(title)}</text>${noteText}` +
    body +
    `</svg>`
  );
}

/** "showing 2,000 of 10,000 trials" when a plot was thinned. */
export function shownNote(shown: number, total: number, what = 'trials'): string | undefined {
  return shown < total ? `showing ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${what}` : undefined;
}

/** A vertical color bar legend for value colors. */
export function colorBar(x: number, y: number, height: number, label: string, range: readonly [number, number], color: (t: number) => string, format: (v: number) => string): string {
  const steps = 24;
  const parts: string[] = [];
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    parts.push(`<rect x="${n(x)}" y="${n(y + (1 - (i + 1) / steps) * height)}" width="12" height="${n(height / steps + 0.5)}" fill="${color(t)}"/>`);
  }
  parts.push(`<rect x="${n(x)}" y="${n(y)}" width="12" height="${n(height)}" fill="none" stroke="${INK}" stroke-width="0.5"/>`);
  parts.push(`<text x="${n(x + 16)}" y="${n(y + 10)}" font-size="10" fill="${MUTED}">${esc(format(range[1]))}</text>`);
  parts.push(`<text x="${n(x + 16)}" y="${n(y + height)}" font-size="10" fill="${MUTED}">${esc(format(range[0]))}</text>`);
  parts.push(`<text x="${n(x + 6)}" y="${n(y - 6)}" text-anchor="middle" font-size="10" fill="${MUTED}">${esc(clip(label, 14))}</text>`);
  return parts.join('');
}
