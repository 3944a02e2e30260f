import { clip } from './format.js';
import { fitLine, lineWidth } from './lines.js';
import type { Line } from './types.js';

/**
 * The screen of a terminal smaller than the dashboard's minimum: instead of a layout the
 * terminal would wrap or scroll, a request to enlarge it (shortened to fit the width) and
 * then `extra` (the study's state in one line, a pending question), centred both ways.
 * Exactly `rows − 1` lines (one at least) of `columns − 1` characters, like the dashboard.
 */
export function tooSmallLines(size: { readonly columns: number; readonly rows: number }, min: { readonly columns: number; readonly rows: number }, extra: readonly Line[]): Line[] {
  const width = Math.max(0, size.columns - 1);
  const height = Math.max(1, size.rows - 1);
  const wanted = `${min.columns}×${min.rows}`;
  const now = `${size.columns}×${size.rows}`;
  const requests = [`sodate: enlarge the terminal to at least ${wanted} (now ${now})`, `sodate: enlarge the terminal to ${wanted} (now ${now})`, `enlarge to ${wanted} (now ${now})`, `need ${wanted}`];
  const request = requests.find((r) => r.length <= width) ?? clip(requests[requests.length - 1] as string, width);
  const block: Line[] = [[{ text: request, tone: 'warn' as const, bold: true }], ...extra].slice(0, height);
  const top = Math.floor((height - block.length) / 2);
  const lines: Line[] = [];
  for (let r = 0; r < height; r++) {
    const line = block[r - top];
    const indent = line === undefined ? 0 : Math.max(0, Math.floor((width - lineWidth(line)) / 2));
    lines.push(fitLine([{ text: ' '.repeat(indent) }, ...(line ?? [])], width));
  }
  return lines;
}
