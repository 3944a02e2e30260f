import type { JsonValue } from '../json.js';
import type { ParamValue } from '../space/distributions.js';
import type { FrozenTrial } from '../storage/records.js';
import { isFeasible, trialConstraints } from '../multi-objective/constraints.js';
import { DEVICE_ATTR, FAIL_REASON_KEY, RETRY_OF_ATTR, SLOT_ATTR } from '../storage/metadata.js';
import { prunedAt } from '../analysis/trial-facts.js';

/** A number as people read it: 6 significant digits, exponent for the very small or large. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

export function formatParam(value: ParamValue): string {
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

export function formatParams(params: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatParam(v)}`)
    .join(' ');
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function durationSeconds(trial: FrozenTrial): number | null {
  if (trial.datetimeStart === null || trial.datetimeComplete === null) return null;
  return (trial.datetimeComplete.getTime() - trial.datetimeStart.getTime()) / 1000;
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.e+-]+$|^-$|^inf$|^NaN$/.test(r[i] ?? '-')));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n');
}

/** A JSON-safe number: non-finite values become the strings Optuna's tools print. */
export function jsonNumber(value: number | null | undefined): JsonValue {
  if (value === null || value === undefined) return null;
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** `constraints` (name → distance past the limit, ≤ 0 met) and `feasible` (null until COMPLETE), for a trial that has any. */
function constraintsJson(trial: FrozenTrial): Record<string, JsonValue> {
  const constraints = trialConstraints(trial);
  if (Object.keys(constraints).length === 0) return {};
  // As export: feasibility is known once the trial completed (a running one may still measure more).
  return { constraints: Object.fromEntries(Object.entries(constraints).map(([k, v]) => [k, jsonNumber(v)])), feasible: trial.state === 'COMPLETE' ? isFeasible(trial) : null };
}

/** One trial as a JSON object, the shape `sodate trials --format json` and `best` print. */
export function trialToJson(trial: FrozenTrial): Record<string, JsonValue> {
  return {
    number: trial.number,
    state: trial.state,
    value: jsonNumber(trial.values?.[0]),
    ...(trial.values !== null && trial.values.length > 1 ? { values: trial.values.map((v) => jsonNumber(v)) } : {}),
    ...constraintsJson(trial),
    params: { ...trial.params } as Record<string, JsonValue>,
    intermediate_values: Object.fromEntries([...trial.intermediateValues].sort((a, b) => a[0] - b[0]).map(([s, v]) => [String(s), jsonNumber(v)])),
    user_attrs: { ...trial.userAttrs },
    datetime_start: trial.datetimeStart?.toISOString() ?? null,
    datetime_complete: trial.datetimeComplete?.toISOString() ?? null,
    duration_s: durationSeconds(trial),
    ...(trial.systemAttrs[FAIL_REASON_KEY] !== undefined ? { fail_reason: trial.systemAttrs[FAIL_REASON_KEY] } : {}),
    ...(trial.state === 'PRUNED' ? { pruned: prunedAt(trial) } : {}),
    ...(trial.systemAttrs[DEVICE_ATTR] !== undefined ? { device: trial.systemAttrs[DEVICE_ATTR] } : {}),
    ...(trial.systemAttrs[SLOT_ATTR] !== undefined ? { slot: trial.systemAttrs[SLOT_ATTR] } : {}),
    ...(trial.systemAttrs[RETRY_OF_ATTR] !== undefined ? { retry_of: trial.systemAttrs[RETRY_OF_ATTR] } : {}),
  };
}
