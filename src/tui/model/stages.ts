/**
 * The stages of a staged study side by side, as `sodate report` lists them: one line per
 * stage with the parameters it opened, its trials, its best and the gain over the stage
 * before. The rows are computed by `stageRows` (src/analysis/stages.ts); this only draws them.
 */
import type { StageGain, StageRow } from '../../analysis/stages.js';
import { fit, formatNumber } from './format.js';
import { fitLine, padLines, textLine, titleLine } from './lines.js';
import type { Line, Panel, Span } from './types.js';

/** Lines the panel wants: its title and one line per stage. */
export function stagesPanelHeight(rows: readonly StageRow[]): number {
  return 1 + Math.max(1, rows.length);
}

/** The gain as text: `+0.12 [0.05, 0.19]` from re-runs, `+0.12 (1 run)` from the two best values. */
export function stageGainText(gain: StageGain | null): string {
  if (gain === null) return '-';
  const signed = `${gain.mean > 0 ? '+' : ''}${formatNumber(gain.mean, 3)}`;
  if (gain.basis === 'single run' || gain.low === null || gain.high === null) return `${signed} (1 run)`;
  return `${signed} [${formatNumber(gain.low, 3)}, ${formatNumber(gain.high, 3)}]`;
}

/**
 * One line per stage: number and name, trials, best value and trial, gain over the previous
 * stage (green when its interval, or its single run, is on the better side), and the
 * parameters it opened, cut to the width. `current` marks the stage the dashboard follows.
 */
export function stagesPanel(rows: readonly StageRow[], current: string | undefined, width: number, height: number): Panel {
  const room = Math.max(0, height - 1);
  const nameWidth = Math.min(18, Math.max(5, ...rows.map((r) => `${r.index}. ${r.name}`.length)));
  const lines: Line[] = rows.slice(0, room).map((r) => {
    const here = r.study === current;
    const gain = r.gain;
    const better = gain !== null && (gain.low !== null ? gain.low > 0 : gain.mean > 0);
    const worse = gain !== null && (gain.high !== null ? gain.high < 0 : gain.mean < 0);
    const spans: Span[] = [
      { text: fit(`${here ? '▸' : ' '}${r.index}. ${r.name}`, nameWidth + 1), ...(here ? { tone: 'running' as const, bold: true } : {}) },
      { text: fit(`${r.trials} trials`, 11, 'right'), tone: 'dim' },
      { text: fit(r.best === null ? '-' : formatNumber(r.best.value), 10, 'right'), ...(r.best === null ? {} : { tone: 'good' as const }) },
      { text: fit(r.best === null ? '' : ` #${r.best.number}`, 6), tone: 'dim' },
      { text: fit(stageGainText(gain), 26, 'right'), ...(better ? { tone: 'good' as const } : worse ? { tone: 'bad' as const } : { tone: 'dim' as const }) },
      { text: `  ${r.opens.join(' ')}` },
    ];
    return fitLine(spans, width);
  });
  if (rows.length === 0 && room > 0) lines.push(textLine('  no stage has run yet', width, 'dim'));
  const title = titleLine(`stages ${rows.length}`, width, 'best · gain over the stage before (95%) · opened');
  return { id: 'stages', title, lines: padLines(lines, room, width), width, height };
}
