import type { ParetoPlot } from '../../analysis/plots/types.js';
import type { FrozenTrial } from '../../storage/records.js';
import { segmentWidths } from './charts.js';
import { formatDuration, formatNumber, formatParam } from './format.js';
import { MIN_IMPORTANCE_TRIALS, importanceOf } from './importance.js';
import type { ParamImportance } from '../../analysis/importance/types.js';
import { fitLine, lineWidth, textLine } from './lines.js';
import { finishedInOrder, trialSeconds, valueOf } from './order.js';
import { isBetter, isOffBudget } from '../../storage/records.js';
import { mayBeBest } from '../../multi-objective/best.js';
import { detailPanel, finishedPanel, historyPanel, importancePanel, runningPanel } from './panels.js';
import { deviceLine, devicePanel } from './devices-panel.js';
import { objectiveNames } from './objectives.js';
import { frontLine, isMultiObjective, objectivesText, paretoOf, paretoPanel } from './pareto.js';
import { tooSmallLines } from './small.js';
import { stagesPanel, stagesPanelHeight } from './stages.js';
import type { DashboardInput, DashboardView, Line, Panel, ScreenRow, Span } from './types.js';

/** The smallest screen laid out; a smaller one shows only a request to enlarge it and the study's state. */
export const MIN_SIZE = { columns: 60, rows: 16 };

/**
 * Remembers what is costly and only changes when trials complete (parameter importance),
 * between refreshes of one dashboard. Optional: without it every call computes afresh.
 */
export interface ViewMemo {
  /** Completed trials when importance was last computed. */
  importanceAt?: number;
  importance?: readonly ParamImportance[] | undefined;
  /** Why that estimate measures nothing (every trial has the same value), when so. */
  importanceNote?: string | undefined;
  paretoKey?: string;
  pareto?: ParetoPlot | undefined;
}

/**
 * The compute backend the newest trial that names one reports (user attribute `backend`, set
 * by the image trainer): trials are in number order, so this looks at the last few only.
 */
export function latestBackend(trials: readonly FrozenTrial[]): string | undefined {
  for (let i = trials.length - 1; i >= Math.max(0, trials.length - 50); i--) {
    const backend = trials[i]?.userAttrs['backend'];
    if (typeof backend === 'string') return backend;
  }
  return undefined;
}

interface Summary {
  complete: number;
  pruned: number;
  failed: number;
  running: FrozenTrial[];
  waiting: number;
  /** Started trials the budget does not count (retries, confirm/ablate re-runs). */
  offBudget: number;
  best: FrozenTrial | undefined;
  /** Best value among trials 0..i, for each trial i in number order. */
  bestSoFar: (number | undefined)[];
  firstStart: number | undefined;
  lastComplete: number | undefined;
  /** Durations (s) of the most recently completed finished trials, newest first. */
  recentSeconds: number[];
  lastCompleteId: number;
}

function summarize(trials: readonly FrozenTrial[], direction: 'minimize' | 'maximize'): Summary {
  const s: Summary = { complete: 0, pruned: 0, failed: 0, running: [], waiting: 0, offBudget: 0, best: undefined, bestSoFar: new Array<number | undefined>(trials.length), firstStart: undefined, lastComplete: undefined, recentSeconds: [], lastCompleteId: 0 };
  let bestValue: number | undefined;
  const finished: { at: number; seconds: number }[] = [];
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i] as FrozenTrial;
    if (t.state !== 'WAITING' && isOffBudget(t)) s.offBudget++;
    switch (t.state) {
      case 'COMPLETE': {
        s.complete++;
        if (t.id > s.lastCompleteId) s.lastCompleteId = t.id;
        const v = valueOf(t);
        // A trial past a constraint is never the best, nor a re-run by confirm or ablate.
        if (v !== undefined && mayBeBest(t) && (bestValue === undefined || isBetter(direction, v, bestValue))) {
          bestValue = v;
          s.best = t;
        }
        break;
      }
      case 'PRUNED':
        s.pruned++;
        break;
      case 'FAIL':
        s.failed++;
        break;
      case 'RUNNING':
        s.running.push(t);
        break;
      case 'WAITING':
        s.waiting++;
        break;
    }
    s.bestSoFar[i] = bestValue;
    const start = t.datetimeStart?.getTime();
    if (start !== undefined && (s.firstStart === undefined || start < s.firstStart)) s.firstStart = start;
    const end = t.datetimeComplete?.getTime();
    if (end !== undefined && start !== undefined) {
      if (s.lastComplete === undefined || end > s.lastComplete) s.lastComplete = end;
      finished.push({ at: end, seconds: (end - start) / 1000 });
    }
  }
  // Mostly in order already: the last 20 by completion time.
  s.recentSeconds = finished
    .slice(-200)
    .sort((a, b) => b.at - a.at)
    .slice(0, 20)
    .map((f) => f.seconds);
  return s;
}

/** Seconds until the budget (or the timeout) is reached at the recent pace; undefined when unknown. */
function etaSeconds(input: DashboardInput, s: Summary, start: number | undefined): number | undefined {
  const { maxTrials, timeoutSeconds } = input.study;
  let eta: number | undefined;
  if (maxTrials !== undefined && s.recentSeconds.length > 0) {
    const done = s.complete + s.pruned + s.failed - s.offBudget;
    const left = Math.max(0, maxTrials - done);
    const mean = s.recentSeconds.reduce((a, b) => a + b, 0) / s.recentSeconds.length;
    const parallel = Math.max(1, s.running.length);
    // Running trials are partly done: count what they still need.
    const runningLeft = s.running.reduce((a, t) => a + Math.max(0, mean - (trialSeconds(t, input.now) ?? 0)), 0);
    const queued = Math.max(0, left - s.running.length);
    eta = left === 0 ? 0 : (runningLeft + queued * mean) / parallel;
  }
  if (timeoutSeconds !== undefined && start !== undefined) {
    const untilTimeout = Math.max(0, timeoutSeconds - (input.now - start) / 1000);
    eta = eta === undefined ? untilTimeout : Math.min(eta, untilTimeout);
  }
  return eta;
}

/** Running, finished, done: …, in the title's words and tone. */
function statusSpan(study: DashboardInput['study'], s: Summary): Span {
  const budgetReached = study.maxTrials !== undefined && s.complete + s.pruned + s.failed - s.offBudget >= study.maxTrials;
  const text = study.ended !== undefined ? `done: ${study.ended}` : study.stopping ? 'stopping…' : s.running.length > 0 ? 'running' : budgetReached ? 'finished' : 'idle';
  return { text, tone: study.ended !== undefined || budgetReached ? 'complete' : study.stopping ? 'warn' : s.running.length > 0 ? 'running' : 'dim', bold: true };
}

/** ` 12/60 ✓8 ✂2 ✗0 ▶2`: trials against the budget (retries and re-runs left out), by state. */
function countSpans(study: DashboardInput['study'], s: Summary): Span[] {
  const used = s.complete + s.pruned + s.failed + s.running.length - s.offBudget;
  return [
    { text: study.maxTrials === undefined ? ` ${used} trials ` : ` ${used}/${study.maxTrials} `, bold: true },
    { text: `✓${s.complete}`, tone: 'complete' },
    { text: ` ✂${s.pruned}`, tone: 'pruned' },
    { text: ` ✗${s.failed}`, tone: 'failed' },
    { text: ` ▶${s.running.length}`, tone: 'running' },
    ...(s.waiting > 0 ? [{ text: ` ⏸${s.waiting}`, tone: 'waiting' as const }] : []),
  ];
}

/**
 * A terminal below `MIN_SIZE` (the layout would wrap or scroll): a centred request to
 * enlarge it, the study's state in one line and a pending question, where they fit.
 */
function tooSmallView(input: DashboardInput, s: Summary, selected: number | null): DashboardView {
  const state: Line = [{ text: `${input.study.name} · `, tone: 'title', bold: true }, statusSpan(input.study, s), { text: ' ·', tone: 'dim' }, ...countSpans(input.study, s)];
  const extra: Line[] = [state, ...(input.prompt ? [[{ text: input.prompt, tone: 'warn' as const, bold: true }]] : [])];
  const lines = tooSmallLines(input.size, MIN_SIZE, extra);
  return { columns: input.size.columns, rows: input.size.rows, header: lines.slice(0, -1), body: [], footer: lines[lines.length - 1] as Line, selected };
}

function headerLines(input: DashboardInput, s: Summary, width: number, pareto: ParetoPlot | undefined): Line[] {
  const { study } = input;
  const start = study.startedAt ?? s.firstStart;
  const active = study.ended === undefined && (s.running.length > 0 || study.startedAt !== undefined);
  const end = active || (study.ended !== undefined && study.startedAt !== undefined) ? input.now : (s.lastComplete ?? input.now);
  const elapsed = start === undefined ? undefined : Math.max(0, (end - start) / 1000);
  const done = s.complete + s.pruned + s.failed;
  const eta = active ? etaSeconds(input, s, start) : undefined;
  const long = width >= 100;
  const right: Span[] = [
    statusSpan(study, s),
    { text: `${long ? '  elapsed ' : ' · '}${formatDuration(elapsed)}`, tone: 'dim' },
    ...(active ? [{ text: `${long ? '  ' : ' · '}ETA ${formatDuration(eta)}`, tone: 'dim' as const }] : []),
  ];
  const rightWidth = lineWidth(right);
  const room = Math.max(0, width - rightWidth - 1);
  const multi = isMultiObjective(study);
  const objectives = multi ? objectivesText(study) : `${study.direction} ${study.metric}`;
  const about = [
    `  ${objectives} · sampler ${study.sampler} · pruner ${study.pruner}`,
    `  ${objectives} · ${study.sampler} · ${study.pruner}`,
    `  ${multi ? objectivesText(study, true) : `${study.direction === 'minimize' ? 'min' : 'max'} ${study.metric}`} · ${study.sampler}/${study.pruner}`,
  ];
  const fits = about.find((a) => 7 + study.name.length + a.length <= room) ?? (about[2] as string);
  const left: Span[] = [
    { text: 'sodate ', tone: 'dim' },
    { text: study.name, tone: 'title', bold: true },
    { text: fits, tone: 'dim' },
  ];
  const title = [...fitLine(left, Math.max(0, width - rightWidth - 1)), { text: ' ' }, ...right];

  // Progress: complete / pruned / failed / running against the budget.
  const used = done + s.running.length;
  const counts = countSpans(study, s);
  const barWidth = Math.max(4, width - lineWidth(counts));
  // The bar draws every trial, so room for the retries and re-runs the budget leaves out is added.
  const total = study.maxTrials === undefined ? Math.max(1, used) : study.maxTrials + s.offBudget;
  const widths = segmentWidths([s.complete, s.pruned, s.failed, s.running.length], total, barWidth);
  const tones = ['complete', 'pruned', 'failed', 'running'] as const;
  const bar: Span[] = widths.map((w, i) => ({ text: '█'.repeat(w), tone: tones[i] as (typeof tones)[number] }));
  const filled = widths.reduce((a, b) => a + b, 0);
  bar.push({ text: '░'.repeat(Math.max(0, barWidth - filled)), tone: 'dim' });
  const progress = fitLine([...bar.filter((b) => b.text !== ''), ...counts], width);

  const best = s.best;
  const bestLine = multi
    ? frontLine(pareto, input.trials, study, width)
    : best === undefined
      ? textLine('best: no complete trial yet', width, 'dim')
      : fitLine(
          [
            { text: 'best ', tone: 'dim' },
            { text: `${study.metric} ${formatNumber(valueOf(best))}`, tone: 'good', bold: true },
            { text: ` #${best.number}  `, tone: 'dim' },
            {
              text: Object.entries(best.params)
                .map(([k, v]) => `${k}=${formatParam(v)}`)
                .join('  '),
            },
          ],
          width,
        );
  return [title, progress, bestLine];
}

function footerLine(input: DashboardInput, width: number): Line {
  if (input.prompt) return fitLine([{ text: input.prompt, tone: 'warn', bold: true }], width);
  const keys = input.keys === false ? '' : input.detail ? '↑↓ other trial · esc back · q quit' : `↑↓ select · ⏎ details · s sort (${input.sort}) · q quit`;
  if (input.notice) return fitLine([{ text: input.notice, tone: 'warn' }, { text: keys === '' ? '' : `   ${keys}`, tone: 'dim' }], width);
  return textLine(keys, width, 'dim');
}

/** The Pareto-front data of a multi-objective study, recomputed only when a trial completes. */
function paretoFor(input: DashboardInput, s: Summary, memo: ViewMemo | undefined): ParetoPlot | undefined {
  if (!isMultiObjective(input.study)) return undefined;
  const key = `${s.complete}:${s.lastCompleteId}`;
  if (memo !== undefined && memo.paretoKey === key) return memo.pareto;
  const pareto = paretoOf(input.study, input.trials);
  if (memo !== undefined) {
    memo.paretoKey = key;
    memo.pareto = pareto;
  }
  return pareto;
}

/**
 * What the dashboard shows, from the study's trials, the clock, the terminal size and the
 * user's choices (sort, selection, details). Pure: the Ink components only draw the
 * returned lines. Never more than the terminal holds: below 60×16 it asks for a larger one
 * (`tooSmallLines`); at 80×24 everything fits, and more rows or columns give more trials,
 * taller charts and (from 150 columns) a second column.
 */
export function buildDashboardView(input: DashboardInput, memo?: ViewMemo): DashboardView {
  const { columns, rows } = input.size;
  // One column short of the edge and one row short of the bottom: a full last line or
  // column makes some terminals scroll or wrap.
  const width = columns - 1;
  const direction = input.study.direction;
  const s = summarize(input.trials, direction);
  const finished = finishedInOrder(input.trials, input.sort, direction);
  let selected = input.selected;
  if (selected !== null && !s.running.some((t) => t.number === selected) && !finished.some((t) => t.number === selected)) selected = null;
  if (columns < MIN_SIZE.columns || rows < MIN_SIZE.rows) return tooSmallView(input, s, selected);

  const pareto = paretoFor(input, s, memo);
  // Several objectives: the star and the running trials' reference curve go to the front's
  // best trial by the first objective, which is feasible, rather than to the lowest first value.
  if (pareto !== undefined) {
    const first = pareto.front[0]?.number;
    s.best = first === undefined ? undefined : input.trials.find((t) => t.number === first);
  }
  const header = headerLines({ ...input, selected }, s, width, pareto);
  // A multi-objective study shows its front where a single objective shows the best so far.
  const chart = (w: number, h: number): Panel => (isMultiObjective(input.study) ? paretoPanel(pareto, w, h) : historyPanel(s.bestSoFar, w, h));
  const footer = footerLine(input, width);
  // A staged study's stages go above the lists, full width, when they leave the lists room.
  const stagesHeight = input.stages === undefined || input.detail ? 0 : Math.min(stagesPanelHeight(input.stages), Math.max(0, Math.floor((rows - 1 - header.length - 1) / 4)));
  const stagesRow: ScreenRow[] = stagesHeight >= 2 && input.stages !== undefined ? [{ columns: [{ width, panels: [stagesPanel(input.stages, input.study.name, width, stagesHeight)] }] }] : [];
  const bodyHeight = rows - 1 - header.length - 1 - (stagesRow.length > 0 ? stagesHeight : 0);
  let body: ScreenRow[];

  if (input.detail) {
    const trial = selected === null ? undefined : input.trials.find((t) => t.number === selected);
    body = [{ columns: [{ width, panels: [detailPanel(trial, objectiveNames(input.study), s.best, direction, width, bodyHeight, input.now)] }] }];
  } else {
    const sortLabel = input.sort;
    const wide = columns >= 150 && rows >= 30;
    const importance = importanceOf(input, s.complete, memo);
    // A note (nothing measurable) takes a few rows in place of one bar per parameter.
    const nParams = importance === undefined ? 1 : importance.note === undefined ? importance.entries.length : 3;
    const backend = latestBackend(input.trials);
    if (wide) {
      const leftWidth = Math.floor(width * 0.58);
      const rightWidth = width - leftWidth - 1;
      const runningHeight = 1 + Math.min(Math.max(1, s.running.length + (s.best ? 1 : 0)), Math.max(2, Math.floor((bodyHeight - 2) / 2)));
      const finishedHeight = bodyHeight - runningHeight;
      const deviceHeight = Math.min(Math.max(3, 1 + 2 * (input.device?.gpus.length ?? 0) + 2 + (backend === undefined ? 0 : 1)), Math.floor(bodyHeight / 3));
      const importanceHeight = Math.min(1 + nParams, Math.floor((bodyHeight - deviceHeight) / 2));
      const historyHeight = bodyHeight - deviceHeight - importanceHeight;
      body = [
        {
          columns: [
            {
              width: leftWidth,
              panels: [
                runningPanel({ running: s.running, best: s.best, direction, selected, width: leftWidth, height: runningHeight, now: input.now }),
                finishedPanel({ finished, sortLabel, best: s.best, selected, width: leftWidth, height: finishedHeight, now: input.now, objectives: objectiveNames(input.study) }),
              ],
            },
            {
              width: rightWidth,
              panels: [
                chart(rightWidth, historyHeight),
                importancePanel(importance, s.complete, MIN_IMPORTANCE_TRIALS, rightWidth, importanceHeight),
                devicePanel(input.device, rightWidth, deviceHeight, backend),
              ],
            },
          ],
        },
      ];
    } else {
      const threeCharts = width >= 120;
      const chartHeight = rows >= 40 ? 10 : rows >= 30 ? 8 : rows >= 20 ? 6 : 0;
      const compactDevice = threeCharts && chartHeight > 0 ? 0 : 1;
      const listsHeight = bodyHeight - chartHeight - compactDevice;
      const runningRows = Math.min(Math.max(1, s.running.length + (s.best && s.running.length > 0 ? 1 : 0)), Math.max(1, Math.floor((listsHeight - 2) / 2)));
      const runningHeight = 1 + runningRows;
      const finishedHeight = listsHeight - runningHeight;
      const top: ScreenRow = {
        columns: [
          {
            width,
            panels: [
              runningPanel({ running: s.running, best: s.best, direction, selected, width, height: runningHeight, now: input.now }),
              finishedPanel({ finished, sortLabel, best: s.best, selected, width, height: finishedHeight, now: input.now, objectives: objectiveNames(input.study) }),
            ],
          },
        ],
      };
      body = [top];
      if (chartHeight > 0) {
        const gaps = threeCharts ? 2 : 1;
        const historyWidth = Math.floor((width - gaps) * (threeCharts ? 0.42 : 0.55));
        const importanceWidth = threeCharts ? Math.floor((width - gaps) * 0.3) : width - gaps - historyWidth;
        const charts: Panel[][] = [[chart(historyWidth, chartHeight)], [importancePanel(importance, s.complete, MIN_IMPORTANCE_TRIALS, importanceWidth, chartHeight)]];
        if (threeCharts) charts.push([devicePanel(input.device, width - gaps - historyWidth - importanceWidth, chartHeight, backend)]);
        body.push({ columns: charts.map((panels) => ({ width: (panels[0] as Panel).width, panels })) });
      }
      if (compactDevice > 0) {
        body.push({ columns: [{ width, panels: [{ id: 'devices', title: null, lines: [deviceLine(input.device, width, backend)], width, height: 1 }] }] });
      }
    }
  }
  return { columns, rows, header, body: [...stagesRow, ...body], footer, selected };
}

/**
 * The screen's lines, top to bottom: header, each body row with its columns side by side
 * (one space apart), footer. `draw` turns one fitted line into text (plain or styled).
 */
export function composeLines(view: DashboardView, draw: (line: Line) => string): string[] {
  const out = view.header.map(draw);
  for (const row of view.body) {
    const columnLines = row.columns.map((c) => c.panels.flatMap((p) => [...(p.title ? [draw(p.title)] : []), ...p.lines.map(draw)]));
    const height = Math.max(...columnLines.map((l) => l.length));
    for (let i = 0; i < height; i++) out.push(columnLines.map((l, k) => l[i] ?? ' '.repeat((row.columns[k] as { width: number }).width)).join(' '));
  }
  out.push(draw(view.footer));
  return out;
}

/** The view as plain text lines (no colour, trailing spaces trimmed): for tests and non-terminal output. */
export function viewToText(view: DashboardView): string[] {
  return composeLines(view, (line) => line.map((s) => s.text).join('')).map((l) => l.trimEnd());
}
