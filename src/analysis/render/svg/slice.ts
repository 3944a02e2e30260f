import type { SlicePlot } from '../../plots/types.js';
import { scaleColor } from './colors.js';
import type { Size } from './frame.js';
import { Frame, n, shownNote, svgDocument } from './frame.js';

/** Panels per row. */
const COLUMNS = 3;

/** One panel per parameter, three to a row; points colored by trial number (dark = early). */
export function sliceSvg(plot: SlicePlot, width = 1080): string {
  const panelW = width / COLUMNS;
  const panelH = 230;
  const rows = Math.max(1, Math.ceil(plot.panels.length / COLUMNS));
  const size: Size = { width, height: 40 + rows * panelH };
  const [first, last] = plot.numberRange;
  const body = plot.panels
    .map((panel, k) => {
      const col = k % COLUMNS;
      const row = Math.floor(k / COLUMNS);
      const f = new Frame(col * panelW + 64, 40 + row * panelH + 10, panelW - 80, panelH - 60, panel.x, plot.y);
      const jitter = panel.x.scale === 'category' ? 0.15 : 0;
      const dots = panel.points
        .map((p) => {
          const dx = jitter === 0 ? 0 : (((p.number * 2654435761) % 1000) / 1000 - 0.5) * 2 * jitter;
          return `<circle cx="${n(f.px(p.x + dx))}" cy="${n(f.py(p.y))}" r="2.3" fill="${scaleColor(last > first ? (p.number - first) / (last - first) : 0.5)}"/>`;
        })
        .join('');
      return `<g data-param="${panel.param.replace(/"/g, '&quot;')}">${f.axes({ yTitle: col === 0 })}<g fill-opacity="0.6">${dots}</g></g>`;
    })
    .join('');
  return svgDocument('slice', size, plot.title, body, shownNote(plot.shown, plot.total));
}
