import { formatTick } from '../../plots/format.js';
import { unitOf } from '../../plots/axes.js';
import type { ParallelPlot } from '../../plots/types.js';
import { INK, MUTED, scaleColor, valueColor } from './colors.js';
import type { Size } from './frame.js';
import { clip, colorBar, esc, n, shownNote, svgDocument } from './frame.js';

export function parallelSvg(plot: ParallelPlot, size: Size = { width: 1080, height: 440 }): string {
  const left = 50;
  const right = 110;
  const top = 56;
  const height = size.height - top - 60;
  const count = plot.axes.length;
  const gap = count > 1 ? (size.width - left - right) / (count - 1) : 0;
  const ax = (k: number) => left + k * gap;
  const ay = (u: number) => top + (1 - u) * height;
  // Worst lines first so the best are drawn on top.
  const sign = plot.direction === 'minimize' ? -1 : 1;
  const lines = [...plot.lines]
    .sort((a, b) => sign * (a.value - b.value))
    .map((l) => {
      let d = '';
      let pen = false;
      for (const [k, u] of l.coords.entries()) {
        if (u === null) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${n(ax(k))},${n(ay(u))}`;
        pen = true;
      }
      return `<path d="${d}" stroke="${valueColor(l.value, plot.valueRange, plot.direction)}"/>`;
    })
    .join('');
  const axes = plot.axes
    .map((axis, k) => {
      const x = ax(k);
      const ticks = (axis.scale === 'category' ? axis.ticks.slice(0, 12) : axis.ticks)
        .map((t) => {
          const u = unitOf(axis, t.value);
          if (u < -0.001 || u > 1.001) return '';
          return `<line x1="${n(x - 3)}" y1="${n(ay(u))}" x2="${n(x)}" y2="${n(ay(u))}" stroke="${INK}"/><text x="${n(x - 5)}" y="${n(ay(u) + 3)}" text-anchor="end" font-size="9" fill="${MUTED}" stroke="#fff" stroke-width="2.5" paint-order="stroke">${esc(clip(t.label, 9))}</text>`;
        })
        .join('');
      return `<line x1="${n(x)}" y1="${top}" x2="${n(x)}" y2="${n(top + height)}" stroke="${INK}" stroke-width="1.2"/>${ticks}<text x="${n(x)}" y="${n(top + height + 18)}" text-anchor="middle" font-size="11" font-weight="${k === 0 ? 'bold' : 'normal'}" fill="${INK}">${esc(clip(axis.label, 14))}</text>`;
    })
    .join('');
  const bar = colorBar(size.width - 80, top + 10, height - 20, plot.axes[0]?.label ?? 'value', plot.valueRange, (t) => scaleColor(plot.direction === 'minimize' ? t : 1 - t), formatTick);
  const body = `<g fill="none" stroke-width="1" stroke-opacity="0.45" data-series="lines">${lines}</g>${axes}${bar}`;
  return svgDocument('parallel', size, plot.title, body, shownNote(plot.shown, plot.total));
}

