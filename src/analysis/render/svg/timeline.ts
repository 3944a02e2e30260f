import type { TimelinePlot } from '../../plots/types.js';
import { INK, MUTED, STATE_COLORS } from './colors.js';
import { clip, esc, Frame, n, shownNote, svgDocument } from './frame.js';
import { categoryAxis } from '../../plots/axes.js';

/** One lane per slot/device; each trial a bar from its start to its end, colored by state. */
export function timelineSvg(plot: TimelinePlot, width = 1080): string {
  const laneH = Math.max(8, Math.min(26, 360 / Math.max(1, plot.lanes.length)));
  const height = 80 + plot.lanes.length * laneH + 20;
  const f = new Frame(130, 40, width - 150, plot.lanes.length * laneH, plot.x, categoryAxis('', []));
  const bars = plot.bars
    .map((b) => {
      const x0 = f.px(b.start);
      const x1 = Math.max(x0 + 0.8, f.px(b.end));
      const y = f.top + b.lane * laneH + 2;
      return `<rect x="${n(x0)}" y="${n(y)}" width="${n(x1 - x0)}" height="${n(laneH - 4)}" fill="${STATE_COLORS[b.state]}"><title>trial ${b.number}: ${b.state.toLowerCase()}</title></rect>`;
    })
    .join('');
  const labels = plot.lanes.map((l, i) => `<text x="${f.left - 8}" y="${n(f.top + i * laneH + laneH / 2 + 4)}" text-anchor="end" font-size="11" fill="${INK}">${esc(clip(l, 18))}</text>`).join('');
  const states = (['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING'] as const).filter((s) => plot.bars.some((b) => b.state === s));
  const legend = states.map((s, i) => `<rect x="${n(f.left + i * 100)}" y="${n(height - 22)}" width="12" height="10" fill="${STATE_COLORS[s]}"/><text x="${n(f.left + 16 + i * 100)}" y="${n(height - 13)}" font-size="11" fill="${MUTED}">${s.toLowerCase()}</text>`).join('');
  const body = f.axes({ yLabels: false, yTitle: false }) + `<g data-series="bars" fill-opacity="0.85">${bars}</g>` + labels + legend;
  return svgDocument('timeline', { width, height }, plot.title, body, shownNote(plot.shown, plot.total));
}
