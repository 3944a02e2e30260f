import type { JsonValue } from '../json.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { paramNames } from './columns.js';
import { bestEpochOf, deviceOf, durationOf, slotOf } from './trial-facts.js';

/** One trial as exported: its facts, then its parameters (absent ones null). */
export interface ExportRow {
  readonly number: number;
  readonly state: string;
  readonly value: number | null;
  readonly duration_s: number | null;
  readonly datetime_start: string | null;
  readonly datetime_complete: string | null;
  readonly device: string | null;
  readonly slot: string | null;
  /** The step of the trial's best intermediate value. */
  readonly best_epoch: number | null;
  readonly params: Readonly<Record<string, JsonValue>>;
}

export interface ExportTable {
  readonly params: readonly string[];
  readonly rows: readonly ExportRow[];
}

/** Every trial, one row each, in trial-number order. */
export function exportTrials(trials: readonly FrozenTrial[], direction: Direction): ExportTable {
  const params = paramNames(trials);
  const rows = trials.map((t) => ({
    number: t.number,
    state: t.state,
    value: t.values?.[0] ?? null,
    duration_s: durationOf(t),
    datetime_start: t.datetimeStart?.toISOString() ?? null,
    datetime_complete: t.datetimeComplete?.toISOString() ?? null,
    device: deviceOf(t),
    slot: slotOf(t),
    best_epoch: bestEpochOf(t, direction),
    params: Object.fromEntries(params.map((p) => [p, (t.params[p] ?? null) as JsonValue])),
  }));
  return { params, rows };
}

const FIXED = ['number', 'state', 'value', 'duration_s', 'datetime_start', 'datetime_complete', 'device', 'slot', 'best_epoch'] as const;

function csvCell(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'inf' : '-inf') : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV with a header; parameters as `params_<name>` columns (pandas/Optuna's naming). */
export function exportCsv(table: ExportTable): string {
  const header = [...FIXED, ...table.params.map((p) => `params_${p}`)];
  const lines = [header.map((h) => csvCell(h)).join(',')];
  for (const row of table.rows) lines.push([...FIXED.map((k) => csvCell(row[k])), ...table.params.map((p) => csvCell(row.params[p]))].join(','));
  return `${lines.join('\n')}\n`;
}

/** JSON array of rows; non-finite values become the strings "NaN", "Infinity", "-Infinity". */
export function exportJson(table: ExportTable): string {
  return `${JSON.stringify(table.rows, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v), 2)}\n`;
}
