import type { ImportancePlot } from '../../plots/types.js';
import { INK, MUTED, STATE_COLORS } from './colors.js';
import { clip, esc, n, svgDocument } from './frame.js';

/** Horizontal bars, most important on top, with the share printed. */
export function importanceSvg(plot: ImportancePlot, width = 560): string {
  const rowH = 24;
  const top = 40;
  const labelW = 170;
  const barMax = width - labelW - 80;
  const height = top + Math.max(1, plot.bars.length) * rowH + 20;
  const rows = plot.bars
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Math.max(0.5, b.importance * barMax);
      return (
        `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" font-size="12" fill="${INK}">${esc(clip(b.name, 24))}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${n(w)}" height="${rowH - 8}" fill="${STATE_COLORS.COMPLETE}" data-param="${esc(b.name)}"/>` +
        `<text x="${n(labelW + w + 6)}" y="${y + 16}" font-size="11" fill="${MUTED}">${(b.importance * 100).toFixed(1)}%</text>`
      );
    })
    .join('');
  const empty = plot.bars.length === 0 ? `<text x="${width / 2}" y="${top + 16}" text-anchor="middle" font-size="12" fill="${MUTED}">no parameters</text>` : '';
  return svgDocument('importance', { width, height }, plot.title, rows + empty, `${plot.total.toLocaleString('en-US')} complete trials`);
}
