import type { HypervolumePlot, ParetoPlot, ParetoStatus } from '../../plots/types.js';
import { formatValue } from '../../plots/format.js';
import { ACCENT, MUTED, STATE_COLORS } from './colors.js';
import type { Size } from './frame.js';
import { Frame, esc, n, shownNote, svgDocument } from './frame.js';

/** Dominated trials as faint dots, infeasible ones as grey crosses, the front in red on top with its step line. */
export function paretoSvg(plot: ParetoPlot, size: Size = { width: 1000, height: 520 }): string {
  const f = new Frame(80, 36, size.width - 100, size.height - 86, plot.x, plot.y);
  const of = (status: ParetoStatus) => plot.points.filter((p) => p.status === status);
  const dots = of('dominated')
    .map((p) => `<circle cx="${n(f.px(p.x))}" cy="${n(f.py(p.y))}" r="2.8"/>`)
    .join('');
  const crosses = of('infeasible')
    .map((p) => `<path d="M${n(f.px(p.x) - 2.6)},${n(f.py(p.y) - 2.6)}l5.2,5.2m0,-5.2l-5.2,5.2"/>`)
    .join('');
  const front = of('front')
    .map((p) => `<circle cx="${n(f.px(p.x))}" cy="${n(f.py(p.y))}" r="4" data-trial="${p.number}"/>`)
    .join('');
  // The step line is the front's attainment boundary, meaningful in two objectives only.
  let path = '';
  if (plot.objectives === 2) {
    for (const [i, p] of plot.front.entries()) path += i === 0 ? `M${n(f.px(p.x))},${n(f.py(p.y))}` : `H${n(f.px(p.x))}V${n(f.py(p.y))}`;
  }
  const legendY = 42;
  const items: [string, string][] = [
    [`<circle cx="6" cy="6" r="4" fill="${ACCENT}"/>`, `Pareto front (${plot.counts.front})`],
    [`<circle cx="6" cy="6" r="3" fill="${STATE_COLORS.COMPLETE}" fill-opacity="0.45"/>`, `dominated (${plot.counts.dominated})`],
    ...(plot.counts.infeasible > 0 ? [[`<path d="M3,3l6,6m0,-6l-6,6" stroke="${MUTED}" stroke-width="1.2"/>`, `infeasible (${plot.counts.infeasible})`] as [string, string]] : []),
  ];
  const legend = `<g font-size="11">${items.map(([mark, label], i) => `<g transform="translate(${n(f.left + 10 + i * 160)},${legendY})">${mark}<text x="16" y="10">${esc(label)}</text></g>`).join('')}</g>`;
  const note = plot.objectives > 2 ? `<text x="${n(f.left + f.width)}" y="${legendY + 10}" text-anchor="end" font-size="11" fill="${MUTED}">front over all ${plot.objectives} objectives</text>` : '';
  const body =
    f.axes() +
    `<g fill="${STATE_COLORS.COMPLETE}" fill-opacity="0.45" data-series="dominated">${dots}</g>` +
    `<g stroke="${MUTED}" stroke-width="1.2" data-series="infeasible">${crosses}</g>` +
    (path === '' ? '' : `<path d="${path}" fill="none" stroke="${ACCENT}" stroke-width="1.5" stroke-opacity="0.8" data-series="front-line"/>`) +
    `<g fill="${ACCENT}" data-series="front">${front}</g>` +
    legend +
    note;
  return svgDocument('pareto', size, plot.title, body, shownNote(plot.shown, plot.total));
}

/**
 * The hypervolume share as a step line over trial number, a dot where the front grew; the
 * infeasible trials as grey crosses along the bottom, where they left the share unchanged.
 */
export function hypervolumeSvg(plot: HypervolumePlot, size: Size = { width: 1000, height: 420 }): string {
  const f = new Frame(70, 36, size.width - 90, size.height - 86, plot.x, plot.y);
  // The line's last vertex only carries it on to the last trial: no dot there unless the share changed.
  const dots = plot.steps
    .filter((s, i) => i === 0 || s.hypervolume !== plot.steps[i - 1]?.hypervolume)
    .map((s) => `<circle cx="${n(f.px(s.number))}" cy="${n(f.py(s.hypervolume))}" r="2.6"/>`)
    .join('');
  const rug = f.top + f.height - 6;
  const crosses = plot.points
    .filter((p) => !p.feasible)
    .map((p) => `<path d="M${n(f.px(p.number) - 2.4)},${n(rug - 2.4)}l4.8,4.8m0,-4.8l-4.8,4.8"/>`)
    .join('');
  let path = '';
  for (const [i, s] of plot.steps.entries()) path += i === 0 ? `M${n(f.px(s.number))},${n(f.py(s.hypervolume))}` : `H${n(f.px(s.number))}V${n(f.py(s.hypervolume))}`;
  const legendY = 42;
  const reference = plot.reference === null ? 'no feasible trial yet' : `reference point (${plot.reference.map((v) => formatValue(v)).join(', ')})`;
  const legend =
    `<g font-size="11"><line x1="${n(f.left + 10)}" y1="${legendY + 6}" x2="${n(f.left + 30)}" y2="${legendY + 6}" stroke="${ACCENT}" stroke-width="2"/><text x="${n(f.left + 34)}" y="${legendY + 10}">feasible front so far</text>` +
    (crosses === '' ? '' : `<path d="M${n(f.left + 170)},${legendY + 3}l6,6m0,-6l-6,6" stroke="${MUTED}" stroke-width="1.2"/><text x="${n(f.left + 182)}" y="${legendY + 10}">infeasible trial</text>`) +
    `<text x="${n(f.left + f.width - 8)}" y="${legendY + 10}" text-anchor="end" fill="${MUTED}">${esc(reference)}</text></g>`;
  const body =
    f.axes() +
    `<g fill="${ACCENT}" data-series="improvements">${dots}</g>` +
    (crosses === '' ? '' : `<g stroke="${MUTED}" stroke-width="1.2" data-series="infeasible">${crosses}</g>`) +
    (path === '' ? '' : `<path d="${path}" fill="none" stroke="${ACCENT}" stroke-width="2" data-series="hypervolume"/>`) +
    legend;
  return svgDocument('hypervolume', size, plot.title, body, shownNote(plot.shown, plot.total));
}
