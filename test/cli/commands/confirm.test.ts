import { describe, expect, it } from 'vitest';
import type { ConfirmGroup } from '../../../src/analysis/confirm.js';
import { rankConfirmations } from '../../../src/analysis/confirm.js';
import { printTable, rowToJson } from '../../../src/cli/commands/confirm.js';
import type { CliIo } from '../../../src/cli/io.js';

const group = (number: number, value: number, reruns: number[]): ConfirmGroup => ({ candidate: { number, params: { x: number }, internalParams: { x: number }, value }, reruns, missing: 0 });

/** What printTable writes to stdout for these groups (minimizing, 2 seeds, trial 0 the best single trial). */
function printed(groups: readonly ConfirmGroup[]): string {
  let out = '';
  const io: CliIo = { out: { write: (text: string) => (out += text) }, err: { write: () => true }, cwd: '/' };
  printTable(io, 'noisy', 'minimize value', 2, rankConfirmations(groups, 'minimize'), 0);
  return out;
}

/** The cells of a text column (left-aligned), row by row, cut at the header's place. */
function column(out: string, name: string): string[] {
  const lines = out.split('\n');
  const header = lines.findIndex((l) => l.startsWith('rank'));
  const at = (lines[header] as string).indexOf(name);
  return lines
    .slice(header + 2)
    .filter((l) => /^\s*\d/.test(l))
    .map((l) => l.slice(at, at + name.length).trim());
}

// Against [1, 2, 3]: [2, 3, 4] is tied (p = 0.288), [4, 5, 6, 7] apart (p = 0.0101).
const TIED = group(1, 2, [3, 4]);
const APART = group(2, 4, [5, 6, 7]);

describe("sodate confirm's table", () => {
  it('shows - in the "tied with 1" column for rank 1, the reference, even when rank 2 is apart', () => {
    const out = printed([group(0, 1, [2, 3]), APART]);
    expect(column(out, 'tied with 1')).toEqual(['-', 'no']);
    expect(out).toContain('rank 1: trial 0, also the best single trial. Every other configuration is worse than it (Welch p ≤ 0.05).');
  });

  it('counts the configurations tied with rank 1 without rank 1 itself', () => {
    const out = printed([group(0, 1, [2, 3]), TIED, APART]);
    expect(column(out, 'tied with 1')).toEqual(['-', 'yes', 'no']);
    expect(out).toContain('1 other configuration(s) cannot be told apart from it (Welch p > 0.05)');
  });

  it('compares a single configuration (--top 1) with no other', () => {
    const out = printed([group(0, 1, [2, 3])]);
    expect(column(out, 'tied with 1')).toEqual(['-']);
    expect(out).toMatch(/rank 1: trial 0, also the best single trial\.\n$/);
    expect(out).not.toContain('other configuration');
  });
});

describe("sodate confirm's JSON", () => {
  it('gives rank 1 null for tied_with_top and p_vs_top, and the others their mark', () => {
    const rows = rankConfirmations([group(0, 1, [2, 3]), TIED, APART], 'minimize').map(rowToJson);
    expect(rows.map((r) => [r['rank'], r['tied_with_top']])).toEqual([[1, null], [2, true], [3, false]]);
    expect(rows[0]?.['p_vs_top']).toBeNull();
  });
});
