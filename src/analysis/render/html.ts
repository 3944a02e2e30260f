import type { JsonValue } from '../../json.js';
import { formatParamValue, formatValue } from '../plots/format.js';
import type { PlotKind } from '../plots/types.js';
import { sep } from 'node:path';
import type { BestTrialRow, ReportData } from '../report.js';
import type { StageRow } from '../stages.js';
import { STAGE_GAIN_LEVEL } from '../stages.js';
import { esc } from './svg/frame.js';
import { renderSvg } from './svg/index.js';

/** The element id each plot's figure gets in the report, for links and tests. */
export function plotElementId(kind: PlotKind): string {
  return `plot-${kind}`;
}

const CSS = `
:root { color-scheme: light; }
td.files { white-space: nowrap; } td.files .dim { color: #888; }
body { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; margin: 0; color: #222; background: #f6f6f4; }
header { background: #22313f; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: 0.85; font-size: 13px; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 40px; }
nav { font-size: 13px; margin: 8px 0 16px; }
nav a { margin-right: 12px; color: #1f5f99; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 14px 18px; margin: 14px 0; }
section h2 { font-size: 16px; margin: 0 0 10px; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #e2e2e2; border-radius: 5px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 18px; }
.card span { font-size: 11px; color: #666; }
pre { background: #f4f4f4; padding: 10px; font-size: 12px; overflow-x: auto; max-height: 420px; }
.note { color: #8a5a00; font-size: 12px; }
.stages-note { font-size: 12px; color: #555; }
tr.current td { font-weight: bold; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
@media (max-width: 1000px) { .grid { grid-template-columns: 1fr; } }
`;

/** An SVG inside HTML needs no namespace declaration; dropping it keeps the page free of URLs. */
function inlineSvg(svg: string): string {
  return svg.replace(' xmlns="http://www.w3.org/2000/svg"', '');
}

function attrValue(value: JsonValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}

/**
 * One self-contained HTML page: inline CSS, inline SVG plots, no script and no external
 * reference, so it opens anywhere without a network.
 */
/** The stages side by side; the report's own stage marked. A gain's interval only from re-runs of both bests. */
function stagesTable(rows: readonly StageRow[], current: string, metric: string): string {
  const interval = (r: StageRow) => {
    if (r.gain === null) return '-';
    if (r.gain.basis === 'single run' || r.gain.low === null || r.gain.high === null) return 'single run';
    return `[${formatValue(r.gain.low)}, ${formatValue(r.gain.high)}] (${r.reruns.length} re-runs vs ${rows[r.index - 2]?.reruns.length ?? 0})`;
  };
  const body = rows
    .map(
      (r) =>
        `<tr${r.study === current ? ' class="current"' : ''}><td class="num">${r.index}</td><td>${esc(r.name)}</td><td>${esc(r.study)}</td><td>${esc(r.opens.join(', '))}</td><td class="num">${r.trials}</td>` +
        `<td class="num">${r.best === null ? '-' : esc(formatValue(r.best.value))}</td><td class="num">${r.best === null ? '-' : r.best.number}</td>` +
        `<td class="num">${r.gain === null ? '-' : esc(formatValue(r.gain.mean))}</td><td>${esc(interval(r))}</td></tr>`,
    )
    .join('');
  const level = `${Math.round(STAGE_GAIN_LEVEL * 100)}%`;
  // A stage built on a best its stage before has since improved on: its gain is not what it added.
  const stale = rows
    .filter((r) => r.builtOnEarlierBest !== null)
    .map((r) => {
      const before = rows[r.index - 2];
      const built = r.builtOnEarlierBest as { trial: number; value: number };
      return `<p class="stages-note">Stage ${esc(r.name)} was built on trial ${built.trial} of ${esc(before?.study ?? '')} (${esc(formatValue(built.value))}); that stage has since found trial ${before?.best?.number ?? '-'}, so the gain compares with a best this stage never started from. Delete ${esc(r.study)} and the stages after it, and run <code>sodate tune</code> again, to build it on the new best.</p>`;
    })
    .join('');
  return (
    `<table id="stages-table"><thead><tr><th>stage</th><th>name</th><th>study</th><th>parameters opened</th><th>trials</th><th>best ${esc(metric)}</th><th>best trial</th><th>gain over previous</th><th>${level} interval</th></tr></thead><tbody>${body}</tbody></table>` +
    `<p class="stages-note">A stage's best is one run of its best trial, so its gain over the stage before has no interval ("single run"). With two or more re-runs of both bests (<code>sodate confirm &lt;stage study&gt; --top 1 --seeds K</code>), the gain is the difference of their means with Welch's ${level} interval, the best trials' own values left out.</p>` +
    stale
  );
}

export function renderReportHtml(report: ReportData): string {
  const s = report.study;
  const best = report.best[0];
  const hypervolume = report.plots.find((p) => p.kind === 'hypervolume');
  const cards: [string, string][] = [
    [String(s.nTrials), 'trials'],
    [String(s.counts.COMPLETE), s.infeasible > 0 ? `complete (${s.infeasible} infeasible)` : 'complete'],
    [String(s.counts.PRUNED), 'pruned'],
    [String(s.counts.FAIL), 'failed'],
    ...(report.front === null
      ? ([
          [best === undefined ? '-' : formatValue(best.value), `best ${s.metric}`],
          [best === undefined ? '-' : String(best.number), 'best trial'],
        ] as [string, string][])
      : ([
          [String(report.front.length), 'Pareto front trials'],
          [hypervolume === undefined || hypervolume.steps.length === 0 ? '-' : `${((hypervolume.steps.at(-1)?.hypervolume ?? 0) * 100).toFixed(1)}%`, 'hypervolume share'],
        ] as [string, string][])),
  ];
  const objectives = report.front === null ? `${s.direction} ${s.metric}` : s.directions.map((d, i) => `${d} ${s.metrics[i] ?? `value_${i}`}`).join(', ');
  const figures = new Map(report.plots.map((p) => [p.kind, `<figure id="${plotElementId(p.kind)}" data-plot="${p.kind}">${inlineSvg(renderSvg(p))}</figure>`]));
  const section = (id: string, title: string, content: string | undefined) => (content === undefined ? '' : `<section id="${id}"><h2>${esc(title)}</h2>${content}</section>`);
  const paramHeads = report.params.map((p) => `<th>${esc(p)}</th>`).join('');
  // A files column only when some listed trial recorded files: a link per file on disk, the status of the others.
  const withFiles = [...report.best, ...(report.front ?? [])].some((r) => r.files.length > 0);
  const filesHead = withFiles ? '<th>files</th>' : '';
  const filesCell = (r: BestTrialRow): string =>
    withFiles
      ? `<td class="files">${r.files.map((f) => (f.href === null ? `<span class="dim">${esc(f.name)} (${f.status})</span>` : `<a href="${esc(f.href.split(sep).map(encodeURIComponent).join('/'))}">${esc(f.name)}</a>`)).join('<br>')}</td>`
      : '';
  const bestRows = report.best
    .map(
      (r) =>
        `<tr><td class="num">${r.rank}</td><td class="num">${r.number}</td><td class="num">${esc(formatValue(r.value))}</td><td class="num">${r.durationSeconds === null ? '-' : `${r.durationSeconds.toFixed(1)} s`}</td><td>${esc(r.device ?? '-')}</td><td class="num">${r.bestEpoch ?? '-'}</td>` +
        report.params.map((p) => `<td>${esc(formatParamValue(r.params[p]))}</td>`).join('') +
        `${filesCell(r)}</tr>`,
    )
    .join('');
  const frontTable =
    report.front === null
      ? undefined
      : `<table id="pareto-front"><thead><tr><th>trial</th>${s.metrics.map((m) => `<th>${esc(m)}</th>`).join('')}<th>duration</th><th>device</th>${paramHeads}${filesHead}</tr></thead><tbody>${report.front
          .map(
            (r) =>
              `<tr><td class="num">${r.number}</td>${s.metrics.map((_, i) => `<td class="num">${esc(formatValue(r.values[i]))}</td>`).join('')}<td class="num">${r.durationSeconds === null ? '-' : `${r.durationSeconds.toFixed(1)} s`}</td><td>${esc(r.device ?? '-')}</td>` +
              report.params.map((p) => `<td>${esc(formatParamValue(r.params[p]))}</td>`).join('') +
              `${filesCell(r)}</tr>`,
          )
          .join('')}</tbody></table>`;
  const bestTable = `<table id="best-trials"><thead><tr><th>rank</th><th>trial</th><th>${esc(s.metric)}</th><th>duration</th><th>device</th><th>best epoch</th>${paramHeads}${filesHead}</tr></thead><tbody>${bestRows}</tbody></table>`;
  const importanceTable =
    report.importance === null
      ? undefined
      : `<table id="importance-table"><thead><tr><th>parameter</th><th>importance</th></tr></thead><tbody>${report.importance.importances
          .map((p) => `<tr><td>${esc(p.name)}</td><td class="num">${(p.importance * 100).toFixed(1)}%</td></tr>`)
          .join('')}</tbody></table>` +
        (report.importance.interactions !== undefined && report.importance.interactions.length > 0
          ? `<p>Interactions (share of the forest's variance): ${report.importance.interactions.map((i) => `${esc(i.params[0])} × ${esc(i.params[1])} ${(i.importance * 100).toFixed(1)}%`).join(', ')}</p>`
          : '');
  const config = `<table id="configuration"><thead><tr><th>scope</th><th>key</th><th>value</th></tr></thead><tbody>${report.front === null ? `<tr><td>study</td><td>direction</td><td>${esc(s.direction)}</td></tr>` : `<tr><td>study</td><td>directions</td><td>${esc(s.directions.join(', '))}</td></tr>`}${report.configuration
    .map((c) => `<tr><td>${c.scope}</td><td>${esc(c.key)}</td><td>${esc(attrValue(c.value))}</td></tr>`)
    .join('')}</tbody></table>${report.spaceText === null ? '' : `<h3>Search space file</h3><pre id="space-file">${esc(report.spaceText)}</pre>`}`;
  const notes = report.notes.length === 0 ? '' : `<p class="note">${report.notes.map(esc).join('<br>')}</p>`;
  const sections = [
    section('summary', 'Summary', `<div class="cards">${cards.map(([v, l]) => `<div class="card"><b>${esc(v)}</b><span>${esc(l)}</span></div>`).join('')}</div>${notes}`),
    section('stages', 'Stages', report.stages === null ? undefined : stagesTable(report.stages, s.name, s.metric)),
    // Multi-objective studies only (no blank line in a single-objective page).
    ...(['pareto', 'hypervolume'] as const).filter((k) => figures.has(k)).map((k) => section(k, k === 'pareto' ? 'Pareto front' : 'Hypervolume history', figures.get(k))),
    section('history', report.front === null ? 'Optimization history' : `Optimization history of ${s.metric}`, figures.get('history')),
    section(
      'importance',
      'Parameter importance',
      report.importance?.note !== undefined
        ? `<p class="note" id="importance-note">${esc(report.importance.note)}</p>`
        : figures.has('importance')
          ? `<div class="grid"><div>${figures.get('importance')}</div><div>${importanceTable ?? ''}</div></div>`
          : undefined,
    ),
    section('best', frontTable === undefined ? 'Best trials' : 'Pareto front trials (feasible, none better in every objective)', frontTable ?? bestTable),
    section('intermediate', 'Intermediate values', figures.get('intermediate')),
    section('parallel', 'Parallel coordinates', figures.get('parallel')),
    section('contour', 'Contour of the two most important parameters', figures.get('contour')),
    section('slice', 'Slices', figures.get('slice')),
    section('timeline', 'Timeline by slot and device', figures.get('timeline')),
    section('config', 'Study configuration', config),
  ].join('\n');
  const nav = ['summary', 'stages', 'pareto', 'hypervolume', 'history', 'importance', 'best', 'intermediate', 'parallel', 'contour', 'slice', 'timeline', 'config']
    .filter((id) => sections.includes(`<section id="${id}">`))
    .map((id) => `<a href="#${id}">${id}</a>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sodate report">
<title>sodate report: ${esc(s.name)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>Study ${esc(s.name)}</h1><p>${esc(objectives)} · ${s.nTrials} trials${s.firstStart === null ? '' : ` · from ${esc(s.firstStart)} to ${esc(s.lastComplete ?? '…')}`} · generated ${esc(report.generatedAt)}</p></header>
<main>
<nav>${nav}</nav>
${sections}
</main>
</body>
</html>
`;
}
