import { clip, fit } from './format.js';
import type { Line, Span, Tone } from './types.js';

/** Total characters of a line. */
export function lineWidth(line: Line): number {
  let w = 0;
  for (const s of line) w += s.text.length;
  return w;
}

/** The spans cut (the last visible one ends in '…') or padded with spaces to exactly `width`. */
export function fitLine(spans: readonly Span[], width: number): Line {
  const out: Span[] = [];
  let used = 0;
  for (const span of spans) {
    if (used >= width) break;
    const room = width - used;
    if (span.text.length <= room) {
      out.push(span);
      used += span.text.length;
    } else {
      out.push({ ...span, text: fit(span.text, room) });
      used = width;
    }
  }
  if (used < width) {
    const last = out[out.length - 1];
    // Padding of a reverse-video row stays reversed, so the whole row reads as selected.
    out.push(last?.inverse ? { text: ' '.repeat(width - used), inverse: true } : { text: ' '.repeat(width - used) });
  }
  return out;
}

export function textLine(text: string, width: number, tone?: Tone): Line {
  return [tone === undefined ? { text: fit(text, width) } : { text: fit(text, width), tone }];
}

export function blankLine(width: number): Line {
  return [{ text: ' '.repeat(Math.max(0, width)) }];
}

/** A panel title: `─ name ───── right ─` across `width`. */
export function titleLine(name: string, width: number, right = ''): Line {
  const left = `─ ${name} `;
  const tail = right === '' ? '─' : ` ${right} ─`;
  const rule = width - left.length - tail.length;
  if (rule < 1) return fitLine([{ text: left, tone: 'title', bold: true }], width);
  return [
    { text: '─ ', tone: 'dim' },
    { text: name, tone: 'title', bold: true },
    { text: ` ${'─'.repeat(rule)}`, tone: 'dim' },
    ...(right === '' ? [{ text: '─', tone: 'dim' as const }] : [{ text: ` ${right}`, tone: 'dim' as const }, { text: ' ─', tone: 'dim' as const }]),
  ];
}

/** Exactly `count` lines: cut, or filled with blank ones. */
export function padLines(lines: readonly Line[], count: number, width: number): Line[] {
  const out = lines.slice(0, Math.max(0, count));
  while (out.length < count) out.push(blankLine(width));
  return out;
}

/** Words of `text` wrapped into lines of at most `width` characters (long words are cut). */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/)) {
      if (word === '') continue;
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
      while (line.length > width) {
        out.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * Items packed left to right into at most `maxLines` lines of `width`, three spaces apart,
 * each cut on its own (so a long one hides none of the others); when they do not all fit,
 * the last line ends with `… N more`.
 */
export function packItems(items: readonly string[], width: number, maxLines: number): string[] {
  const cut = items.map((item) => clip(item, width));
  const rows: string[][] = [];
  let row: string[] = [];
  let used = 0;
  for (const item of cut) {
    if (row.length > 0 && used + 3 + item.length > width) {
      rows.push(row);
      row = [];
    }
    used = row.length === 0 ? item.length : used + 3 + item.length;
    row.push(item);
  }
  if (row.length > 0) rows.push(row);
  if (rows.length <= maxLines) return rows.map((r) => r.join('   '));
  const kept = rows.slice(0, Math.max(1, maxLines));
  const last = kept[kept.length - 1] as string[];
  let shown = kept.reduce((a, r) => a + r.length, 0);
  const more = () => `… ${items.length - shown} more`;
  while (last.length > 0 && [...last, more()].join('   ').length > width) {
    last.pop();
    shown--;
  }
  kept[kept.length - 1] = [...last, more()];
  return kept.map((r) => clip(r.join('   '), width));
}
