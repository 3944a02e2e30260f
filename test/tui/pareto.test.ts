import { describe, expect, it } from 'vitest';
import { paretoPlot } from '../../src/analysis/index.js';
import type { StudyRecord } from '../../src/storage/records.js';
import type { DashboardInput, DashboardView } from '../../src/tui/index.js';
import { buildDashboardView, headerFromStudy, summaryLines, viewToText } from '../../src/tui/index.js';
import { brailleScatter } from '../../src/tui/model/charts.js';
import { paretoPanel } from '../../src/tui/model/pareto.js';
import { linearAxis } from '../../src/analysis/plots/axes.js';
import { makeTrial } from '../helpers/trials.js';
import { HEADER, MO_HEADER, T0, multiObjectiveTrials } from './studies.js';

function input(change: Partial<DashboardInput> = {}): DashboardInput {
  return { study: MO_HEADER, trials: multiObjectiveTrials({ trials: 60, running: 2 }), now: T0 + 60 * 30_000, size: { columns: 120, rows: 30 }, sort: 'recent', selected: null, detail: false, ...change };
}

function panel(view: DashboardView, id: string) {
  for (const row of view.body) for (const c of row.columns) for (const p of c.panels) if (p.id === id) return p;
  return undefined;
}

describe('braille scatter', () => {
  it('puts the unit square’s corners in the corner dots of the corner cells', () => {
    const cells = brailleScatter(
      [
        { x: 0, y: 0, level: 0 },
        { x: 1, y: 1, level: 0 },
      ],
      3,
      2,
    );
    expect(cells.map((row) => row.map((c) => c.char).join(''))).toEqual(['⠀⠀⠈', '⡀⠀⠀']);
  });

  it('keeps the highest level of the points in a cell, -1 where there is none', () => {
    const cells = brailleScatter(
      [
        { x: 0.1, y: 0.9, level: 0 },
        { x: 0.2, y: 0.8, level: 2 },
        { x: 0.9, y: 0.1, level: 1 },
      ],
      2,
      1,
    );
    expect(cells[0]?.map((c) => c.level)).toEqual([2, 1]);
    expect(brailleScatter([], 2, 1)[0]?.map((c) => c.level)).toEqual([-1, -1]);
  });
});

describe('header of a multi-objective study', () => {
  const record: StudyRecord = { id: 1, name: 'mo', direction: 'minimize', directions: ['minimize', 'maximize'], userAttrs: { metric: 'val_loss', metrics: ['val_loss', 'accuracy'] }, systemAttrs: {} };
  it('carries every direction and metric', () => {
    const header = headerFromStudy(record);
    expect(header.directions).toEqual(['minimize', 'maximize']);
    expect(header.metrics).toEqual(['val_loss', 'accuracy']);
  });
  it('stays as it was for one objective', () => {
    const header = headerFromStudy({ ...record, directions: ['minimize'], userAttrs: { metric: 'val_loss' } });
    expect('directions' in header).toBe(false);
    expect('metrics' in header).toBe(false);
  });
});

describe('dashboard of a two-objective study', () => {
  const view = buildDashboardView(input());
  const text = viewToText(view);

  it('lists the directions and metrics in the title line', () => {
    expect(text[0]).toContain('minimize val_loss, minimize latency_ms · nsga2 · none');
    const narrow = viewToText(buildDashboardView(input({ size: { columns: 80, rows: 24 } })));
    expect(narrow[0]).toContain('min val_loss, min latency_ms');
  });

  it('gives the front’s size and its trials instead of one best value', () => {
    const plot = paretoPlot({ trials: input().trials, directions: ['minimize', 'minimize'] });
    const first = plot.front[0]?.number;
    expect(text[2]).toMatch(new RegExp(`^front ${plot.front.length} trials  #${first} val_loss=[\\d.]+ latency_ms=[\\d.]+ · #`));
    expect(text.join('\n')).not.toMatch(/^best val_loss/m);
  });

  it('draws the front as braille dots in place of the best-so-far chart', () => {
    expect(panel(view, 'history')).toBeUndefined();
    const pareto = panel(view, 'pareto');
    expect(pareto).toBeDefined();
    const lines = (pareto?.lines ?? []).map((l) => l.map((s) => s.text).join(''));
    expect(lines.join('')).toMatch(/[\u2801-\u28ff]/);
    expect(lines.at(-1)).toContain('val_loss (minimize)');
    expect(pareto?.title?.map((s) => s.text).join('')).toMatch(/─ pareto front ─+ \d+ on front · \d+ infeasible/);
  });

  it('highlights the front and dims the infeasible trials', () => {
    // One front trial (top left), one dominated (bottom right), one infeasible (middle).
    const trials = [
      makeTrial({ number: 0, values: [0, 0], systemAttrs: { 'constraints:m': -1 } }),
      makeTrial({ number: 1, values: [10, 10], systemAttrs: { 'constraints:m': -1 } }),
      makeTrial({ number: 2, values: [5, 5], systemAttrs: { 'constraints:m': 3 } }),
    ];
    const p = paretoPanel(paretoPlot({ trials, directions: ['minimize', 'minimize'] }), 40, 8);
    const spans = p.lines.flat().filter((s) => /[\u2801-\u28ff]/.test(s.text));
    expect(spans.map((s) => s.tone)).toEqual([undefined, 'dim', 'good']);
    expect(spans[2]?.bold).toBe(true);
  });

  it('starts an axis at zero when its padding would run below it but no value does', () => {
    const trials = [makeTrial({ number: 0, values: [0.2, 25] }), makeTrial({ number: 1, values: [0.3, 12] }), makeTrial({ number: 2, values: [0.4, 0.5] })];
    const plot = paretoPlot({ trials, directions: ['minimize', 'minimize'] });
    const lines = paretoPanel(plot, 40, 8).lines.map((l) => l.map((s) => s.text).join(''));
    const yLabels = lines.slice(0, -1).map((l) => l.slice(0, 7).trim()).filter((l) => l !== '');
    expect(yLabels).toEqual([expect.stringMatching(/^2[67]/), '0']);
  });

  it('keeps an axis’ padding where the values reach below zero, and stops it at zero where none does (the report’s axes too)', () => {
    expect(linearAxis('gain', [-1, 5]).domain).toEqual([-1.24, 5.24]);
    expect(linearAxis('latency', [0, 5]).domain).toEqual([0, 5.2]);
    const negative = linearAxis('loss', [-5, -0.1]).domain;
    expect(negative[0]).toBeCloseTo(-5.196, 12);
    expect(negative[1]).toBe(0);
  });

  it('marks the front’s best trial by the first objective with the star', () => {
    const starred = text.filter((l) => l.startsWith('★'));
    const plot = paretoPlot({ trials: input().trials, directions: ['minimize', 'minimize'] });
    expect(starred.length).toBeLessThanOrEqual(1);
    for (const l of starred) expect(l).toMatch(new RegExp(`^★#${plot.front[0]?.number}\\b`));
  });

  it('says so while no trial is complete or feasible', () => {
    expect(viewToText(buildDashboardView(input({ trials: [] })))[2]).toBe('front: no complete trial yet');
    const infeasible = [makeTrial({ number: 0, values: [1, 2], systemAttrs: { 'constraints:m': 1 } })];
    expect(viewToText(buildDashboardView(input({ trials: infeasible })))[2]).toBe('front: no feasible trial yet (1 infeasible)');
  });

  for (const [columns, rows] of [
    [60, 16],
    [80, 24],
    [120, 40],
    [160, 50],
  ] as const) {
    it(`fills ${columns}×${rows} exactly`, () => {
      const v = buildDashboardView(input({ size: { columns, rows } }));
      const lines = viewToText(v);
      expect(lines).toHaveLength(rows - 1);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(columns - 1);
    });
  }

  it('leaves the Pareto front in the summary printed after the run', () => {
    const trials = [makeTrial({ number: 0, values: [1, 5] }), makeTrial({ number: 1, values: [2, 2] }), makeTrial({ number: 2, values: [3, 3] })];
    expect(summaryLines(MO_HEADER, trials)[1]).toBe('Pareto front (2 trials): #0 val_loss=1 latency_ms=5; #1 val_loss=2 latency_ms=2');
    expect(summaryLines(HEADER, [makeTrial({ number: 0, value: 1 })])[1]).toBe('best val_loss=1 at trial 0: ');
  });
});

describe('every objective in the trial list and the details', () => {
  const rowOf = (lines: string[], n: number) => lines.find((l) => new RegExp(`^[ ★]#${n}\\b`).test(l));

  it('gives each objective a value column, named in the list’s title, and marks the infeasible', () => {
    const trials = input().trials;
    const text = viewToText(buildDashboardView(input()));
    expect(text.find((l) => l.startsWith('─ finished'))).toMatch(/ val_loss · latency_ms · sort: recent ─$/);
    const t57 = trials.find((t) => t.number === 57);
    expect(rowOf(text, 57)).toMatch(new RegExp(`^ #57 +COMPLETE +${t57?.values?.[0]?.toFixed(5)} +${t57?.values?.[1]} +30s  lr=`));
    // Trial 53 is past its memory limit: the list says so where the state goes.
    expect(rowOf(text, 53)).toMatch(/^ #53 +INFEAS\. +0\.68452 +22\.146 /);
  });

  it('keeps the objectives’ names and every value on a 60-column terminal, with three objectives too', () => {
    const narrow = viewToText(buildDashboardView(input({ size: { columns: 60, rows: 16 } })));
    expect(narrow.find((l) => l.startsWith('─ finished'))).toMatch(/ val_loss · latency_ms · sort: recent ─$/);
    expect(rowOf(narrow, 57)).toMatch(/^ #57 +COMPLETE +[\d.]+ +[\d.]+ +30s  lr=/);
    const three = { ...MO_HEADER, directions: ['minimize', 'minimize', 'maximize'] as const, metrics: ['val_loss', 'latency_ms', 'accuracy'] };
    const trials = [makeTrial({ number: 0, values: [0.123456, 12.3456, 0.987654] }), makeTrial({ number: 1, values: [0.5, 40, 0.5], systemAttrs: { 'constraints:m': 1 } })];
    const lines = viewToText(buildDashboardView(input({ study: three, trials, size: { columns: 60, rows: 16 } })));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(59);
    expect(rowOf(lines, 0)).toMatch(/#0 +COMPLETE +0\.1235 +12\.35 +0\.9877 /);
    expect(rowOf(lines, 1)).toMatch(/#1 +INFEAS\. +0\.5 +40 +0\.5 /);
  });

  it('names every objective’s value in the details, with the constraint the trial broke', () => {
    const trials = [makeTrial({ number: 0, values: [0.25, 308074], systemAttrs: { 'constraints:params': 108074, 'sodate:measured:params': 308074 } })];
    const study = { ...MO_HEADER, metrics: ['val_loss', 'inference_ms'] };
    const text = viewToText(buildDashboardView(input({ study, trials, selected: 0, detail: true, size: { columns: 100, rows: 24 } })));
    const head = text.findIndex((l) => l.startsWith('#0 COMPLETE'));
    expect(text[head]).toMatch(/^#0 COMPLETE infeasible  val_loss 0\.25  inference_ms 308074  took/);
    expect(text[head + 1]).toBe('constraints  params 308074 ✗ 108074 over');
  });

  it('shows a running trial’s last reported vector', () => {
    const running = makeTrial({ number: 0, intermediate: { 0: 0.9, 1: 0.7 }, systemAttrs: { 'sodate:values@0': [0.9, 13], 'sodate:values@1': [0.7, 12.5] } });
    const text = viewToText(buildDashboardView(input({ trials: [running], selected: 0, detail: true })));
    expect(text.find((l) => l.startsWith('#0 RUNNING'))).toMatch(/^#0 RUNNING  val_loss 0\.7  latency_ms 12\.5 at step 1 /);
  });

  it('marks an infeasible trial of a single-objective study with constraints, and keeps one value column', () => {
    const trials = [makeTrial({ number: 0, value: 0.2, systemAttrs: { 'constraints:params': 5 } }), makeTrial({ number: 1, value: 0.3, systemAttrs: { 'constraints:params': -5 } })];
    const text = viewToText(buildDashboardView(input({ study: HEADER, trials })));
    expect(rowOf(text, 0)).toMatch(/^ #0 +INFEAS\. +0\.2 +/);
    // The best is the feasible trial, and the title names no objectives.
    expect(rowOf(text, 1)).toMatch(/^★#1 +COMPLETE +0\.3 +/);
    expect(text.find((l) => l.startsWith('─ finished'))).toMatch(/ sort: recent ─$/);
    expect(text.find((l) => l.startsWith('─ finished'))).not.toMatch(/val_loss/);
  });
});
