import type { HistoryPlot, IntermediatePlot } from '../../plots/types.js';
import { ACCENT, MUTED, STATE_COLORS } from './colors.js';
import type { Size } from './frame.js';
import { Frame, esc, n, shownNote, svgDocument } from './frame.js';

export function historySvg(plot: HistoryPlot, size: Size = { width: 1000, height: 420 }): string {
  const f = new Frame(70, 36, size.width - 90, size.height - 86, plot.x, plot.y);
  const dots = plot.points
    .filter((p) => p.infeasible !== true)
    .map((p) => `<circle cx="${n(f.px(p.number))}" cy="${n(f.py(p.value))}" r="2.6"/>`)
    .join('');
  // Constrained studies only: trials past a constraint as grey crosses, never on the best line.
  const crosses = plot.points
    .filter((p) => p.infeasible === true)
    .map((p) => `<path d="M${n(f.px(p.number) - 2.6)},${n(f.py(p.value) - 2.6)}l5.2,5.2m0,-5.2l-5.2,5.2"/>`)
    .join('');
  let path = '';
  for (const [i, b] of plot.best.entries()) {
    const x = f.px(b.number);
    const y = f.py(b.value);
    if (i === 0) path += `M${n(x)},${n(y)}`;
    else path += `H${n(x)}V${n(y)}`;
  }
  const legendY = 36 + 6;
  const legend =
    `<g font-size="11"><circle cx="${n(f.left + 12)}" cy="${legendY + 6}" r="3" fill="${STATE_COLORS.COMPLETE}" fill-opacity="0.6"/><text x="${n(f.left + 20)}" y="${legendY + 10}">${esc(plot.y.label)}</text>` +
    `<line x1="${n(f.left + 90)}" y1="${legendY + 6}" x2="${n(f.left + 110)}" y2="${legendY + 6}" stroke="${ACCENT}" stroke-width="2"/><text x="${n(f.left + 114)}" y="${legendY + 10}">best so far</text></g>`;
  const infeasible =
    crosses === ''
      ? ''
      : `<g stroke="${MUTED}" stroke-width="1.2" data-series="infeasible">${crosses}</g>` +
        `<g font-size="11"><path d="M${n(f.left + 196)},${legendY + 3}l6,6m0,-6l-6,6" stroke="${MUTED}" stroke-width="1.2"/><text x="${n(f.left + 208)}" y="${legendY + 10}">infeasible</text></g>`;
  const body = f.axes() + `<g fill="${STATE_COLORS.COMPLETE}" fill-opacity="0.55" data-series="values">${dots}</g>` + infeasible + (path === '' ? '' : `<path d="${path}" fill="none" stroke="${ACCENT}" stroke-width="2" data-series="best"/>`) + legend;
  return svgDocument('history', size, plot.title, body, shownNote(plot.shown, plot.total));
}

export function intermediateSvg(plot: IntermediatePlot, size: Size = { width: 1000, height: 420 }): string {
  const f = new Frame(70, 36, size.width - 90, size.height - 86, plot.x, plot.y);
  // Pruned and failed curves first and faded, so complete ones stay readable on top.
  const order = [...plot.curves].sort((a, b) => Number(a.state === 'COMPLETE') - Number(b.state === 'COMPLETE'));
  const lines = order
    .filter((c) => c.points.length > 0)
    .map((c) => {
      const d = c.points.map(([s, v], i) => `${i === 0 ? 'M' : 'L'}${n(f.px(s))},${n(f.py(v))}`).join('');
      const faded = c.state !== 'COMPLETE';
      const color = STATE_COLORS[c.state];
      const single = c.points.length === 1 ? `<circle cx="${n(f.px(c.points[0]![0]))}" cy="${n(f.py(c.points[0]![1]))}" r="2" fill="${color}"/>` : '';
      return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${faded ? 1 : 1.4}" stroke-opacity="${faded ? 0.25 : 0.75}" data-state="${c.state}"/>${single}`;
    })
    .join('');
  const legend = (['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING'] as const)
    .filter((s) => plot.curves.some((c) => c.state === s))
    .map((s, i) => `<line x1="${n(f.left + 10 + i * 100)}" y1="48" x2="${n(f.left + 30 + i * 100)}" y2="48" stroke="${STATE_COLORS[s]}" stroke-width="2" stroke-opacity="${s === 'COMPLETE' ? 0.8 : 0.35}"/><text x="${n(f.left + 34 + i * 100)}" y="52" font-size="11">${s.toLowerCase()}</text>`)
    .join('');
  const empty = plot.curves.length === 0 ? `<text x="${n(f.left + f.width / 2)}" y="${n(f.top + f.height / 2)}" text-anchor="middle" font-size="13" fill="#888">no trial reported intermediate values</text>` : '';
  return svgDocument('intermediate', size, plot.title, f.axes() + `<g data-series="curves">${lines}</g>` + legend + empty, shownNote(plot.shown, plot.total));
}
