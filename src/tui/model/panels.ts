import { artifactsDeleted, recordedArtifacts, trialArtifactDirOf } from '../../artifacts/index.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';
import { historyChart, horizontalBar, range, sparkChar } from './charts.js';
import { clip, fit, formatBytes, formatDuration, formatNumber, formatParam } from './format.js';
import type { ParamImportance } from '../../analysis/importance/types.js';
import { fitLine, packItems, padLines, textLine, titleLine, wrapText } from './lines.js';
import { trialSeconds, valueOf } from './order.js';
import { isBetter } from '../../storage/records.js';
import { constraintsText, isInfeasible, namedValuesText, stateLabel, valueCellWidth, valueCells } from './objectives.js';
import type { Line, Panel, Span, Tone } from './types.js';
import { DEVICE_ATTR, FAIL_REASON_KEY, LOG_TAIL_ATTR, MAX_STEP_ATTR, SLOT_ATTR } from '../../storage/metadata.js';
import { prunedAt } from '../../analysis/trial-facts.js';

export const STATE_TONE: Record<string, Tone> = { COMPLETE: 'complete', PRUNED: 'pruned', FAIL: 'failed', RUNNING: 'running', WAITING: 'waiting' };

/** A system attribute as text, or undefined. */
function attrText(trial: FrozenTrial, key: string): string | undefined {
  const v = trial.systemAttrs[key];
  return v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The expected last step, when the trial announced one: the runner's `sodate:max_step`, or
 * the objective's own `max_step` user attribute (`trial.setUserAttr('max_step', n)`).
 */
export function maxStepOf(trial: FrozenTrial): number | undefined {
  const v = trial.systemAttrs[MAX_STEP_ATTR] ?? trial.userAttrs['max_step'];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** The last reported step and its value. */
export function lastReport(trial: FrozenTrial): { step: number; value: number } | undefined {
  let step = -Infinity;
  let value = NaN;
  for (const [s, v] of trial.intermediateValues) {
    if (s > step) {
      step = s;
      value = v;
    }
  }
  return step === -Infinity ? undefined : { step, value };
}

function sortedCurve(trial: FrozenTrial): [number, number][] {
  return [...trial.intermediateValues].sort((a, b) => a[0] - b[0]);
}

/** The best curve's value at `step`, or at the closest earlier step it reported. */
function curveAt(curve: readonly [number, number][], step: number): number | undefined {
  let lo = 0;
  let hi = curve.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, v] = curve[mid] as [number, number];
    if (s <= step) {
      found = v;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * A curve as `width` sparkline cells on a shared [min, max] scale. The x axis runs from
 * step 0 to `lastStep` (the expected total when known, so the line also shows progress);
 * with fewer steps than cells, one cell per step. Each cell is toned by how its value
 * compares with the best trial's curve at the same step.
 */
export function curveSpans(
  curve: readonly [number, number][],
  lastStep: number,
  width: number,
  scale: { min: number; max: number } | undefined,
  best: readonly [number, number][] | undefined,
  direction: Direction,
): Span[] {
  if (width <= 0) return [];
  const steps = lastStep + 1;
  const cells = Math.min(width, Math.max(1, steps));
  const spans: Span[] = [];
  let c = 0;
  let i = 0;
  let pending = '';
  let pendingTone: Tone | undefined;
  const flush = () => {
    if (pending !== '') spans.push(pendingTone === undefined ? { text: pending } : { text: pending, tone: pendingTone });
    pending = '';
  };
  for (; c < cells; c++) {
    const end = Math.floor(((c + 1) * steps) / cells) - 1; // last step this cell covers
    let value: number | undefined;
    let at = -1;
    while (i < curve.length && (curve[i] as [number, number])[0] <= end) {
      [at, value] = curve[i] as [number, number];
      i++;
    }
    let ch = '·';
    let tone: Tone | undefined = 'dim';
    if (value !== undefined && scale !== undefined) {
      ch = sparkChar(value, scale.min, scale.max);
      const reference = best === undefined ? undefined : curveAt(best, at);
      tone = reference === undefined || Number.isNaN(value) ? 'accent' : isBetter(direction, value, reference) || value === reference ? 'good' : 'bad';
    } else if (i >= curve.length && end > (curve[curve.length - 1]?.[0] ?? -1)) {
      ch = ' ';
      tone = undefined;
    }
    if (tone !== pendingTone) flush();
    pendingTone = tone;
    pending += ch;
  }
  flush();
  if (cells < width) spans.push({ text: ' '.repeat(width - cells) });
  return spans;
}

export interface RunningPanelArgs {
  readonly running: readonly FrozenTrial[];
  readonly best: FrozenTrial | undefined;
  readonly direction: Direction;
  readonly selected: number | null;
  readonly width: number;
  readonly height: number;
  readonly now: number;
}

/** Running trials: number, slot, device, step/total, the curve against the best trial's, last value, time. */
export function runningPanel(a: RunningPanelArgs): Panel {
  const rows = Math.max(0, a.height - 1);
  const bestCurve = a.best === undefined ? undefined : sortedCurve(a.best);
  const withTime = a.width >= 70;
  const fixed = 6 + 1 + 9 + 1 + 7 + 1 + 9 + 1 + 1 + 9 + (withTime ? 7 : 0);
  const sparkWidth = Math.max(4, a.width - fixed);
  // Window of rows around the selection; the best curve is shown first when there is room.
  const showBest = bestCurve !== undefined && bestCurve.length > 0 && a.running.length > 0 && rows > a.running.length;
  const room = rows - (showBest ? 1 : 0);
  const at = a.running.findIndex((t) => t.number === a.selected);
  const offset = at < room ? 0 : at - room + 1;
  const shown = a.running.slice(offset, offset + room);
  const curves = shown.map(sortedCurve);
  const lastSteps = shown.map((t, k) => maxStepOf(t) ?? (curves[k] as [number, number][]).at(-1)?.[0] ?? 0);
  const horizon = Math.max(0, ...lastSteps);
  const scale = range(
    (function* () {
      for (const c of curves) for (const [, v] of c) yield v;
      if (showBest && bestCurve !== undefined) for (const [s, v] of bestCurve) if (s <= horizon) yield v;
    })(),
  );
  const lines: Line[] = [];
  if (showBest && a.best !== undefined && bestCurve !== undefined) {
    const bestLast = maxStepOf(a.best) ?? bestCurve.at(-1)?.[0] ?? 0;
    lines.push(
      fitLine(
        [
          { text: fit(`best #${a.best.number}`, 6 + 1 + 9 + 1 + 7 + 1 + 9), tone: 'dim' },
          { text: ' ' },
          ...curveSpans(bestCurve, Math.max(bestLast, horizon), sparkWidth, scale, undefined, a.direction).map((s) => ({ ...s, tone: 'dim' as const })),
          { text: ' ' },
          { text: fit(formatNumber(valueOf(a.best)), 9, 'right'), tone: 'dim' },
        ],
        a.width,
      ),
    );
  }
  shown.forEach((t, k) => {
    const curve = curves[k] as [number, number][];
    const last = curve.at(-1);
    const total = maxStepOf(t);
    const step = last === undefined ? '-' : String(last[0]);
    const selected = t.number === a.selected;
    const cells: Span[] = [
      { text: fit(`#${t.number}`, 6), tone: 'running', bold: true },
      { text: ` ${fit(attrText(t, SLOT_ATTR) ?? '-', 9)} ${fit(attrText(t, DEVICE_ATTR) ?? '-', 7)} ` },
      { text: fit(`${step}/${total ?? '-'}`, 9) },
      { text: ' ' },
      ...curveSpans(curve, Math.max(total ?? 0, last?.[0] ?? 0, horizon), sparkWidth, scale, bestCurve, a.direction),
      { text: ' ' },
      { text: fit(formatNumber(last?.[1]), 9, 'right') },
      ...(withTime ? [{ text: fit(formatDuration(trialSeconds(t, a.now)), 7, 'right'), tone: 'dim' as const }] : []),
    ];
    lines.push(fitLine(selected ? cells.map((s) => ({ ...s, inverse: true })) : cells, a.width));
  });
  if (a.running.length === 0 && rows > 0) lines.push(textLine('  no trial running', a.width, 'dim'));
  const more = a.running.length - shown.length;
  const title = titleLine(`running ${a.running.length}`, a.width, more > 0 ? `${offset + 1}-${offset + shown.length} of ${a.running.length}` : 'curve vs best: ▆ better ▆ worse');
  return { id: 'running', title, lines: padLines(lines, rows, a.width), width: a.width, height: a.height };
}

export interface FinishedPanelArgs {
  /** Finished trials in the list's order. */
  readonly finished: readonly FrozenTrial[];
  readonly sortLabel: string;
  readonly best: FrozenTrial | undefined;
  readonly selected: number | null;
  readonly width: number;
  readonly height: number;
  readonly now: number;
  /** One name per objective; several get a value column each, named in the title. Default: one. */
  readonly objectives?: readonly string[];
}

/**
 * Finished trials in the chosen order, scrolled so that the selection is visible: one value
 * column per objective (narrower cells on a narrow screen), INFEAS. for a trial past a constraint.
 */
export function finishedPanel(a: FinishedPanelArgs): Panel {
  const rows = Math.max(0, a.height - 1);
  let at = -1;
  if (a.selected !== null) for (let i = 0; i < a.finished.length && at < 0; i++) if ((a.finished[i] as FrozenTrial).number === a.selected) at = i;
  const offset = at < rows ? 0 : at - rows + 1;
  const shown = a.finished.slice(offset, offset + rows);
  const objectives = a.objectives ?? [];
  const many = objectives.length > 1;
  // Room for the values: what is left beside the number, state and duration, keeping 12 columns of parameters.
  const cellWidth = many ? valueCellWidth(objectives.length, a.width - 7 - 9 - 8 - 12) : 10;
  const lines: Line[] = shown.map((t) => {
    const value = valueOf(t);
    const state = stateLabel(t);
    const params = Object.entries(t.params)
      .map(([k, v]) => `${k}=${formatParam(v)}`)
      .join(' ');
    const star = a.best !== undefined && t.id === a.best.id;
    const cells: Span[] = [
      { text: fit(`${star ? '★' : ' '}#${t.number}`, 7), ...(star ? { tone: 'good' as const, bold: true } : {}) },
      { text: fit(state.text, 9), tone: state.infeasible ? 'warn' : (STATE_TONE[t.state] ?? 'dim') },
      ...(many
        ? valueCells(t.state === 'FAIL' ? [] : (t.values ?? []), objectives.length, cellWidth)
        : [{ text: fit(t.state === 'FAIL' ? '-' : formatNumber(value), 10, 'right') }]),
      { text: fit(formatDuration(trialSeconds(t, a.now)), 8, 'right'), tone: 'dim' },
      { text: `  ${t.state === 'FAIL' ? `${clip(attrText(t, FAIL_REASON_KEY) ?? 'failed', 40)}  ` : ''}${params}` },
    ];
    return fitLine(t.number === a.selected ? cells.map((s) => ({ ...s, inverse: true })) : cells, a.width);
  });
  if (a.finished.length === 0 && rows > 0) lines.push(textLine('  no finished trial yet', a.width, 'dim'));
  const position = a.finished.length > rows ? `${offset + 1}-${offset + shown.length} of ${a.finished.length} · ` : '';
  const named = many ? `${objectives.join(' · ')} · ` : '';
  // The objectives' names before the scroll position: without them the value columns say nothing.
  const notes = [`${position}${named}sort: ${a.sortLabel}`, `${named}sort: ${a.sortLabel}`, `${position}sort: ${a.sortLabel}`];
  const note = notes.find((n) => `─ finished ${a.finished.length} `.length + n.length + 3 <= a.width) ?? (notes[2] as string);
  const title = titleLine(`finished ${a.finished.length}`, a.width, note);
  return { id: 'finished', title, lines: padLines(lines, rows, a.width), width: a.width, height: a.height };
}

/** Best value so far over trial number, with the y axis labelled. */
export function historyPanel(bestSoFar: readonly (number | undefined)[], width: number, height: number): Panel {
  const rows = Math.max(0, height - 1);
  const labelWidth = 7;
  const chart = historyChart(bestSoFar, Math.max(1, width - labelWidth - 2), rows);
  let lines: Line[];
  if (chart === undefined) lines = [textLine('  no complete trial yet', width, 'dim')];
  else {
    // The labelled rows: top and bottom, with enough digits to tell them apart; a flat line's own row.
    const labels = new Map<number, string>();
    if (chart.flatRow !== undefined) labels.set(chart.flatRow, formatNumber(chart.top, 3));
    else {
      let digits = 3;
      while (digits < 5 && formatNumber(chart.top, digits) === formatNumber(chart.bottom, digits)) digits++;
      labels.set(rows - 1, formatNumber(chart.bottom, digits));
      labels.set(0, formatNumber(chart.top, digits));
    }
    lines = chart.lines.map((l, r) => {
      const label = labels.get(r);
      return fitLine(
        [
          { text: fit(label ?? '', labelWidth, 'right'), tone: 'dim' },
          { text: label === undefined ? ' │' : ' ┤', tone: 'dim' },
          { text: l, tone: 'accent' },
        ],
        width,
      );
    });
  }
  const title = titleLine('best so far', width, `${bestSoFar.length} trials${chart?.log ? ' · log' : ''}`);
  return { id: 'history', title, lines: padLines(lines, rows, width), width, height };
}

/** What the importance panel shows: the estimate, and `note` when it measures nothing. */
export interface ImportanceShown {
  readonly entries: readonly ParamImportance[];
  /** Why importance cannot be measured (every trial has the same value); shown instead of the bars. */
  readonly note?: string | undefined;
}

/** Parameter importance as bars, once enough trials completed; the note instead when nothing can be measured. */
export function importancePanel(importance: ImportanceShown | undefined, completed: number, minTrials: number, width: number, height: number): Panel {
  const rows = Math.max(0, height - 1);
  const entries = importance?.entries;
  let lines: Line[];
  if (importance === undefined || entries === undefined) lines = [textLine(`  needs ${minTrials} complete (${completed} so far)`, width, 'dim')];
  else if (importance.note !== undefined) lines = wrapText(importance.note, Math.max(1, width - 2)).map((l) => textLine(`  ${l}`, width, 'dim'));
  else if (entries.length === 0) lines = [textLine('  no parameters', width, 'dim')];
  else {
    const nameWidth = Math.min(Math.max(...entries.map((e) => e.name.length)), Math.max(6, Math.floor(width * 0.4)));
    const barWidth = Math.max(1, width - nameWidth - 1 - 1 - 4);
    lines = entries.slice(0, rows).map((e) =>
      fitLine(
        [{ text: `${fit(e.name, nameWidth)} ` }, { text: horizontalBar(e.importance, barWidth), tone: 'accent' }, { text: fit(`${Math.round(e.importance * 100)}%`, 5, 'right'), tone: 'dim' }],
        width,
      ),
    );
  }
  const bars = entries !== undefined && importance?.note === undefined;
  const title = titleLine('importance', width, bars && entries.length > rows ? `${rows} of ${entries.length}` : '');
  return { id: 'importance', title, lines: padLines(lines, rows, width), width, height };
}

/** A trial's user attributes as `key=JSON value`, in stored order with sodate's own (`sodate:…`) last. */
export function userAttrItems(trial: FrozenTrial): string[] {
  const entries = Object.entries(trial.userAttrs);
  const internal = (key: string) => key.startsWith('sodate:');
  return [...entries.filter(([k]) => !internal(k)), ...entries.filter(([k]) => internal(k))].map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

/**
 * Everything about one trial: every objective's value, whether it met its constraints,
 * parameters, intermediate values, error, user attributes, its files, log tail.
 * `objectives` names each objective (the first is the metric of a single-objective study).
 */
export function detailPanel(trial: FrozenTrial | undefined, objectives: readonly string[], best: FrozenTrial | undefined, direction: Direction, width: number, height: number, now: number): Panel {
  const rows = Math.max(0, height - 1);
  const lines: Line[] = [];
  if (trial === undefined) {
    lines.push(textLine('  no trial selected: ↑/↓ pick one', width, 'dim'));
    return { id: 'detail', title: titleLine('trial', width, 'esc back'), lines: padLines(lines, rows, width), width, height };
  }
  const infeasible = isInfeasible(trial);
  const head: Span[] = [
    { text: `#${trial.number} `, bold: true },
    { text: trial.state, tone: STATE_TONE[trial.state] ?? 'dim', bold: true },
    ...(infeasible ? [{ text: ' infeasible', tone: 'warn' as const, bold: true }] : []),
    { text: `  ${namedValuesText(trial, objectives)}` },
    ...(trial.state === 'PRUNED' ? [{ text: `  pruned ${prunedAt(trial)}`, tone: 'dim' as const }] : []),
    { text: `  ${trial.state === 'RUNNING' ? 'running for' : 'took'} ${formatDuration(trialSeconds(trial, now))}`, tone: 'dim' },
    { text: `  slot ${attrText(trial, SLOT_ATTR) ?? '-'}  device ${attrText(trial, DEVICE_ATTR) ?? '-'}`, tone: 'dim' },
    ...(trial.datetimeStart ? [{ text: `  started ${trial.datetimeStart.toISOString().replace('T', ' ').slice(0, 19)}`, tone: 'dim' as const }] : []),
  ];
  lines.push(fitLine(head, width));
  const constraints = constraintsText(trial);
  if (constraints !== undefined) lines.push(fitLine([{ text: 'constraints  ', tone: 'title' }, { text: constraints, ...(infeasible ? { tone: 'warn' as const } : {}) }], width));
  // Parameters in as many columns as fit.
  const params = Object.entries(trial.params).map(([k, v]) => `${k} = ${formatParam(v)}`);
  lines.push(textLine(`parameters (${params.length})`, width, 'title'));
  const cell = Math.min(width, Math.max(12, ...params.map((p) => p.length + 3)));
  const perLine = Math.max(1, Math.floor(width / cell));
  for (let i = 0; i < params.length; i += perLine) lines.push(textLine(`  ${params.slice(i, i + perLine).map((p) => fit(p, cell - 2)).join('  ')}`, width));
  // Intermediate values: the curve, then the last values.
  const curve = sortedCurve(trial);
  const total = maxStepOf(trial);
  lines.push(textLine(`intermediate values (${curve.length}${total === undefined ? '' : ` of ${total + 1} steps`})`, width, 'title'));
  if (curve.length > 0) {
    const bestCurve = best === undefined || best.id === trial.id ? undefined : sortedCurve(best);
    const scale = range(curve.map(([, v]) => v));
    lines.push(fitLine([{ text: '  ' }, ...curveSpans(curve, Math.max(total ?? 0, curve.at(-1)?.[0] ?? 0), width - 2, scale, bestCurve, direction)], width));
    const tail = curve.slice(-Math.max(1, Math.floor((width - 2) / 16) * 2)).map(([s, v]) => `${s}: ${formatNumber(v, 4)}`);
    lines.push(textLine(`  ${tail.join('  ')}`, width, 'dim'));
  } else lines.push(textLine('  none reported', width, 'dim'));
  const error = attrText(trial, FAIL_REASON_KEY);
  if (error !== undefined) {
    lines.push(textLine('error', width, 'failed'));
    for (const l of wrapText(error, width - 2).slice(0, 4)) lines.push(textLine(`  ${l}`, width, 'failed'));
  }
  const files = recordedArtifacts(trial);
  const dir = trialArtifactDirOf(trial);
  const log = attrText(trial, LOG_TAIL_ATTR);
  const attrs = userAttrItems(trial);
  if (attrs.length > 0 && lines.length + 2 <= rows) {
    // As many rows as they need, leaving the files and a few log lines theirs.
    const reserved = (files.length > 0 || dir !== undefined ? 2 : 0) + (log === undefined ? 0 : 4);
    lines.push(textLine(`user attributes (${attrs.length})`, width, 'title'));
    for (const l of packItems(attrs, width - 2, Math.max(1, rows - lines.length - reserved))) lines.push(textLine(`  ${l}`, width));
  }
  if ((files.length > 0 || dir !== undefined) && lines.length + 2 <= rows) {
    // What the trial left in its directory, as recorded when it ended (the disk is not read on every frame).
    const deleted = artifactsDeleted(trial);
    lines.push(fitLine([{ text: `files (${files.length})`, tone: 'title' }, { text: `  ${dir ?? ''}${deleted ? '  deleted by retention' : ''}`, tone: 'dim' }], width));
    const listed = files.map((f) => `${f.name} ${formatBytes(f.size)}`).join('  ');
    if (files.length > 0) lines.push(textLine(`  ${listed}`, width, deleted ? 'dim' : undefined));
  }
  if (log !== undefined && lines.length + 2 <= rows) {
    lines.push(textLine('log tail', width, 'title'));
    const logLines = log.replace(/\s+$/, '').split(/\r?\n/);
    const room = rows - lines.length;
    for (const l of logLines.slice(-room)) lines.push(textLine(`  ${l}`, width, 'dim'));
  }
  return { id: 'detail', title: titleLine(`trial #${trial.number}`, width, 'esc/⏎ back · ↑↓ other trials'), lines: padLines(lines, rows, width), width, height };
}

