import { Box, Text, Transform } from 'ink';
import { useMemo } from 'react';
import type { DashboardView, Line, Tone } from '../model/types.js';
import { composeLines } from '../model/view.js';

/** SGR codes of each tone (foreground colours, dim). */
const TONE_SGR: Record<Tone, string> = {
  title: '36',
  dim: '2',
  accent: '35',
  complete: '32',
  pruned: '33',
  failed: '31',
  running: '36',
  waiting: '90',
  good: '32',
  bad: '31',
  warn: '33',
};

/** One fitted line as text, with ANSI styles when `color`; neighbouring spans of one style share one escape. */
export function styleLine(line: Line, color: boolean): string {
  if (!color) return line.map((s) => s.text).join('');
  let out = '';
  let open = '';
  for (const span of line) {
    const codes = [span.tone === undefined ? '' : TONE_SGR[span.tone], span.bold ? '1' : '', span.inverse ? '7' : ''].filter((c) => c !== '').join(';');
    if (codes !== open) {
      if (open !== '') out += '\u001B[0m';
      if (codes !== '') out += `\u001B[${codes}m`;
      open = codes;
    }
    out += span.text;
  }
  return open === '' ? out : `${out}\u001B[0m`;
}

/** Colour unless told otherwise: a terminal without NO_COLOR and not "dumb". */
export function wantsColor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && process.env['NO_COLOR'] === undefined && process.env['TERM'] !== 'dumb';
}

export interface ScreenProps {
  readonly view: DashboardView;
  /** ANSI colours. Default false. */
  readonly color?: boolean;
}

/**
 * Draws a computed view. Ink lays out one blank block of the screen's size (the same text
 * every frame, so its layout is measured once: Ink caches every text it ever measured)
 * and the Transform writes the view's lines into it.
 */
export function Screen({ view, color = false }: ScreenProps) {
  const lines = composeLines(view, (line) => styleLine(line, color));
  const height = lines.length;
  const width = view.columns - 1;
  const blank = useMemo(() => Array.from({ length: height }, () => ' '.repeat(width)).join('\n'), [height, width]);
  return (
    <Box width={view.columns} flexShrink={0}>
      <Transform transform={(_, index) => lines[index] ?? ''}>
        <Text>{blank}</Text>
      </Transform>
    </Box>
  );
}
