import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildReport, historyPlot, hypervolumeHistoryPlot, paretoPlot, plotElementId, referencePoint, renderReportHtml, renderSvg, svgToPng } from '../../src/analysis/index.js';
import { hypervolume, paretoFront } from '../../src/multi-objective/index.js';
import type { Direction, FrozenTrial, StudyRecord } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';
import { decodePng, inkStats } from './png.js';
import { X } from './synthetic.js';

const infeasible = { 'constraints:latency_ms': 4 };
const feasible = { 'constraints:latency_ms': -1 };

/**
 * Two objectives, both minimised: #0 (4, 1), #1 (1, 4) and #3 (2, 2) are the front, #2 (3, 3)
 * is dominated by #3, #4 (0.5, 0.5) would dominate all but is infeasible, #5 failed.
 */
const trials: FrozenTrial[] = [
  makeTrial({ number: 0, values: [4, 1], systemAttrs: feasible, params: { x: { value: 0.1, distribution: X } } }),
  makeTrial({ number: 1, values: [1, 4], systemAttrs: feasible, params: { x: { value: 0.9, distribution: X } } }),
  makeTrial({ number: 2, values: [3, 3], systemAttrs: feasible, params: { x: { value: 0.5, distribution: X } } }),
  makeTrial({ number: 3, values: [2, 2], systemAttrs: feasible, params: { x: { value: 0.4, distribution: X } } }),
  makeTrial({ number: 4, values: [0.5, 0.5], systemAttrs: infeasible, params: { x: { value: 0.2, distribution: X } } }),
  makeTrial({ number: 5, state: 'FAIL', params: { x: { value: 0.3, distribution: X } } }),
];
const directions: Direction[] = ['minimize', 'minimize'];
const metrics = ['val_loss', 'latency_ms'];

describe('Pareto front plot', () => {
  const plot = paretoPlot({ trials, directions, metrics });

  it('marks every complete trial as front, dominated or infeasible', () => {
    expect(plot.points.map((p) => [p.number, p.status])).toEqual([
      [0, 'front'],
      [1, 'front'],
      [2, 'dominated'],
      [3, 'front'],
      [4, 'infeasible'],
    ]);
    expect(plot.counts).toEqual({ front: 3, dominated: 1, infeasible: 1 });
  });

  it('names its axes after the metrics and their directions, and orders the front along the first objective', () => {
    expect([plot.x.label, plot.y.label]).toEqual(['val_loss (minimize)', 'latency_ms (minimize)']);
    expect(plot.front.map((p) => p.number)).toEqual([1, 3, 0]);
  });

  it('keeps an infeasible trial off the front even when it would dominate it', () => {
    const front = new Set(paretoFront(trials, directions).map((t) => t.number));
    expect(new Set(plot.front.map((p) => p.number))).toEqual(front);
    expect(front.has(4)).toBe(false);
  });

  it('reads maximised objectives the right way round', () => {
    const max = paretoPlot({ trials, directions: ['maximize', 'minimize'], metrics });
    // Maximising the first: #0 (4, 1) dominates everything feasible.
    expect(max.front.map((p) => p.number)).toEqual([0]);
    expect(max.x.label).toBe('val_loss (maximize)');
  });

  it('takes the front over every objective of a three-objective study', () => {
    const three = [makeTrial({ number: 0, values: [1, 1, 5] }), makeTrial({ number: 1, values: [2, 2, 1] }), makeTrial({ number: 2, values: [3, 3, 3] })];
    const p = paretoPlot({ trials: three, directions: ['minimize', 'minimize', 'minimize'] });
    expect(p.points.map((q) => q.status)).toEqual(['front', 'front', 'dominated']);
    expect(p.objectives).toBe(3);
    expect(p.x.label).toBe('value_0 (minimize)');
  });

  it('matches paretoFront on random studies (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.boolean()), { minLength: 1, maxLength: 40 }), (rows) => {
        const ts = rows.map(([a, b, ok], i) => makeTrial({ number: i, values: [a, b], systemAttrs: ok ? feasible : infeasible }));
        const front = paretoFront(ts, ['minimize', 'maximize']).map((t) => t.number);
        const drawn = paretoPlot({ trials: ts, directions: ['minimize', 'maximize'] })
          .points.filter((p) => p.status === 'front')
          .map((p) => p.number);
        expect(drawn).toEqual(front);
      }),
    );
  });

  it('refuses a single-objective study', () => {
    expect(() => paretoPlot({ trials, directions: ['minimize'] })).toThrow(/two or more objectives, got 1/);
  });
});

describe('hypervolume history', () => {
  const plot = hypervolumeHistoryPlot({ trials, directions, metrics });

  it('puts the reference point past the worst feasible value by a tenth of the range', () => {
    // Feasible losses span [1, 4] in both objectives: worst 4 + 0.1 × 3.
    expect(plot.reference?.map((v) => Number(v.toFixed(9)))).toEqual([4.3, 4.3]);
    expect(plot.ideal).toEqual([1, 1]);
    expect(referencePoint([{ losses: [2, -5], feasible: true }], 2)).toEqual({ reference: [2.2, -4.5], ideal: [2, -5] });
  });

  it('after each complete trial, the share of the ideal–reference box the feasible front covers', () => {
    const box = 3.3 * 3.3;
    // #2 (3, 3) is on the front until #3 (2, 2) dominates it.
    const expected = [[[4, 1]], [[4, 1], [1, 4]], [[4, 1], [1, 4], [3, 3]], [[4, 1], [1, 4], [2, 2]], [[4, 1], [1, 4], [2, 2]]].map((front) => hypervolume(front, [4.3, 4.3]) / box);
    expect(plot.points.map((p) => p.number)).toEqual([0, 1, 2, 3, 4]);
    plot.points.forEach((p, i) => expect(p.hypervolume).toBeCloseTo(expected[i] as number, 12));
    expect(plot.points.map((p) => p.feasible)).toEqual([true, true, true, true, false]);
    expect(plot.steps.map((s) => s.number)).toEqual([0, 1, 2, 3, 4]);
    expect(plot.volume).toBeCloseTo(hypervolume([[4, 1], [1, 4], [2, 2]], [4.3, 4.3]), 12);
  });

  it('never goes down and stays within [0, 1] (property)', () => {
    const value = fc.integer({ min: -500, max: 500 }).map((v) => v / 100);
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value, value, fc.boolean()), { minLength: 1, maxLength: 30 }), (rows) => {
        const ts = rows.map(([a, b, c, ok], i) => makeTrial({ number: i, values: [a, b, c], systemAttrs: ok ? feasible : infeasible }));
        const hv = hypervolumeHistoryPlot({ trials: ts, directions: ['minimize', 'maximize', 'minimize'] }).points.map((p) => p.hypervolume);
        for (let i = 1; i < hv.length; i++) expect(hv[i] as number).toBeGreaterThanOrEqual((hv[i - 1] as number) - 1e-12);
        for (const v of hv) expect(v).toBeGreaterThanOrEqual(0);
        for (const v of hv) expect(v).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it('is flat at zero, with no reference point, while no trial is feasible', () => {
    const none = hypervolumeHistoryPlot({ trials: trials.map((t) => ({ ...t, systemAttrs: infeasible })), directions });
    expect(none.reference).toBeNull();
    expect(none.points.every((p) => p.hypervolume === 0 && !p.feasible)).toBe(true);
    expect(none.steps).toEqual([]);
    expect(renderSvg(none)).toContain('no feasible trial yet');
  });
});

describe('optimization history of a constrained single-objective study', () => {
  it('marks the infeasible trials and leaves them out of the best-so-far line', () => {
    const one = [makeTrial({ number: 0, value: 3, systemAttrs: feasible }), makeTrial({ number: 1, value: 1, systemAttrs: infeasible }), makeTrial({ number: 2, value: 2, systemAttrs: feasible })];
    const plot = historyPlot({ trials: one, direction: 'minimize' });
    expect(plot.points).toEqual([{ number: 0, value: 3 }, { number: 1, value: 1, infeasible: true }, { number: 2, value: 2 }]);
    expect(plot.best).toEqual([
      { number: 0, value: 3 },
      { number: 2, value: 2 },
    ]);
    const svg = renderSvg(plot);
    expect(svg).toContain('data-series="infeasible"');
    expect(svg).toContain('>infeasible</text>');
  });

  it('draws an unconstrained history with no infeasible series', () => {
    const svg = renderSvg(historyPlot({ trials: [makeTrial({ number: 0, value: 3 })], direction: 'minimize' }));
    expect(svg).not.toContain('infeasible');
  });
});

describe('report of a two-objective study', () => {
  const study: StudyRecord = { id: 1, name: 'mo', direction: 'minimize', directions, userAttrs: { metric: 'val_loss', metrics }, systemAttrs: {} };
  const report = buildReport(study, trials, { now: new Date(Date.UTC(2026, 0, 2)) });
  const html = renderReportHtml(report);

  it('holds the Pareto front and the hypervolume history, each a figure with its SVG', () => {
    expect(report.plots.map((p) => p.kind).slice(0, 2)).toEqual(['pareto', 'hypervolume']);
    for (const kind of ['pareto', 'hypervolume'] as const) {
      expect(html).toContain(`<figure id="${plotElementId(kind)}" data-plot="${kind}"><svg`);
      expect(html).toContain(`<a href="#${kind}">${kind}</a>`);
    }
  });

  it('names every objective in the header and lists the front instead of one best trial', () => {
    expect(html).toContain('<p>minimize val_loss, minimize latency_ms · 6 trials');
    expect(report.front?.map((r) => [r.number, r.values])).toEqual([
      [1, [1, 4]],
      [3, [2, 2]],
      [0, [4, 1]],
    ]);
    expect(html).toContain('<table id="pareto-front"><thead><tr><th>trial</th><th>val_loss</th><th>latency_ms</th>');
    expect(html).not.toContain('id="best-trials"');
    expect(html).toMatch(/<b>3<\/b><span>Pareto front trials<\/span>/);
    expect(html).toContain('<td>directions</td><td>minimize, minimize</td>');
    expect(report.notes).toContain('2 objectives: history, importance, parallel coordinates, contour and slices show the first, val_loss');
  });

  it('leaves a single-objective report without either plot', () => {
    const single = buildReport({ ...study, directions: ['minimize'], userAttrs: { metric: 'val_loss' } }, trials.map((t) => ({ ...t, values: t.values === null ? null : [t.values[0] as number] })));
    expect(single.plots.map((p) => p.kind)).not.toContain('pareto');
    expect(single.front).toBeNull();
    expect(renderReportHtml(single)).not.toMatch(/pareto|hypervolume/);
  });
});

/** A ZDT1-like study: x uniform in [0, 1]², f1 = x0, f2 = 1 − √x0 + 2·x1; every 7th trial infeasible. */
function zdtTrials(n: number): FrozenTrial[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => {
    const a = rand();
    const b = rand();
    return makeTrial({ number: i, values: [a, 1 - Math.sqrt(a) + 2 * b], systemAttrs: i % 7 === 6 ? infeasible : feasible });
  });
}

describe('multi-objective plots drawn', () => {
  const zdt = zdtTrials(120);
  it.each(['pareto', 'hypervolume'] as const)('%s: a balanced SVG document and a PNG that is not blank', async (kind) => {
    const plot = kind === 'pareto' ? paretoPlot({ trials: zdt, directions, metrics }) : hypervolumeHistoryPlot({ trials: zdt, directions, metrics });
    const svg = renderSvg(plot);
    expect(svg).toContain(`data-plot="${kind}"`);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    expect((svg.match(/<(?!\/)[a-zA-Z][^>]*[^/]>/g) ?? []).length).toBe((svg.match(/<\/[a-zA-Z]+>/g) ?? []).length);
    expect(svg).toContain('data-series="infeasible"');
    const image = decodePng(await svgToPng(svg, { scale: 1 }));
    expect(inkStats(image).inked).toBeGreaterThan(0.02);
  });

  it('draws at most 2,000 points of a large study but every front point', () => {
    const big = zdtTrials(5000);
    const plot = paretoPlot({ trials: big, directions });
    expect(plot.total).toBe(5000);
    expect(plot.points.length).toBe(2000);
    expect(plot.points.filter((p) => p.status === 'front').length).toBe(plot.counts.front);
    const hv = hypervolumeHistoryPlot({ trials: big, directions });
    expect(hv.points.length).toBe(2000);
    for (const s of hv.steps.slice(0, -1)) expect(hv.points.some((p) => p.number === s.number)).toBe(true);
  });
});
