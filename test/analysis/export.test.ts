import { describe, expect, it } from 'vitest';
import { exportCsv, exportJson, exportTrials } from '../../src/analysis/index.js';
import { csvText } from '../../src/analysis/export.js';
import { makeTrial } from '../helpers/trials.js';
import { X } from './synthetic.js';

/** Rows keyed by header (no quoted commas in these tables). */
function dictRows(csv: string): Record<string, string>[] {
  const [head = '', ...lines] = csv.trim().split('\n');
  const header = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [header[i] as string, cell])));
}

const x = (value: number) => ({ x: { value, distribution: X } });

/**
 * A study with a limit on mem (measured and stored beside it, as `tune` does) and an
 * unlimited `drift` set as a distance (nothing measured): within, past (a NaN measurement,
 * stored as a violation of 1e308), and a running trial without any.
 */
const constrained = [
  makeTrial({ number: 0, value: 0.5, params: x(0.1), systemAttrs: { 'constraints:mem': -4, 'sodate:measured:mem': 12, 'constraints:drift': -1 } }),
  makeTrial({ number: 1, value: 0.3, params: x(0.2), systemAttrs: { 'constraints:mem': 1e308, 'sodate:measured:mem': 'NaN', 'constraints:drift': 0.5 } }),
  makeTrial({ number: 2, params: x(0.3) }),
];

describe('export of a constrained study', () => {
  it('has a column per constraint with its distance past the limit, and the measured value where stored', () => {
    const csv = exportCsv(exportTrials(constrained, 'minimize'));
    expect(csv.split('\n')[0]).toMatch(/,feasible,constraints_mem,constraints_drift,measured_mem,params_x,note$/);
    expect(dictRows(csv).map((r) => [r['feasible'], r['constraints_mem'], r['constraints_drift'], r['measured_mem']])).toEqual([
      ['true', '-4', '-1', '12'],
      ['false', '1e+308', '0.5', 'NaN'],
      ['', '', '', ''],
    ]);
  });

  it('nests the same facts in JSON, constraints as `sodate trials --format json` prints them', () => {
    const rows = JSON.parse(exportJson(exportTrials(constrained, 'minimize'))) as Record<string, unknown>[];
    expect(rows.map((r) => [r['feasible'], r['constraints'], r['measured']])).toEqual([
      [true, { mem: -4, drift: -1 }, { mem: 12 }],
      [false, { mem: 1e308, drift: 0.5 }, { mem: 'NaN' }],
      [null, { mem: null, drift: null }, { mem: null }],
    ]);
  });

  it('has neither constraint nor measured columns for a study without constraints', () => {
    const table = exportTrials([makeTrial({ number: 0, value: 1, params: x(0.1) })], 'minimize');
    expect(exportCsv(table).split('\n')[0]).not.toMatch(/feasible|constraints_|measured_/);
    expect(JSON.parse(exportJson(table))[0]).not.toHaveProperty('constraints');
  });
});

describe('CSV spelling shared by `sodate export` and `sodate trials --format csv`', () => {
  it('writes non-finite numbers as pandas and Python read them, booleans as true/false, none as empty', () => {
    expect([Infinity, -Infinity, NaN, 0.25, true, false, null, undefined].map((v) => csvText(v))).toEqual(['inf', '-inf', 'NaN', '0.25', 'true', 'false', '', '']);
  });
});

describe('export of a fold trial', () => {
  it('has no best epoch: its reports are folds, not epochs', () => {
    const folds = makeTrial({ number: 0, value: 0.4, intermediate: { 0: 0.5, 1: 0.3, 2: 0.4 }, systemAttrs: { 'sodate:folds': true } });
    const epochs = makeTrial({ number: 1, value: 0.4, intermediate: { 0: 0.5, 1: 0.3, 2: 0.4 } });
    expect(exportTrials([folds, epochs], 'minimize').rows.map((r) => r.best_epoch)).toEqual([null, 1]);
  });
});
