import { describe, expect, it } from 'vitest';
import { bestEpochOf, buildReport, compareArms, contourPlot, exportCsv, exportJson, exportTrials, historyPlot, intermediatePlot, parallelPlot, slicePlot, splitByParam, timelinePlot } from '../../src/analysis/index.js';
import type { FrozenTrial, StudyRecord } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';
import { EMA, LR, MOMENTUM, OPTIMIZER, X, syntheticTrials, uniform } from './synthetic.js';

function at(seconds: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
}

/** Trials with values 5, 3, 4, 1 (complete) around a pruned and a failed one. */
const small: FrozenTrial[] = [
  makeTrial({ number: 0, value: 5, params: { x: { value: 0.1, distribution: X } }, intermediate: { 0: 9, 1: 6, 2: 5 } }),
  makeTrial({ number: 1, value: 3, params: { x: { value: 0.4, distribution: X } }, intermediate: { 0: 8, 1: 2, 2: 3 } }),
  makeTrial({ number: 2, state: 'PRUNED', value: 7, params: { x: { value: 0.9, distribution: X } }, intermediate: { 0: 9 } }),
  makeTrial({ number: 3, value: 4, params: { x: { value: 0.5, distribution: X } } }),
  makeTrial({ number: 4, state: 'FAIL', params: { x: { value: 0.7, distribution: X } } }),
  makeTrial({ number: 5, value: 1, params: { x: { value: 0.3, distribution: X } } }),
].map((t, i) => ({ ...t, datetimeStart: at(i * 10), datetimeComplete: at(i * 10 + 8), systemAttrs: { 'sodate:slot': `t${i % 2}`, 'sodate:device': i % 2 === 0 ? 'cpu' : 'gpu:0' } }));

const conditional = syntheticTrials(
  120,
  3,
  (r) => {
    const optimizer = uniform(r, OPTIMIZER);
    return { lr: uniform(r, LR), optimizer, ...(optimizer.value === 'sgd' ? { momentum: uniform(r, MOMENTUM) } : {}), ema: uniform(r, EMA) };
  },
  (p) => (Math.log10(p['lr'] as number) + 3) ** 2 + (p['ema'] === true ? 0 : 1),
);

describe('optimization history', () => {
  it("plots a re-run by confirm or ablate as a point, not as a new best", () => {
    const rerun = { ...makeTrial({ number: 2, value: 0.5 }), userAttrs: { 'sodate:confirm_of': 1 } };
    const plot = historyPlot({ trials: [makeTrial({ number: 0, value: 5 }), makeTrial({ number: 1, value: 3 }), rerun], direction: 'minimize' });
    expect(plot.points.map((p) => p.number)).toEqual([0, 1, 2]);
    expect(plot.best).toEqual([
      { number: 0, value: 5 },
      { number: 1, value: 3 },
      { number: 2, value: 3 },
    ]);
  });

  it('plots complete trials and a best-so-far step line that ends at the last trial', () => {
    const plot = historyPlot({ trials: small, direction: 'minimize', metric: 'loss' });
    expect(plot.points.map((p) => p.number)).toEqual([0, 1, 3, 5]);
    expect(plot.best).toEqual([
      { number: 0, value: 5 },
      { number: 1, value: 3 },
      { number: 5, value: 1 },
    ]);
    expect(plot.y.label).toBe('loss');
    const max = historyPlot({ trials: small, direction: 'maximize' });
    expect(max.best).toEqual([
      { number: 0, value: 5 },
      { number: 5, value: 5 },
    ]);
  });

  it('draws at most 2,000 points of a large study but keeps every improvement', () => {
    const big = syntheticTrials(5000, 9, (r) => ({ x: uniform(r) }), (p) => p['x'] as number);
    const plot = historyPlot({ trials: big, direction: 'minimize' });
    expect(plot.points.length).toBe(2000);
    expect(plot.total).toBe(5000);
    const drawn = new Set(plot.points.map((p) => p.number));
    for (const b of plot.best.slice(0, -1)) expect(drawn.has(b.number)).toBe(true);
  });
});

describe('intermediate values, parallel coordinates, slices, contour, timeline', () => {
  it('keeps each trial curve sorted by step, with its state for fading', () => {
    const plot = intermediatePlot({ trials: small, direction: 'minimize' });
    expect(plot.curves.map((c) => [c.number, c.state])).toEqual([
      [0, 'COMPLETE'],
      [1, 'COMPLETE'],
      [2, 'PRUNED'],
    ]);
    expect(plot.curves[1]?.points).toEqual([
      [0, 8],
      [1, 2],
      [2, 3],
    ]);
  });

  it('parallel coordinates: one axis for the objective then one per parameter, null where a parameter is absent', () => {
    const plot = parallelPlot({ trials: conditional, direction: 'minimize' }, { params: ['lr', 'optimizer', 'momentum', 'ema'] });
    expect(plot.axes.map((a) => [a.label, a.scale]).slice(1)).toEqual([
      ['lr', 'log'],
      ['optimizer', 'category'],
      ['momentum', 'linear'],
      ['ema', 'category'],
    ]);
    const adamw = plot.lines.find((l) => conditional.find((t) => t.number === l.number)?.params['optimizer'] === 'adamw');
    expect(adamw?.coords[3]).toBeNull();
    for (const line of plot.lines) for (const c of line.coords) if (c !== null) expect(c).toBeGreaterThanOrEqual(0);
  });

  it('slices: a panel per parameter with categorical x as the choice index', () => {
    const plot = slicePlot({ trials: conditional, direction: 'minimize' });
    const ema = plot.panels.find((p) => p.param === 'ema');
    expect(new Set(ema?.points.map((p) => p.x))).toEqual(new Set([0, 1]));
    expect(plot.panels.find((p) => p.param === 'momentum')?.points.length).toBe(conditional.filter((t) => t.params['momentum'] !== undefined).length);
  });

  it('contour: smoothed values on a grid are lowest near the optimum', () => {
    const plot = contourPlot({ trials: conditional, direction: 'minimize' }, ['lr', 'ema']);
    expect(plot.xs).toHaveLength(32);
    expect(plot.ys).toEqual([0, 1]);
    expect(plot.values).toHaveLength(64);
    const row = plot.values.slice(0, 32);
    const best = plot.xs[row.indexOf(Math.min(...row))] as number;
    expect(Math.log10(best)).toBeGreaterThan(-4);
    expect(Math.log10(best)).toBeLessThan(-2);
    // ema = true (index 0) is better everywhere.
    expect(Math.min(...row)).toBeLessThan(Math.min(...plot.values.slice(32)));
    expect(() => contourPlot({ trials: conditional, direction: 'minimize' }, ['lr', 'lr'])).toThrow(/two different parameters/);
  });

  it('timeline: a lane per slot and device, seconds since the first start', () => {
    const plot = timelinePlot(small);
    expect(plot.lanes).toEqual(['t0 (cpu)', 't1 (gpu:0)']);
    expect(plot.bars[0]).toEqual({ number: 0, lane: 0, start: 0, end: 8, state: 'COMPLETE' });
    expect(plot.bars[3]).toMatchObject({ lane: 1, start: 30, end: 38 });
  });
});

describe('export', () => {
  it('one row per trial with device, slot, duration and the best epoch for the direction', () => {
    const table = exportTrials(small, 'minimize');
    expect(table.rows).toHaveLength(6);
    expect(table.rows[1]).toMatchObject({ number: 1, state: 'COMPLETE', value: 3, duration_s: 8, device: 'gpu:0', slot: 't1', best_epoch: 1, params: { x: 0.4 } });
    expect(table.rows[4]).toMatchObject({ state: 'FAIL', value: null, best_epoch: null });
    expect(bestEpochOf(small[0] as FrozenTrial, 'maximize')).toBe(0);
    const csv = exportCsv(table).trim().split('\n');
    expect(csv[0]).toBe('number,state,value,duration_s,datetime_start,datetime_complete,device,slot,best_epoch,params_x,note');
    expect(csv[2]).toBe('1,COMPLETE,3,8,2026-01-01T00:00:10.000Z,2026-01-01T00:00:18.000Z,gpu:0,t1,1,0.4,');
    expect(csv).toHaveLength(7);
    const json = JSON.parse(exportJson(table)) as unknown[];
    expect(json).toHaveLength(6);
  });

  it("carries what a trial recorded and why it ended: user attributes, a FAIL's reason, where a PRUNED one stopped, its curve", () => {
    const trials = [
      { ...makeTrial({ number: 0, value: 1, intermediate: { 0: 3, 1: 1 } }), userAttrs: { val_acc: 0.9, note: 'a,b' } },
      makeTrial({ number: 1, state: 'FAIL', systemAttrs: { fail_reason: 'exit code 1' } }),
      makeTrial({ number: 2, state: 'PRUNED', intermediate: { 0: 2, 1: NaN } }),
    ];
    const table = exportTrials(trials, 'minimize');
    const csv = exportCsv(table).trim().split('\n');
    expect(csv[0]).toMatch(/,user_attrs_note,user_attrs_val_acc,note$/);
    expect(csv[1]).toMatch(/,"a,b",0\.9,$/);
    expect(csv[2]).toMatch(/,,,exit code 1$/);
    expect(csv[3]).toMatch(/,,,pruned at step 1: it reported NaN \(a diverged run\)$/);
    const json = JSON.parse(exportJson(table)) as { user_attrs: Record<string, unknown>; note: string | null; intermediate_values: Record<string, unknown> }[];
    expect(json[0]).toMatchObject({ user_attrs: { val_acc: 0.9, note: 'a,b' }, note: null, intermediate_values: { '0': 3, '1': 1 } });
    expect(json[1]).toMatchObject({ user_attrs: { val_acc: null }, note: 'exit code 1' });
    expect(json[2]?.intermediate_values).toEqual({ '0': 2, '1': 'NaN' });
  });

  it('quotes CSV cells and writes non-finite values as Optuna does', () => {
    const odd = [makeTrial({ number: 0, value: Infinity, params: { name: { value: 'a,"b"', distribution: { kind: 'categorical', choices: ['a,"b"'] } } } })];
    expect(exportCsv(exportTrials(odd, 'minimize')).split('\n')[1]).toContain(',inf,');
    expect(exportCsv(exportTrials(odd, 'minimize'))).toContain('"a,""b"""');
    expect(exportJson(exportTrials(odd, 'minimize'))).toContain('"value": "Infinity"');
  });
});

describe('compare', () => {
  const study = (name: string, direction: 'minimize' | 'maximize' = 'minimize'): StudyRecord => ({ id: 1, name, direction, directions: [direction], userAttrs: { metric: 'loss' }, systemAttrs: {} });
  const runs = (values: number[]) => values.map((v, i) => makeTrial({ number: i, value: v, params: { x: { value: 0.5, distribution: X } } }));

  it('bests per seed with mean ± sd, and how likely an arm beats the first', () => {
    const result = compareArms([
      { label: 'base', studies: [{ study: study('b0'), trials: runs([3, 4, 5]) }, { study: study('b1'), trials: runs([2.5, 4]) }] },
      { label: 'ema', studies: [{ study: study('e0'), trials: runs([1, 2]) }, { study: study('e1'), trials: runs([1.5, 6]) }] },
    ]);
    expect(result.arms[0]?.bests.map((b) => b.best)).toEqual([3, 2.5]);
    expect(result.arms[0]?.bestMean).toBe(2.75);
    expect(result.arms[1]?.bestOverall).toBe(1);
    expect(result.versus[0]?.pBestBetter).toBe(1);
    expect(result.versus[0]?.bestMeanDelta).toBe(1.25 - 2.75);
    expect(result.versus[0]?.pTrialBetter).toBeGreaterThan(0.5);
    expect(result.metric).toBe('loss');
  });

  it("reads each study's tuning trials only: a re-run by confirm or ablate is neither a best nor one of the pooled trials", () => {
    const rerun = { ...makeTrial({ number: 2, value: 0.1 }), userAttrs: { 'sodate:confirm_of': 0 } };
    const infeasible = makeTrial({ number: 3, value: 0.2, systemAttrs: { 'constraints:mem': 1 } });
    const result = compareArms([{ label: 'base', studies: [{ study: study('b0'), trials: [...runs([3, 4]), rerun, infeasible] }] }]);
    expect(result.arms[0]?.bests).toEqual([{ study: 'b0', best: 3, complete: 3 }]);
    expect(result.arms[0]?.values.n).toBe(3);
  });

  it('refuses to compare a minimized with a maximized study', () => {
    expect(() => compareArms([{ label: 'a', studies: [{ study: study('a'), trials: [] }] }, { label: 'b', studies: [{ study: study('b', 'maximize'), trials: [] }] }])).toThrow(/directions differ/);
  });

  it('splits one study by a categorical parameter ("did EMA help?")', () => {
    const arms = splitByParam([{ label: 'demo', studies: [{ study: study('demo'), trials: conditional }] }], 'ema');
    expect(arms.map((a) => a.label)).toEqual(['ema=true', 'ema=false']);
    const result = compareArms(arms);
    expect(result.versus[0]?.pTrialBetter).toBeLessThan(0.3);
  });

  it('splits by quartiles of a continuous parameter', () => {
    const arms = splitByParam([{ label: 'demo', studies: [{ study: study('demo'), trials: conditional }] }], 'lr');
    expect(arms).toHaveLength(4);
    expect(arms[0]?.label).toMatch(/^lr in \[/);
  });
});

describe('report data', () => {
  it('holds every plot, the best trials and the configuration, hiding the bulky stored config', () => {
    const record: StudyRecord = { id: 1, name: 'demo', direction: 'minimize', directions: ['minimize'], userAttrs: { metric: 'val_loss' }, systemAttrs: { 'sodate:seed': 3, 'sodate:config': { text: 'study: demo\n' } } };
    const trials = conditional.map((t, i) => ({ ...t, datetimeStart: at(i), datetimeComplete: at(i + 1) }));
    const report = buildReport(record, trials, { now: at(0) });
    expect(report.plots.map((p) => p.kind)).toEqual(['history', 'importance', 'intermediate', 'parallel', 'slice', 'contour', 'timeline']);
    expect(report.best).toHaveLength(10);
    expect(report.best[0]?.value).toBe(Math.min(...trials.map((t) => t.values?.[0] as number)));
    expect(report.configuration).toEqual([
      { scope: 'user', key: 'metric', value: 'val_loss' },
      { scope: 'system', key: 'sodate:seed', value: 3 },
    ]);
    expect(report.spaceText).toBe('study: demo\n');
    const contour = report.plots.find((p) => p.kind === 'contour');
    expect(contour?.kind === 'contour' && [...contour.params].sort()).toEqual(['ema', 'lr']);
  });

  it('notes, rather than fails, what a tiny study cannot show', () => {
    const record: StudyRecord = { id: 1, name: 'tiny', direction: 'minimize', directions: ['minimize'], userAttrs: {}, systemAttrs: {} };
    const report = buildReport(record, small.slice(0, 2));
    expect(report.importance).toBeNull();
    expect(report.notes.join('\n')).toMatch(/importance.*at least 3/);
    expect(report.plots.map((p) => p.kind)).not.toContain('contour');
  });
});
