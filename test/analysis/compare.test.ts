import { describe, expect, it } from 'vitest';
import { compareArms } from '../../src/analysis/index.js';
import type { StudyRecord } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';

const study = (name: string): StudyRecord => ({ id: 1, name, direction: 'minimize', directions: ['minimize'], userAttrs: {}, systemAttrs: {} });
const complete = (values: number[]) => values.map((value, number) => makeTrial({ number, value }));
const allFailed = [makeTrial({ number: 0, state: 'FAIL' }), makeTrial({ number: 1, state: 'FAIL' })];

/** Every number in the result, at any depth. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(numbersIn);
}

describe('compareArms with a study that has no complete trial', () => {
  const result = compareArms([
    { label: 'allfail', studies: [{ study: study('allfail'), trials: allFailed }] },
    { label: 'quickstart', studies: [{ study: study('quickstart'), trials: complete([0.5, 0.2]) }] },
  ]);

  it('gives its statistics as null, never NaN', () => {
    const arm = result.arms[0];
    expect(arm).toMatchObject({ bestMean: null, bestStd: null, bestOverall: null });
    expect(arm?.values).toEqual({ n: 0, mean: null, std: null, min: null, q25: null, median: null, q75: null, max: null });
    expect(numbersIn(result).every(Number.isFinite)).toBe(true);
  });

  it('compares nothing with it: the versus entry is null throughout', () => {
    expect(result.versus[0]).toEqual({ label: 'quickstart', pTrialBetter: null, pBestBetter: null, bestMeanDelta: null });
  });

  it('writes null, never NaN, in the JSON the CLI prints', () => {
    expect(JSON.stringify(result)).not.toMatch(/NaN/);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('keeps the other arm\'s statistics', () => {
    expect(result.arms[1]).toMatchObject({ bestMean: 0.2, bestStd: 0, bestOverall: 0.2, values: { n: 2, median: 0.35 } });
  });
});
