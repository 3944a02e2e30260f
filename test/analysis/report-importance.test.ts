import { describe, expect, it } from 'vitest';
import { buildReport, renderReportHtml } from '../../src/analysis/index.js';
import type { StudyRecord } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';
import { LR, MOMENTUM } from './synthetic.js';

const study: StudyRecord = { id: 1, name: 'flat', direction: 'minimize', directions: ['minimize'], userAttrs: { metric: 'val_loss' }, systemAttrs: {} };

/** Twelve trials over lr and momentum, every one with the value `value(i)`. */
function trials(value: (i: number) => number) {
  return Array.from({ length: 12 }, (_, i) => makeTrial({ number: i, value: value(i), params: { lr: { value: 1e-5 * 2 ** i, distribution: LR }, momentum: { value: 0.8 + i / 100, distribution: MOMENTUM } } }));
}

/** The HTML of the report's importance section. */
function importanceSection(html: string): string {
  return /<section id="importance">.*?<\/section>/s.exec(html)?.[0] ?? '';
}

describe('report: parameter importance', () => {
  it('says importance cannot be measured, instead of equal bars, when every trial has the same value', () => {
    const report = buildReport(study, trials(() => 0.5));
    expect(report.plots.map((p) => p.kind)).not.toContain('importance');
    const section = importanceSection(renderReportHtml(report));
    expect(section).toContain('importance cannot be measured: all 12 trials have the same value (0.5)');
    expect(section).not.toContain('importance-table');
    expect(section).not.toContain('<svg');
  });

  it('draws the bars and the table when the values differ', () => {
    const report = buildReport(study, trials((i) => (i - 6) ** 2));
    expect(report.plots.map((p) => p.kind)).toContain('importance');
    const section = importanceSection(renderReportHtml(report));
    expect(section).toContain('<table id="importance-table">');
    expect(section).not.toContain('cannot be measured');
  });
});
