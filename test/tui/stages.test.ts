import { describe, expect, it } from 'vitest';
import type { StageStudyInput } from '../../src/analysis/stages.js';
import { stageRows } from '../../src/analysis/stages.js';
import type { DashboardInput, DashboardView } from '../../src/tui/index.js';
import { buildDashboardView, stageGainText, stagesPanel, viewToText } from '../../src/tui/index.js';
import { makeTrial } from '../helpers/trials.js';
import { HEADER, T0, syntheticTrials } from './studies.js';

const complete = (number: number, value: number) => makeTrial({ number, value });

/** Three stages of a minimized study: 0.9 → 0.7 → 0.72 (the last made nothing better). */
const STAGES: StageStudyInput[] = [
  { name: 'optim', study: 's.optim', opens: ['lr', 'optimizer'], trials: [complete(0, 1.1), complete(1, 0.9), complete(2, 1.0)] },
  { name: 'regularisation', study: 's.regularisation', opens: ['weight_decay', 'ema'], trials: [complete(0, 0.9), complete(1, 0.7)] },
  { name: 'augmentation', study: 's.augmentation', opens: ['mixup_alpha'], trials: [complete(0, 0.72), complete(1, 0.8)] },
];
const rows = stageRows(STAGES, 'minimize');

const text = (lines: readonly (readonly { text: string }[])[]) => lines.map((l) => l.map((s) => s.text).join('').trimEnd());

function input(change: Partial<DashboardInput> = {}): DashboardInput {
  return { study: { ...HEADER, name: 's.augmentation' }, trials: syntheticTrials({ trials: 30, running: 2 }), now: T0, size: { columns: 100, rows: 30 }, sort: 'recent', selected: null, detail: false, ...change };
}

function panelIds(view: DashboardView): string[] {
  return view.body.flatMap((r) => r.columns.flatMap((c) => c.panels.map((p) => p.id)));
}

describe('the stages panel', () => {
  it('shows each stage with its trials, best, gain over the stage before and the parameters it opened', () => {
    const panel = stagesPanel(rows, 's.augmentation', 100, 4);
    const lines = text(panel.lines);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ 1\. optim\s+3 trials\s+0\.9 #1\s+-\s+lr optimizer$/);
    expect(lines[1]).toMatch(/2\. regularisation\s+2 trials\s+0\.7 #1\s+\+0\.2 \(1 run\)\s+weight_decay ema$/);
    expect(lines[2]).toMatch(/^▸3\. augmentation\s+2 trials\s+0\.72 #0\s+-0\.02 \(1 run\)\s+mixup_alpha$/);
    // The better-side gain is green, the worse one red.
    expect(panel.lines[1]?.find((s) => s.text.includes('+0.2'))?.tone).toBe('good');
    expect(panel.lines[2]?.find((s) => s.text.includes('-0.02'))?.tone).toBe('bad');
    expect(panel.lines.every((l) => l.reduce((w, s) => w + s.text.length, 0) === 100)).toBe(true);
  });

  it('writes a gain from re-runs with its interval, and a missing one as -', () => {
    expect(stageGainText({ mean: 0.12, low: 0.05, high: 0.19, basis: 're-runs' })).toBe('+0.12 [0.05, 0.19]');
    expect(stageGainText(null)).toBe('-');
  });

  it('says so when no stage has run yet', () => {
    expect(text(stagesPanel([], undefined, 60, 3).lines)[0]).toBe('  no stage has run yet');
  });
});

describe('the dashboard with stages', () => {
  it('puts the stages above the lists, full width, and keeps every line at the screen width', () => {
    const view = buildDashboardView(input({ stages: rows }));
    expect(panelIds(view)[0]).toBe('stages');
    const lines = viewToText(view);
    expect(lines.some((l) => l.includes('▸3. augmentation'))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(30);
    expect(panelIds(view)).toContain('finished');
  });

  it('leaves them out of a study without stages and of the details view', () => {
    expect(panelIds(buildDashboardView(input()))).not.toContain('stages');
    expect(panelIds(buildDashboardView(input({ stages: rows, detail: true })))).not.toContain('stages');
  });

  it('fits the smallest screen', () => {
    const view = buildDashboardView(input({ stages: rows, size: { columns: 60, rows: 16 } }));
    expect(viewToText(view).length).toBeLessThanOrEqual(16);
  });
});
