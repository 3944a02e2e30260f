import { describe, expect, it } from 'vitest';
import { compareArms } from '../../../src/analysis/index.js';
import { compareTable } from '../../../src/cli/commands/compare.js';
import type { StudyRecord } from '../../../src/storage/records.js';
import { makeTrial } from '../../helpers/trials.js';

const study = (name: string): StudyRecord => ({ id: 1, name, direction: 'minimize', directions: ['minimize'], userAttrs: {}, systemAttrs: {} });
const complete = (values: number[]) => values.map((value, number) => makeTrial({ number, value }));
const failed = makeTrial({ number: 0, state: 'FAIL' });

/** The first table's row for `arm`, cell by cell. */
function row(table: string, arm: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`${arm} `)) as string;
  return line.trim().split(/\s{2,}/);
}

describe("sodate compare's table", () => {
  it('shows a study with no complete trial as -, with a note, and never NaN', () => {
    for (const order of [['allfail', 'quickstart'], ['quickstart', 'allfail']]) {
      const trials: Record<string, ReturnType<typeof complete>> = { allfail: [failed], quickstart: complete([0.5, 0.2, 0.9]) };
      const table = compareTable(compareArms(order.map((name) => ({ label: name, studies: [{ study: study(name), trials: trials[name] ?? [] }] }))));
      expect(table).not.toMatch(/NaN/);
      expect(row(table, 'allfail')).toEqual(['allfail', '1', '0', '-', '-', '-', '-', '-', '-']);
      expect(row(table, 'quickstart').at(-1)).toBe('-');
      expect(table).toContain('no complete trial in allfail: shown as -, and nothing is compared with it');
    }
  });

  it('keeps the percentages when both arms have complete trials', () => {
    const table = compareTable(compareArms([
      { label: 'base', studies: [{ study: study('base'), trials: complete([3, 4]) }] },
      { label: 'ema', studies: [{ study: study('ema'), trials: complete([1, 2]) }] },
    ]));
    expect(row(table, 'ema').at(-1)).toBe('100% trials, 100% bests');
    expect(table).not.toContain('no complete trial');
  });
});
