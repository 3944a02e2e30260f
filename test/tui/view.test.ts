import { ARTIFACT_DIR_ATTR, ARTIFACTS_DELETED_ATTR, artifactAttrs } from '../../src/artifacts/index.js';
import { describe, expect, it } from 'vitest';
import type { DashboardInput, DashboardView } from '../../src/tui/index.js';
import { buildDashboardView, headerFromStudy, moveSelection, selectableTrials, viewToText } from '../../src/tui/index.js';
import { finishedInOrder } from '../../src/tui/index.js';
import { paramImportances } from '../../src/analysis/index.js';
import type { ViewMemo } from '../../src/tui/model/view.js';
import { latestBackend } from '../../src/tui/model/view.js';
import { HEADER, T0, recordedRunningStudy, syntheticTrials } from './studies.js';
import { makeTrial } from '../helpers/trials.js';
import { floatDistribution } from '../../src/space/distributions.js';

function input(change: Partial<DashboardInput> = {}): DashboardInput {
  return { study: HEADER, trials: [], now: T0, size: { columns: 80, rows: 24 }, sort: 'recent', selected: null, detail: false, ...change };
}

/** Every drawn line of the view with its width. */
function widths(view: DashboardView): number[] {
  const w = (line: readonly { text: string }[]) => line.reduce((a, s) => a + s.text.length, 0);
  const out = view.header.map(w);
  for (const row of view.body) for (const c of row.columns) for (const p of c.panels) for (const l of [...(p.title ? [p.title] : []), ...p.lines]) out.push(w(l));
  out.push(w(view.footer));
  return out;
}

function panelText(view: DashboardView, id: string): string[] {
  for (const row of view.body) for (const c of row.columns) for (const p of c.panels) if (p.id === id) return [...(p.title ? [p.title] : []), ...p.lines].map((l) => l.map((s) => s.text).join(''));
  throw new Error(`no panel ${id}`);
}

const running = recordedRunningStudy();
const runningInput = (change: Partial<DashboardInput> = {}) =>
  input({ study: headerFromStudy(running.study, { maxTrials: 40, sampler: 'random', pruner: 'median' }), trials: running.trials, now: running.recordedAt, ...change });

describe('dashboard view: budget', () => {
  it('counts the trials the budget counts: a retry replaces its failed trial, so it is not counted again', () => {
    const trials = [
      makeTrial({ number: 0, value: 0.5 }),
      makeTrial({ number: 1, state: 'FAIL' }),
      makeTrial({ number: 2, value: 0.4, systemAttrs: { 'sodate:retry_of': 1 } }),
    ];
    const text = viewToText(buildDashboardView(input({ study: { ...HEADER, maxTrials: 3 }, trials }))).join('\n');
    expect(text).toMatch(/ 2\/3 ✓2 ✂0 ✗1/);
    expect(text.split('\n')[0]).toMatch(/ idle /);
  });
});

describe('dashboard view: layout', () => {
  const sizes = [
    [60, 16],
    [80, 24],
    [100, 30],
    [120, 40],
    [160, 50],
    [240, 70],
  ] as const;
  for (const trials of [0, 40, 10_000]) {
    for (const [columns, rows] of sizes) {
      it(`fills ${columns}×${rows} exactly (one row and column spare) with ${trials} trials`, () => {
        const view = buildDashboardView(input({ trials: syntheticTrials({ trials, running: Math.min(trials, 3) }), size: { columns, rows }, now: T0 + trials * 30_000 }));
        expect(viewToText(view)).toHaveLength(rows - 1);
        for (const w of widths(view)) expect(w).toBeLessThanOrEqual(columns - 1);
      });
    }
  }

  it('fits the panel columns of a row side by side within the width', () => {
    const view = buildDashboardView(input({ trials: syntheticTrials({ trials: 100, running: 2 }), size: { columns: 160, rows: 50 } }));
    for (const row of view.body) expect(row.columns.reduce((a, c) => a + c.width, 0) + row.columns.length - 1).toBeLessThanOrEqual(159);
    expect(view.body[0]?.columns).toHaveLength(2);
  });

  it('shows more finished trials when the terminal has more rows', () => {
    const trials = syntheticTrials({ trials: 500, running: 2 });
    const small = panelText(buildDashboardView(input({ trials })), 'finished').length;
    const tall = panelText(buildDashboardView(input({ trials, size: { columns: 80, rows: 60 } })), 'finished').length;
    expect(tall).toBeGreaterThan(small + 20);
  });

});

describe('dashboard view: a terminal smaller than 60×16', () => {
  const study = syntheticTrials({ trials: 40, running: 3 });
  const small = (columns: number, rows: number, change: Partial<DashboardInput> = {}) => buildDashboardView(input({ trials: study, now: T0 + 40 * 30_000, size: { columns, rows }, ...change }));

  for (const [columns, rows] of [
    [56, 40],
    [100, 14],
    [59, 16],
    [60, 15],
    [30, 10],
    [12, 3],
    [2, 2],
  ] as const) {
    it(`draws no more than ${columns}×${rows} holds (one row and column spare)`, () => {
      const view = small(columns, rows);
      expect(viewToText(view)).toHaveLength(rows - 1);
      for (const w of widths(view)) expect(w).toBeLessThanOrEqual(columns - 1);
    });
  }

  it('asks for a larger terminal in the middle of the screen, with the study state below', () => {
    const text = viewToText(small(56, 40));
    const ask = 'sodate: enlarge the terminal to 60×16 (now 56×40)';
    const at = text.findIndex((l) => l.includes(ask));
    expect(at).toBe(18); // 39 lines: 18 above the two, 19 below
    expect(text[at]).toBe(`${' '.repeat(Math.floor((55 - ask.length) / 2))}${ask}`);
    expect(text[at + 1]?.trim()).toMatch(/^image-baseline · running · 40\/60 ✓\d+ ✂\d+ ✗\d+ ▶3$/);
    expect(text.filter((l) => l.trim() !== '')).toHaveLength(2);
  });

  it('shortens the request to the width, and cuts the state line', () => {
    expect(viewToText(small(100, 14)).map((l) => l.trim())).toContain('sodate: enlarge the terminal to at least 60×16 (now 100×14)');
    const text = viewToText(small(30, 10)).map((l) => l.trim());
    expect(text).toContain('enlarge to 60×16 (now 30×10)');
    expect(text.find((l) => l.startsWith('image-baseline'))).toMatch(/…$/);
    expect(viewToText(small(12, 3)).map((l) => l.trim())).toEqual(['need 60×16', 'image-base…']);
  });

  it('keeps a question waiting for an answer visible', () => {
    expect(viewToText(small(100, 14, { prompt: 'Stop the study? y/n' })).map((l) => l.trim())).toContain('Stop the study? y/n');
  });

  it('lays out the dashboard again at 60×16', () => {
    const text = viewToText(small(60, 16));
    expect(text[0]).toMatch(/^sodate image-baseline/);
    expect(text.join('\n')).not.toContain('enlarge');
  });
});

describe('dashboard view: an empty study', () => {
  const text = viewToText(buildDashboardView(input())).join('\n');
  it('names the study, its direction, metric, sampler and pruner', () => {
    expect(text).toContain('sodate image-baseline');
    expect(text).toMatch(/minimize val_loss · sampler tpe · pruner median|min val_loss · tpe\/median/);
  });
  it('says there is nothing yet instead of drawing empty charts', () => {
    expect(text).toContain('no trial running');
    expect(text).toContain('no finished trial yet');
    expect(text).toContain('best: no complete trial yet');
    expect(text).toContain('needs 10 complete (0 so far)');
    expect(text).toContain('0/60');
  });
});

describe('dashboard view: a running study (recorded)', () => {
  const view = buildDashboardView(runningInput());
  const text = viewToText(view).join('\n');

  it('shows progress against the budget split by state', () => {
    const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0 } as Record<string, number>;
    for (const t of running.trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
    expect(text).toContain(`${running.trials.length}/40 ✓${counts['COMPLETE']} ✂${counts['PRUNED']} ✗${counts['FAIL']} ▶${counts['RUNNING']}`);
  });

  it('lists running trials with slot, device and current step', () => {
    const row = panelText(view, 'running').find((l) => l.startsWith('#39'));
    expect(row).toMatch(/^#39\s+cpu#\d\s+cpu\s+9\/-/);
  });

  it('shows the best value and its parameters', () => {
    const best = running.trials.filter((t) => t.state === 'COMPLETE').sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number))[0];
    expect(text).toContain(`#${best?.number}`);
    expect(view.header[2]?.map((s) => s.text).join('')).toMatch(/^best val_loss [\d.e+-]+ #\d+ +x=[\d.]+ +kind=[ab]/);
  });

  it('marks the best trial in the finished list and shows failures with their reason', () => {
    expect(panelText(view, 'finished').some((l) => l.startsWith('★#'))).toBe(true);
    const byNumber = panelText(buildDashboardView(runningInput({ sort: 'number' })), 'finished');
    expect(byNumber[1]).toMatch(/^ #0 +FAIL +- .*diverged: loss is NaN/);
  });

  it('tones each point of a running curve by whether it beats the best curve at that step', () => {
    const runningPanel = view.body[0]?.columns[0]?.panels[0];
    const row = runningPanel?.lines.find((l) => l[0]?.text.startsWith('#39'));
    const tones = new Set(row?.map((s) => s.tone));
    expect([...tones].some((t) => t === 'good' || t === 'bad')).toBe(true);
  });

  it('shows elapsed time and an ETA while it runs', () => {
    expect(view.header[0]?.map((s) => s.text).join('')).toMatch(/running · \S+ · ETA \d/);
  });

  it('opens the details of the selected trial: parameters, curve, error', () => {
    const failed = running.trials.find((t) => t.state === 'FAIL');
    const detail = viewToText(buildDashboardView(runningInput({ selected: failed?.number ?? null, detail: true }))).join('\n');
    expect(detail).toContain(`trial #${failed?.number}`);
    expect(detail).toContain('parameters (2)');
    expect(detail).toMatch(/x = [\d.]+/);
    expect(detail).toContain('intermediate values (3)');
    expect(detail).toContain('diverged: loss is NaN at step 3');
  });

  it('shows a log tail when the trial stored one', () => {
    const trials = running.trials.map((t) => (t.number === 39 ? { ...t, systemAttrs: { ...t.systemAttrs, 'sodate:log_tail': 'epoch 1 done\nepoch 2 done\n' } } : t));
    const detail = viewToText(buildDashboardView(runningInput({ trials, selected: 39, detail: true }))).join('\n');
    expect(detail).toContain('log tail');
    expect(detail).toContain('epoch 2 done');
  });

  it("lists the files the trial left in its directory, and says when retention deleted them", () => {
    const files = artifactAttrs('demo', 39, [{ name: 'model.pt', size: 3 * 2 ** 20, sha256: 'ab' }, { name: 'preds.csv', size: 2048, sha256: 'cd' }]);
    const withFiles = (extra: Record<string, string>) =>
      running.trials.map((t) => (t.number === 39 ? { ...t, systemAttrs: { ...t.systemAttrs, ...files, [ARTIFACT_DIR_ATTR]: '/runs/artifacts/demo/39', ...extra } } : t));
    const detail = viewToText(buildDashboardView(runningInput({ trials: withFiles({}), selected: 39, detail: true }))).join('\n');
    expect(detail).toMatch(/files \(2\) +\/runs\/artifacts\/demo\/39/);
    expect(detail).toMatch(/model\.pt 3M +preds\.csv 2K/);
    expect(detail).not.toContain('deleted by retention');
    const gone = viewToText(buildDashboardView(runningInput({ trials: withFiles({ [ARTIFACTS_DELETED_ATTR]: '2026-12-04T00:00:00Z' }), selected: 39, detail: true }))).join('\n');
    expect(gone).toContain('deleted by retention');
  });

  it('reverses the selected row', () => {
    const selected = buildDashboardView(runningInput({ selected: 5 }));
    const row = selected.body[0]?.columns[0]?.panels[1]?.lines.find((l) => l.some((s) => s.text.includes('#5 ')));
    expect(row?.every((s) => s.inverse === true)).toBe(true);
  });

  it('drops a selection that names no trial', () => {
    expect(buildDashboardView(runningInput({ selected: 999 })).selected).toBeNull();
  });

  it('says done and stops the ETA once the run ended', () => {
    const ended = buildDashboardView(runningInput({ study: { ...HEADER, ended: 'budget reached', startedAt: T0 } }));
    const title = ended.header[0]?.map((s) => s.text).join('') ?? '';
    expect(title).toContain('done: budget reached');
    expect(title).not.toContain('ETA');
  });
});

describe('dashboard view: the user attributes of a trial', () => {
  const backend = 'wasm (SIMD, 1 thread; sodate kernels: native AVX-512: Conv2D, batch norm, depthwise conv, pooling, softmax; fused epilogues: bias, relu, relu6)';
  const userAttrs = { 'sodate:baseline': true, backend, val_accuracy: 0.9134, params: 1_234_567, model_mb: 4.71, train_seconds: 12.5 };
  const withAttrs = (attrs: Record<string, string | number | boolean>) => running.trials.map((t) => (t.number === 39 ? { ...t, userAttrs: attrs } : t));
  const detail = (size: { columns: number; rows: number }, attrs: Record<string, string | number | boolean> = userAttrs) =>
    buildDashboardView(runningInput({ trials: withAttrs(attrs), selected: 39, detail: true, size }));

  it.each([
    [200, 50],
    [80, 24],
  ])('shows every one, each long value cut on its own (%i×%i)', (columns, rows) => {
    const text = viewToText(detail({ columns, rows })).join('\n');
    expect(text).toContain('user attributes (6)');
    for (const item of ['val_accuracy=0.9134', 'params=1234567', 'model_mb=4.71', 'train_seconds=12.5', 'sodate:baseline=true']) expect(text).toContain(item);
    // Whole where the width allows, else cut where it ends.
    expect(text).toMatch(columns >= 200 ? `backend=${JSON.stringify(backend)}` : /backend="wasm \(SIMD, 1 thread; [^\n]*…\n/);
  });

  it("lists sodate's own attributes after the trial's", () => {
    const text = viewToText(detail({ columns: 200, rows: 50 }, { 'sodate:baseline': true, val_accuracy: 0.9134 })).join('\n');
    expect(text).toContain('val_accuracy=0.9134');
    expect(text.indexOf('sodate:baseline=true')).toBeGreaterThan(text.indexOf('val_accuracy=0.9134'));
  });

  it('says how many more there are when they do not all fit, within the screen', () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`metric_${i}`, i / 7]));
    const view = detail({ columns: 80, rows: 24 }, many);
    const text = viewToText(view);
    expect(text).toHaveLength(23);
    for (const w of widths(view)) expect(w).toBeLessThanOrEqual(79);
    expect(text.join('\n')).toContain('metric_0=0');
    expect(text.join('\n')).toMatch(/… \d+ more/);
  });
});

describe('dashboard view: 10,000 trials', () => {
  const trials = syntheticTrials({ trials: 10_000, running: 4, steps: 50 });
  it('scrolls the finished list to the selection and says where it is', () => {
    const order = finishedInOrder(trials, 'recent', 'minimize');
    const deep = order[5000]?.number as number;
    const view = buildDashboardView(input({ trials, selected: deep, size: { columns: 100, rows: 30 } }));
    const finished = panelText(view, 'finished');
    expect(finished[0]).toMatch(/of 9996 · sort: recent/);
    expect(finished.some((l) => l.includes(`#${deep} `))).toBe(true);
  });

  it('estimates parameter importance: lr (the one that matters) first', () => {
    const importance = panelText(buildDashboardView(input({ trials })), 'importance');
    expect(importance[1]).toMatch(/^lr\s+█/);
  });

  it('ranks parameters as `sodate importance` does (PED-ANOVA), in the same order', () => {
    const panel = panelText(buildDashboardView(input({ trials, size: { columns: 100, rows: 40 } })), 'importance').slice(1);
    const expected = paramImportances(trials, HEADER.direction).importances.map((e) => e.name);
    const shown = panel.map((line) => line.split(/\s+/)[0]).filter((name): name is string => name !== undefined && name !== '');
    expect(shown.length).toBeGreaterThan(1);
    expect(shown).toEqual(expected.slice(0, shown.length));
  });

  it('reuses its importance estimate until 2% more trials completed', () => {
    const memo: ViewMemo = {};
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    buildDashboardView(input({ trials: complete.slice(0, 5000) }), memo);
    const first = memo.importance;
    expect(memo.importanceAt).toBe(5000);
    buildDashboardView(input({ trials: complete.slice(0, 5099) }), memo);
    expect(memo.importance).toBe(first);
    buildDashboardView(input({ trials: complete.slice(0, 5100) }), memo);
    expect(memo.importanceAt).toBe(5100);
    expect(memo.importance).not.toBe(first);
  });

  it('draws the best-so-far history with labelled extremes', () => {
    const history = panelText(buildDashboardView(input({ trials })), 'history');
    expect(history[0]).toContain('10000 trials');
    expect(history[1]).toMatch(/^\s*[\d.]+ ┤/);
  });
});


describe('dashboard view: an objective every trial gave the same value', () => {
  const lr = floatDistribution(1e-4, 1e-1, { log: true });
  const momentum = floatDistribution(0, 1);
  const constant = Array.from({ length: 12 }, (_, i) => makeTrial({ number: i, value: 0.5, params: { lr: { value: 1e-4 * 2 ** i, distribution: lr }, momentum: { value: i / 12, distribution: momentum } } }));

  it.each([
    [80, 24],
    [100, 40],
    [160, 50],
  ])('says importance cannot be measured instead of drawing equal bars (%i×%i)', (columns, rows) => {
    const panel = panelText(buildDashboardView(input({ trials: constant, size: { columns, rows } })), 'importance');
    const text = panel.slice(1).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('importance cannot be measured: all 12 trials have the same value (0.5)');
    expect(panel.join('\n')).not.toContain('█');
  });

  it('says too few trials count when most complete ones miss a constraint, instead of failing the frame', () => {
    const mostlyInfeasible = constant.map((t, i) => ({ ...t, values: [i], systemAttrs: { 'constraints:mem_gb': i < 10 ? 1 : -1 } }));
    const panel = panelText(buildDashboardView(input({ trials: mostlyInfeasible, size: { columns: 100, rows: 40 } })), 'importance');
    expect(panel.slice(1).join(' ').replace(/\s+/g, ' ')).toContain('got 2 (10 infeasible left out)');
  });

  it('keeps the note with its cached estimate', () => {
    const memo: ViewMemo = {};
    buildDashboardView(input({ trials: constant }), memo);
    expect(memo.importanceNote).toMatch(/cannot be measured/);
    const again = panelText(buildDashboardView(input({ trials: constant }), memo), 'importance');
    expect(again.slice(1).join(' ')).toMatch(/cannot be measured/);
  });
});
describe('selection and sort', () => {
  const trials = syntheticTrials({ trials: 30, running: 3 });
  it('walks running trials first, then the finished ones in the list order', () => {
    const order = selectableTrials(trials, 'best', 'minimize');
    expect(order.slice(0, 3)).toEqual([27, 28, 29]);
    const values = order.slice(3).map((n) => trials[n]).filter((t) => t?.state === 'COMPLETE').map((t) => t?.values?.[0] as number);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('moves down from nothing to the first, up from nothing to the last, and stops at the ends', () => {
    const order = selectableTrials(trials, 'recent', 'minimize');
    expect(moveSelection(trials, 'recent', 'minimize', null, 1)).toBe(order[0]);
    expect(moveSelection(trials, 'recent', 'minimize', null, -1)).toBe(order.at(-1));
    expect(moveSelection(trials, 'recent', 'minimize', order[0] as number, -1)).toBe(order[0]);
    expect(moveSelection(trials, 'recent', 'minimize', order[0] as number, 2)).toBe(order[2]);
    expect(moveSelection([], 'recent', 'minimize', null, 1)).toBeNull();
  });

  it('sorts by duration longest first and by number ascending', () => {
    const byNumber = finishedInOrder(trials, 'number', 'minimize').map((t) => t.number);
    expect(byNumber).toEqual([...byNumber].sort((a, b) => a - b));
    const byDuration = finishedInOrder(trials, 'duration', 'minimize').map((t) => (t.datetimeComplete?.getTime() ?? 0) - (t.datetimeStart?.getTime() ?? 0));
    expect(byDuration).toEqual([...byDuration].sort((a, b) => b - a));
  });

  it('puts the highest value first when maximizing', () => {
    const best = finishedInOrder(trials, 'best', 'maximize').filter((t) => t.state === 'COMPLETE');
    expect(best[0]?.values?.[0]).toBe(Math.max(...best.map((t) => t.values?.[0] as number)));
  });
});

describe('maxStepOf', () => {
  it("reads the runner's sodate:max_step, else the objective's max_step user attribute", async () => {
    const { maxStepOf } = await import('../../src/tui/model/panels.js');
    const { makeTrial } = await import('../helpers/trials.js');
    const base = makeTrial({ number: 0 });
    expect(maxStepOf(base)).toBeUndefined();
    expect(maxStepOf({ ...base, userAttrs: { max_step: 19 } })).toBe(19);
    expect(maxStepOf({ ...base, systemAttrs: { 'sodate:max_step': 7 }, userAttrs: { max_step: 19 } })).toBe(7);
    expect(maxStepOf({ ...base, userAttrs: { max_step: 'soon' } })).toBeUndefined();
  });
});

describe('the compute backend trials report', () => {
  const backend = 'wasm (SIMD, 1 thread; sodate kernels: native AVX-512: Conv2D, batch norm)';
  const trials = syntheticTrials({ trials: 30, running: 2 }).map((t, i) => (i >= 25 ? { ...t, userAttrs: { ...t.userAttrs, backend } } : t));

  it('is the newest trial’s `backend` attribute, or none', () => {
    expect(latestBackend(trials)).toBe(backend);
    expect(latestBackend(trials.slice(0, 25))).toBeUndefined();
    expect(latestBackend([])).toBeUndefined();
  });

  it('shows in the devices panel of wide screens and in the one-line devices row of small ones', () => {
    const device = { host: 'lab1', gpus: [], cpuCount: 2, cpuUtilization: 50, load1: 1.5, memoryUsedBytes: 2 ** 30, memoryTotalBytes: 2 ** 32 };
    const wide = buildDashboardView(input({ trials, device, size: { columns: 160, rows: 40 } }));
    // Cut to the panel's width.
    expect(panelText(wide, 'devices').some((l) => l.startsWith('backend wasm (SIMD, 1 thread;'))).toBe(true);
    const small = buildDashboardView(input({ trials, device, size: { columns: 200, rows: 16 } }));
    expect(panelText(small, 'devices').join('')).toContain(`· ${backend}`);
    expect(viewToText(buildDashboardView(input({ trials: trials.slice(0, 25), device, size: { columns: 160, rows: 40 } }))).join('\n')).not.toContain('backend');
  });
});
