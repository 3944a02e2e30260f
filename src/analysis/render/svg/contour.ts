import { formatTick } from '../../plots/format.js';
import type { ContourPlot } from '../../plots/types.js';
import { INK, scaleColor, valueColor } from './colors.js';
import type { Size } from './frame.js';
import { Frame, colorBar, n, shownNote, svgDocument } from './frame.js';

/** The smoothed objective as colored cells, the trials as white-ringed dots. */
export function contourSvg(plot: ContourPlot, size: Size = { width: 660, height: 540 }): string {
  const f = new Frame(80, 40, size.width - 190, size.height - 100, plot.x, plot.y);
  const bounds = (vs: readonly number[], px: (v: number) => number): [number, number][] =>
    vs.map((v, i) => {
      const c = px(v);
      const prev = i > 0 ? (px(vs[i - 1] as number) + c) / 2 : undefined;
      const next = i < vs.length - 1 ? (px(vs[i + 1] as number) + c) / 2 : undefined;
      const lo = prev ?? c - ((next ?? c + 10) - c);
      const hi = next ?? c + (c - (prev ?? c - 10));
      return [Math.min(lo, hi), Math.max(lo, hi)];
    });
  const bx = bounds(plot.xs, (v) => f.px(v));
  const by = bounds(plot.ys, (v) => f.py(v));
  const cells: string[] = [];
  for (const [j, [y0, y1]] of by.entries()) {
    for (const [i, [x0, x1]] of bx.entries()) {
      const v = plot.values[j * plot.xs.length + i] as number;
      if (!Number.isFinite(v)) continue;
      cells.push(`<rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0 + 0.4)}" height="${n(y1 - y0 + 0.4)}" fill="${valueColor(v, plot.valueRange, plot.direction)}"/>`);
    }
  }
  const dots = plot.points.map((p) => `<circle cx="${n(f.px(p.x))}" cy="${n(f.py(p.y))}" r="2.4"/>`).join('');
  const bar = colorBar(size.width - 90, f.top + 10, f.height - 20, 'value', plot.valueRange, (t) => scaleColor(plot.direction === 'minimize' ? t : 1 - t), formatTick);
  const body =
    `<clipPath id="contour-clip"><rect x="${n(f.left)}" y="${n(f.top)}" width="${n(f.width)}" height="${n(f.height)}"/></clipPath>` +
    `<g clip-path="url(#contour-clip)" data-series="surface">${cells.join('')}</g>` +
    f.axes() +
    `<g fill="#fff" fill-opacity="0.85" stroke="${INK}" stroke-width="0.6" data-series="trials">${dots}</g>` +
    bar;
  return svgDocument('contour', size, plot.title, body, shownNote(plot.shown, plot.total));
}
