import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_DIR_ATTR, ARTIFACTS_DELETED_ATTR, artifactAttrs } from '../../src/artifacts/index.js';
import { buildReport, plotElementId, renderReportHtml, renderSvg, svgToPng } from '../../src/analysis/index.js';
import type { PlotData, ReportData } from '../../src/analysis/index.js';
import type { FrozenTrial, StudyRecord } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';
import { decodePng, inkStats } from './png.js';
import { EMA, LR, MOMENTUM, OPTIMIZER, syntheticTrials, uniform } from './synthetic.js';

const KINDS = ['history', 'importance', 'intermediate', 'parallel', 'slice', 'contour', 'timeline'] as const;

function demoReport(): ReportData {
  const base = syntheticTrials(
    150,
    11,
    (r) => {
      const optimizer = uniform(r, OPTIMIZER);
      return { lr: uniform(r, LR), optimizer, ...(optimizer.value === 'sgd' ? { momentum: uniform(r, MOMENTUM) } : {}), ema: uniform(r, EMA) };
    },
    (p, r) => (Math.log10(p['lr'] as number) + 3) ** 2 + (p['ema'] === true ? 0 : 1) + 0.1 * r.normal(),
  );
  const trials: FrozenTrial[] = base.map((t, i) => {
    const v = t.values?.[0] as number;
    const pruned = i % 5 === 4;
    const curve = new Map(Array.from({ length: pruned ? 3 : 8 }, (_, s) => [s, v + 2 / (s + 1)] as [number, number]));
    const start = new Date(Date.UTC(2026, 0, 1) + i * 5000);
    return {
      ...t,
      state: pruned ? 'PRUNED' : 'COMPLETE',
      values: pruned ? null : t.values,
      intermediateValues: curve,
      datetimeStart: start,
      datetimeComplete: new Date(start.getTime() + 9000),
      systemAttrs: { 'sodate:slot': `t${i % 2}`, 'sodate:device': `gpu:${i % 2}` },
    };
  });
  const study: StudyRecord = { id: 1, name: 'render-demo', direction: 'minimize', directions: ['minimize'], userAttrs: { metric: 'val_loss' }, systemAttrs: { 'sodate:seed': 1, 'sodate:space_file': 'search-spaces/demo.yaml' } };
  return buildReport(study, trials, { now: new Date(Date.UTC(2026, 0, 2)) });
}

const report = demoReport();

/** Five COMPLETE trials with a memory constraint (≤ 0 met): two miss it. */
function demoTrialsWithConstraint(): FrozenTrial[] {
  return [0.5, -1, 2, -0.2, 0].map((violation, number) => makeTrial({ number, value: number, systemAttrs: { 'constraints:mem_gb': violation } }));
}
const plotOf = (kind: (typeof KINDS)[number]): PlotData => report.plots.find((p) => p.kind === kind) as PlotData;

describe('SVG renderers', () => {
  it.each(KINDS)('%s: a standalone SVG document naming its plot kind, with its title', (kind) => {
    const svg = renderSvg(plotOf(kind));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(`data-plot="${kind}"`);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    // Every element that opens is closed (self-closing or paired).
    const opened = (svg.match(/<(?!\/)[a-zA-Z][^>]*[^/]>/g) ?? []).length;
    const closed = (svg.match(/<\/[a-zA-Z]+>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it('escapes text from the study (parameter names are user input)', () => {
    const svg = renderSvg({ kind: 'importance', title: 'x', method: 'ped-anova', bars: [{ name: '<b>&"', importance: 1 }], shown: 1, total: 1 });
    expect(svg).toContain('&lt;b&gt;&amp;&quot;');
    expect(svg).not.toContain('<b>');
  });
});

describe('PNG', () => {
  it.each(KINDS)('%s: renders to a PNG of the expected size that is not blank', async (kind) => {
    const svg = renderSvg(plotOf(kind));
    const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
    const height = Number(/height="(\d+)"/.exec(svg)?.[1]);
    const png = await svgToPng(svg, { scale: 1 });
    expect(png.length).toBeGreaterThan(5_000);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([width, height]);
    const { inked, colors } = inkStats(image);
    expect(inked).toBeGreaterThan(0.02);
    expect(inked).toBeLessThan(0.95);
    expect(colors).toBeGreaterThan(8);
  });
});

describe('HTML report', () => {
  const html = renderReportHtml(report);

  it('holds every plot in a figure with a stable id', () => {
    for (const kind of KINDS) {
      expect(html).toContain(`<figure id="${plotElementId(kind)}" data-plot="${kind}"><svg`);
    }
    expect(html).toContain('<table id="best-trials">');
    expect(html).toContain('<table id="configuration">');
    expect(html).toContain('sodate:space_file');
  });

  it('counts the complete trials that miss a constraint beside the complete ones', () => {
    const constrained = demoTrialsWithConstraint();
    const study: StudyRecord = { id: 1, name: 'c', direction: 'minimize', directions: ['minimize'], userAttrs: { metric: 'loss' }, systemAttrs: {} };
    const data = buildReport(study, constrained, { now: new Date(Date.UTC(2026, 0, 2)) });
    expect(data.study.infeasible).toBe(2);
    expect(renderReportHtml(data)).toContain('complete (2 infeasible)');
    expect(html).not.toContain('infeasible)');
  });

  it('is self-contained: no URL, no script, no external resource', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)/i);
    for (const m of html.matchAll(/(?:href|src)="([^"]*)"/g)) expect(m[1]?.startsWith('#')).toBe(true);
  });
});

describe('the report links the files the best trials left', () => {
  it('relative to the report folder for files on disk, with the status of the others', () => {
    const root = mkdtempSync(join(tmpdir(), 'sodate-report-files-'));
    const dirOf = (n: number): string => join(root, 'artifacts', 'demo', String(n));
    mkdirSync(dirOf(0), { recursive: true });
    writeFileSync(join(dirOf(0), 'model weights.txt'), 'abc');
    const trial = (n: number, value: number, extra: Record<string, string>): FrozenTrial => ({
      id: n + 1, number: n, state: 'COMPLETE', values: [value], params: { x: value }, internalParams: { x: value }, distributions: {}, userAttrs: {},
      systemAttrs: { ...artifactAttrs('demo', n, [{ name: 'model weights.txt', size: 3, sha256: 'ab' }]), [ARTIFACT_DIR_ATTR]: dirOf(n), ...extra },
      intermediateValues: new Map(), datetimeStart: null, datetimeComplete: null,
    });
    const study: StudyRecord = { id: 1, name: 'demo', direction: 'minimize', directions: ['minimize'], userAttrs: {}, systemAttrs: {} };
    const trials = [trial(0, 0.1, {}), trial(1, 0.2, { [ARTIFACTS_DELETED_ATTR]: '2026-12-04T00:00:00Z' }), trial(2, 0.3, {})];
    const linked = buildReport(study, trials, { linksFrom: root });
    expect(linked.best.map((r) => r.files.map((f) => [f.href, f.status]))).toEqual([
      [[join('artifacts', 'demo', '0', 'model weights.txt'), 'present']],
      [[null, 'deleted']],
      [[null, 'missing']],
    ]);
    const html = renderReportHtml(linked);
    expect(html).toContain('<a href="artifacts/demo/0/model%20weights.txt">model weights.txt</a>');
    expect(html).toContain('model weights.txt (deleted)');
    expect(html).toContain('model weights.txt (missing)');
    // Without files anywhere, no files column.
    expect(renderReportHtml(demoReport())).not.toContain('<th>files</th>');
  });
});
