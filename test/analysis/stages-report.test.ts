import { describe, expect, it } from 'vitest';
import type { StageStudyInput } from '../../src/analysis/index.js';
import { buildReport, renderReportHtml, stageRows } from '../../src/analysis/index.js';
import { studentTQuantile } from '../../src/numerics/student-t.js';
import type { JsonValue } from '../../src/json.js';
import type { ParamValue } from '../../src/space/distributions.js';
import type { FrozenTrial, StudyRecord, TrialState } from '../../src/storage/records.js';

function trial(number: number, state: TrialState, value: number | null, params: Record<string, ParamValue>, userAttrs: Record<string, JsonValue> = {}): FrozenTrial {
  return {
    id: number + 1,
    number,
    state,
    values: value === null ? null : [value],
    params,
    internalParams: {},
    distributions: {},
    intermediateValues: new Map(),
    userAttrs,
    systemAttrs: {},
    datetimeStart: new Date(0),
    datetimeComplete: state === 'WAITING' ? null : new Date(0),
  };
}

const confirmOf = (n: number, k: number) => ({ 'sodate:confirm_of': n, 'sodate:confirm_seed': 100 + k });
const OPTIM_BEST = { lr: 0.01, wd: 0 };
const REG_BEST = { lr: 0.01, wd: 0.05 };

/** optim: best trial 2 (1.2); reg: best trial 1 (1.0), with a waiting trial; `reruns` re-runs of each best, by stage. */
function stages(reruns: { optim?: number[]; reg?: number[] } = {}): StageStudyInput[] {
  const optim = [trial(0, 'COMPLETE', 2.0, { lr: 0.001, wd: 0 }, { 'sodate:baseline': true }), trial(1, 'COMPLETE', 1.5, { lr: 0.1, wd: 0 }), trial(2, 'COMPLETE', 1.2, OPTIM_BEST)];
  const reg = [trial(0, 'COMPLETE', 1.25, OPTIM_BEST, { 'sodate:stage_carried_from': 'grow.optim' }), trial(1, 'COMPLETE', 1.0, REG_BEST), trial(2, 'FAIL', null, { lr: 0.01, wd: 0.09 }), trial(3, 'WAITING', null, {})];
  (reruns.optim ?? []).forEach((v, k) => optim.push(trial(optim.length, 'COMPLETE', v, OPTIM_BEST, confirmOf(2, k))));
  (reruns.reg ?? []).forEach((v, k) => reg.push(trial(reg.length, 'COMPLETE', v, REG_BEST, confirmOf(1, k))));
  return [
    { name: 'optim', study: 'grow.optim', opens: ['lr'], trials: optim },
    { name: 'reg', study: 'grow.reg', opens: ['wd'], trials: reg },
  ];
}

describe('the stages side by side', () => {
  it('give each stage its parameters, tuning trials and best, and the first no gain', () => {
    const rows = stageRows(stages({ reg: [0.4] }), 'minimize');
    expect(rows.map((r) => [r.index, r.name, r.study, r.opens, r.trials, r.best])).toEqual([
      [1, 'optim', 'grow.optim', ['lr'], 3, { number: 2, value: 1.2 }],
      // The waiting trial and the re-run are not tuning trials; a lucky re-run (0.4) is not the best.
      [2, 'reg', 'grow.reg', ['wd'], 3, { number: 1, value: 1.0 }],
    ]);
    expect(rows[0]?.gain).toBeNull();
  });

  it('give a gain from the two best values, with no interval, when the bests have no re-runs: a single run', () => {
    const gain = stageRows(stages(), 'minimize')[1]?.gain;
    expect(gain).toEqual({ mean: expect.closeTo(0.2, 12) as number, low: null, high: null, basis: 'single run' });
  });

  it('stay a single run when only one of the two bests has re-runs: no interval is invented for the other', () => {
    expect(stageRows(stages({ reg: [1.05, 0.95, 1.0] }), 'minimize')[1]?.gain?.basis).toBe('single run');
    expect(stageRows(stages({ optim: [1.3, 1.2, 1.25], reg: [1.0] }), 'minimize')[1]?.gain?.basis).toBe('single run');
  });

  it("give the difference of the re-run means with Welch's 95% interval when both bests have two or more", () => {
    const rows = stageRows(stages({ optim: [1.3, 1.2, 1.25], reg: [1.05, 0.95, 1.0] }), 'minimize');
    expect(rows.map((r) => r.reruns)).toEqual([
      [1.3, 1.2, 1.25],
      [1.05, 0.95, 1.0],
    ]);
    const gain = rows[1]?.gain;
    // Both: sd 0.05, n 3, so the Welch–Satterthwaite df is 4 and the half-width t(0.975, 4)·√(2·0.05²/3).
    const half = studentTQuantile(0.975, 4) * Math.sqrt((2 * 0.05 ** 2) / 3);
    expect(gain?.basis).toBe('re-runs');
    expect(gain?.mean).toBeCloseTo(0.25, 12);
    expect(gain?.low).toBeCloseTo(0.25 - half, 9);
    expect(gain?.high).toBeCloseTo(0.25 + half, 9);
  });

  it('say which earlier best a stage was built on when the stage before has found a better one since, and nothing otherwise', () => {
    const [optim, reg] = stages();
    // reg was built on optim's trial 1 (1.5); optim's best is now trial 2 (1.2), found after reg ran.
    const rows = stageRows([optim as StageStudyInput, { ...(reg as StageStudyInput), builtOn: { trial: 1, value: 1.5 } }], 'minimize');
    expect(rows.map((r) => r.builtOnEarlierBest)).toEqual([null, { trial: 1, value: 1.5 }]);
    expect(stageRows([optim as StageStudyInput, { ...(reg as StageStudyInput), builtOn: { trial: 2, value: 1.2 } }], 'minimize')[1]?.builtOnEarlierBest).toBeNull();
    const html = renderReportHtml(buildReport(REG_RECORD, (reg as StageStudyInput).trials, { stages: [optim as StageStudyInput, { ...(reg as StageStudyInput), builtOn: { trial: 1, value: 1.5 } }] }));
    expect(html).toContain('<p class="stages-note">Stage reg was built on trial 1 of grow.optim (1.5); that stage has since found trial 2, so the gain compares with a best this stage never started from.');
  });

  it('count a gain positive when it is better in the direction', () => {
    const flipped = stages().map((s) => ({ ...s, trials: s.trials.map((t) => ({ ...t, values: t.values === null ? null : [-(t.values[0] as number)] })) }));
    expect(stageRows(flipped, 'maximize')[1]?.gain?.mean).toBeCloseTo(0.2, 12);
  });

  it("take a stage's best as sodate tune carried it, an infinite value included, and give no gain between two infinite bests", () => {
    const [optim, reg] = stages();
    const infinite = (t: FrozenTrial) => (t.number === 1 ? { ...t, values: [-Infinity] } : t);
    const rows = stageRows([{ ...optim!, trials: optim!.trials.map(infinite) }, { ...reg!, trials: reg!.trials.map(infinite) }], 'minimize');
    expect(rows.map((r) => r.best?.number)).toEqual([1, 1]);
    expect(rows[1]?.gain).toBeNull();
  });
});

const record = (name: string): StudyRecord => ({ id: 2, name, direction: 'minimize', directions: ['minimize'], userAttrs: { metric: 'val_loss' }, systemAttrs: {} });
const REG_RECORD = record('grow.reg');

describe('the report of a stage', () => {

  it('has a stages table, its own stage marked, single runs said so', () => {
    const input = stages({ optim: [1.3, 1.2, 1.25], reg: [1.05, 0.95, 1.0] });
    input[0] = { ...input[0], trials: (input[0] as StageStudyInput).trials.slice(0, 3) } as StageStudyInput;
    const report = buildReport(record('grow.reg'), (input[1] as StageStudyInput).trials, { stages: input, now: new Date(0) });
    expect(report.stages?.map((r) => r.name)).toEqual(['optim', 'reg']);
    const html = renderReportHtml(report);
    expect(html).toContain('<section id="stages"><h2>Stages</h2>');
    expect(html).toContain('<a href="#stages">');
    expect(html).toMatch(/<th>parameters opened<\/th><th>trials<\/th><th>best val_loss<\/th><th>best trial<\/th><th>gain over previous<\/th><th>95% interval<\/th>/);
    expect(html).toMatch(/<tr><td class="num">1<\/td><td>optim<\/td><td>grow\.optim<\/td><td>lr<\/td><td class="num">3<\/td><td class="num">1\.2<\/td><td class="num">2<\/td><td class="num">-<\/td><td>-<\/td><\/tr>/);
    expect(html).toMatch(/<tr class="current"><td class="num">2<\/td><td>reg<\/td>.*<td class="num">0\.2<\/td><td>single run<\/td><\/tr>/);
  });

  it('shows the interval and the re-runs it comes from when both bests have them', () => {
    const input = stages({ optim: [1.3, 1.2, 1.25], reg: [1.05, 0.95, 1.0] });
    const html = renderReportHtml(buildReport(record('grow.reg'), (input[1] as StageStudyInput).trials, { stages: input }));
    expect(html).toMatch(/<td class="num">0\.25<\/td><td>\[0\.1\d+, 0\.3\d+\] \(3 re-runs vs 3\)<\/td><\/tr>/);
  });

  it('of a plain study has none', () => {
    const report = buildReport(record('grow'), (stages()[1] as StageStudyInput).trials);
    expect(report.stages).toBeNull();
    expect(renderReportHtml(report)).not.toContain('id="stages"');
  });
});
