import { unitOf } from '../../analysis/plots/axes.js';
import { paretoPlot } from '../../analysis/plots/pareto.js';
import type { ParetoPlot, ParetoStatus } from '../../analysis/plots/types.js';
import type { FrozenTrial } from '../../storage/records.js';
import { brailleScatter } from './charts.js';
import { fit, formatNumber } from './format.js';
import { fitLine, padLines, textLine, titleLine } from './lines.js';
import type { Line, Panel, Span, StudyHeader, Tone } from './types.js';

/**
 * The dashboard's view of a multi-objective study: the Pareto front as the report computes
 * it (`paretoPlot`), drawn as braille dots, and the header's words for the objectives.
 */

/** Whether the header is a multi-objective study's. */
export function isMultiObjective(study: StudyHeader): study is StudyHeader & { directions: NonNullable<StudyHeader['directions']> } {
  return study.directions !== undefined && study.directions.length > 1;
}

/** The Pareto-front data of a multi-objective study; undefined for a single objective. */
export function paretoOf(study: StudyHeader, trials: readonly FrozenTrial[]): ParetoPlot | undefined {
  if (!isMultiObjective(study)) return undefined;
  return paretoPlot({ trials, directions: study.directions, metrics: study.directions.map((_, i) => study.metrics?.[i] ?? (i === 0 ? study.metric : `value_${i}`)) });
}

/** `minimize val_loss, minimize latency_ms`, or `min val_loss, min latency_ms` when `short`. */
export function objectivesText(study: StudyHeader, short = false): string {
  const directions = study.directions ?? [study.direction];
  return directions.map((d, i) => `${short ? d.slice(0, 3) : d} ${study.metrics?.[i] ?? (i === 0 ? study.metric : `value_${i}`)}`).join(', ');
}

/** Cell tone by the most important point in it: the front stands out, infeasible trials fade. */
const LEVEL: Readonly<Record<ParetoStatus, number>> = { infeasible: 0, dominated: 1, front: 2 };
const LEVEL_TONE: readonly (Tone | undefined)[] = ['dim', undefined, 'good'];

/**
 * The first two objectives of every complete trial as braille dots, the front highlighted
 * and infeasible trials dimmed, the y axis labelled at its ends and the x axis below.
 */
export function paretoPanel(plot: ParetoPlot | undefined, width: number, height: number): Panel {
  const rows = Math.max(0, height - 1);
  const labelWidth = 7;
  const chartWidth = Math.max(1, width - labelWidth - 2);
  const xLine = rows >= 4;
  const chartRows = xLine ? rows - 1 : rows;
  let lines: Line[];
  if (plot === undefined || plot.points.length === 0) lines = [textLine('  no complete trial yet', width, 'dim')];
  else {
    const { x: xAxis, y: yAxis } = plot;
    const cells = brailleScatter(
      plot.points.map((p) => ({ x: unitOf(xAxis, p.x), y: unitOf(yAxis, p.y), level: LEVEL[p.status] })),
      chartWidth,
      chartRows,
    );
    const [yLow, yHigh] = yAxis.domain;
    lines = cells.map((row, r) => {
      const label = r === 0 ? formatNumber(yHigh, 3) : r === chartRows - 1 ? formatNumber(yLow, 3) : '';
      const spans: Span[] = [
        { text: fit(label, labelWidth, 'right'), tone: 'dim' },
        { text: r === 0 || r === chartRows - 1 ? ' ┤' : ' │', tone: 'dim' },
      ];
      // Neighbouring cells of one tone share a span.
      for (const cell of row) {
        const tone = LEVEL_TONE[cell.level];
        const last = spans[spans.length - 1] as Span;
        if (spans.length > 2 && last.tone === tone) spans[spans.length - 1] = { ...last, text: last.text + cell.char };
        else spans.push(tone === undefined ? { text: cell.char } : tone === 'good' ? { text: cell.char, tone, bold: true } : { text: cell.char, tone });
      }
      return fitLine(spans, width);
    });
    if (xLine) {
      const [xLow, xHigh] = xAxis.domain;
      const low = formatNumber(xLow, 3);
      const high = formatNumber(xHigh, 3);
      const name = plot.x.label;
      const gap = Math.max(1, chartWidth - low.length - high.length);
      const middle = name.length + 2 <= gap ? `${' '.repeat(Math.floor((gap - name.length) / 2))}${name}`.padEnd(gap) : ' '.repeat(gap);
      lines.push(fitLine([{ text: `${' '.repeat(labelWidth)}  ${low}`, tone: 'dim' }, { text: middle, tone: 'dim' }, { text: high, tone: 'dim' }], width));
    }
  }
  // The longest note that fits the title's rule.
  const notes =
    plot === undefined
      ? ['']
      : [
          `${plot.counts.front} on front${plot.counts.infeasible > 0 ? ` · ${plot.counts.infeasible} infeasible` : ''} · y ${plot.metrics[1]}`,
          `${plot.counts.front} on front${plot.counts.infeasible > 0 ? ` · ${plot.counts.infeasible} infeasible` : ''}`,
          `${plot.counts.front} on front`,
          '',
        ];
  const note = notes.find((n) => n === '' || '─ pareto front '.length + n.length + 3 <= width) ?? '';
  return { id: 'pareto', title: titleLine('pareto front', width, note), lines: padLines(lines, rows, width), width, height };
}

/**
 * The header's third line for a multi-objective study: the front's size, then its trials
 * along the first objective with every objective's value, as many as fit.
 */
export function frontLine(plot: ParetoPlot | undefined, trials: readonly FrozenTrial[], study: StudyHeader, width: number): Line {
  if (plot === undefined || plot.total === 0) return textLine('front: no complete trial yet', width, 'dim');
  if (plot.front.length === 0) return textLine(`front: no feasible trial yet (${plot.counts.infeasible} infeasible)`, width, 'dim');
  const wanted = new Set(plot.front.map((p) => p.number));
  const byNumber = new Map<number, FrozenTrial>();
  for (const t of trials) if (wanted.has(t.number)) byNumber.set(t.number, t);
  const metrics = (study.directions ?? []).map((_, i) => study.metrics?.[i] ?? `value_${i}`);
  const spans: Span[] = [
    { text: 'front ', tone: 'dim' },
    { text: `${plot.front.length} trial${plot.front.length === 1 ? '' : 's'}`, tone: 'good', bold: true },
  ];
  for (const [k, p] of plot.front.entries()) {
    const values = byNumber.get(p.number)?.values ?? [];
    spans.push({ text: k === 0 ? '  ' : ' · ', tone: 'dim' }, { text: `#${p.number} `, tone: 'dim' }, { text: metrics.map((m, i) => `${m}=${formatNumber(values[i], 4)}`).join(' ') });
  }
  return fitLine(spans, width);
}
