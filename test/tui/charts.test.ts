import { describe, expect, it } from 'vitest';
import { historyChart, horizontalBar, segmentWidths, sparkChar } from '../../src/tui/model/charts.js';
import { fitLine, wrapText } from '../../src/tui/model/lines.js';
import { formatParam as formatCliParam } from '../../src/cli/format.js';
import { formatDuration, formatNumber, formatParam } from '../../src/tui/model/format.js';
import { historyPanel } from '../../src/tui/model/panels.js';

describe('text charts', () => {
  it('maps values onto ▁…█ and keeps every value visible', () => {
    expect(sparkChar(0, 0, 1)).toBe('▁');
    expect(sparkChar(1, 0, 1)).toBe('█');
    expect(sparkChar(0.5, 0, 1)).toBe('▅');
    expect(sparkChar(3, 3, 3)).toBe('▄');
  });

  it('splits a bar into segments that fill their share of the width', () => {
    expect(segmentWidths([5, 3, 2, 0], 10, 10)).toEqual([5, 3, 2, 0]);
    expect(segmentWidths([10, 0, 0, 0], 40, 80)).toEqual([20, 0, 0, 0]);
    expect(segmentWidths([1, 1, 1, 1], 3, 7).reduce((a, b) => a + b, 0)).toBe(7);
    // a lone failure among thousands still gets one cell
    expect(segmentWidths([9999, 0, 1, 0], 10000, 50)[2]).toBe(1);
  });

  it('draws horizontal bars with eighth-cell resolution', () => {
    expect(horizontalBar(1, 4)).toBe('████');
    expect(horizontalBar(0.5, 4)).toBe('██  ');
    expect(horizontalBar(0.0625, 2)).toBe('▏ ');
  });

  it('draws best-so-far as columns from the first to the last trial', () => {
    const chart = historyChart([undefined, 4, 2, 2, 1], 5, 2);
    expect(chart?.top).toBe(4);
    expect(chart?.bottom).toBe(1);
    expect(chart?.lines).toHaveLength(2);
    expect(chart?.lines[0]?.[0]).toBe(' '); // no value before the first complete trial
    expect(chart?.lines[1]?.[4]).toBe('▁');
    expect(chart?.lines[0]?.[1]).toBe('█');
  });

  it('draws a best-so-far that never changed as a flat line across the middle row', () => {
    const chart = historyChart([undefined, 0.5, 0.5, 0.5], 4, 5);
    expect(chart?.flatRow).toBe(2);
    expect(chart?.lines).toEqual(['    ', '    ', ' ───', '    ', '    ']);
  });

  it('uses a log scale for a positive series spanning orders of magnitude', () => {
    expect(historyChart([1000, 10, 1], 3, 3)?.log).toBe(true);
    expect(historyChart([3, 2, 1], 3, 3)?.log).toBe(false);
    expect(historyChart([], 3, 3)).toBeUndefined();
  });
});

describe('the best-so-far panel', () => {
  const text = (bestSoFar: (number | undefined)[]) => historyPanel(bestSoFar, 30, 6).lines.map((l) => l.map((s) => s.text).join(''));

  it('labels a flat line with its value, drawing no block', () => {
    const lines = text([0.5, 0.5, 0.5]);
    expect(lines.filter((l) => l.includes('┤'))).toEqual([`${'0.5'.padStart(7)} ┤${'─'.repeat(21)}`]);
    expect(lines.join('')).not.toMatch(/[█▁-▇]/);
  });

  it('labels the top and the bottom of the axis, with the digits that tell them apart', () => {
    const lines = text([0.50004, 0.50001]);
    expect(lines[0]).toMatch(/^0\.50004 ┤/);
    expect(lines[4]).toMatch(/^0\.50001 ┤/);
    expect(text([2, 1])[4]).toMatch(/^ {6}1 ┤/);
  });
});

describe('text helpers', () => {
  it('fits spans to an exact width, cutting with an ellipsis', () => {
    const line = fitLine([{ text: 'abc' }, { text: 'defgh', tone: 'good' }], 6);
    expect(line.map((s) => s.text).join('')).toBe('abcde…');
    expect(fitLine([{ text: 'ab' }], 4).map((s) => s.text).join('')).toBe('ab  ');
  });

  it('wraps words and cuts words longer than a line', () => {
    expect(wrapText('a bb ccc', 4)).toEqual(['a bb', 'ccc']);
    expect(wrapText('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
  });

  it('formats parameter values as the CLI does (eps=1.000e-8 in both)', () => {
    for (const value of [1e-8, 3.1622776e-4, 0.00123456789, 0.05, 0.5, 32, 123.456789, 4.2e6, 12345678, 5e8, 2e9, -0.25, 'adamw', true]) expect(formatParam(value)).toBe(formatCliParam(value));
    expect(formatParam(1e-8)).toBe('1.000e-8');
  });

  it('formats numbers and durations for a narrow column', () => {
    expect(formatNumber(0.000123456)).toBe('1.23e-4');
    expect(formatNumber(Infinity)).toBe('inf');
    expect(formatDuration(4.2)).toBe('4.2s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(7500)).toBe('2h05m');
    expect(formatDuration(null)).toBe('-');
  });
});
