import type { JsonValue } from '../json.js';
import { MEASURED_KEY_PREFIX, failReason } from '../storage/metadata.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { hasConstraints, isFeasible, trialConstraints } from '../multi-objective/constraints.js';
import { paramNames } from './columns.js';
import { bestEpochOf, deviceOf, durationOf, prunedAt, slotOf } from './trial-facts.js';

/** One trial as exported: its facts, then its parameters (absent ones null). */
export interface ExportRow {
  readonly number: number;
  readonly state: string;
  readonly value: number | null;
  /** Every objective's value, for a study with several (CSV: `values_0`, `values_1`, … as pandas names them). */
  readonly values?: readonly number[] | null;
  /** Whether the trial meets every constraint, for a study with constraints (null until it completes). */
  readonly feasible?: boolean | null;
  /**
   * Each constraint's distance past its limit (≤ 0: met), as `sodate trials --format json`
   * prints it; null where the trial has none (CSV: `constraints_<name>`). Constrained studies only.
   */
  readonly constraints?: Readonly<Record<string, number | null>>;
  /**
   * Each constrained quantity as the trial measured it, where the study stored it beside a
   * limit (`sodate:measured:<name>`); null where the trial has none (CSV: `measured_<name>`).
   * Only when some trial has one.
   */
  readonly measured?: Readonly<Record<string, number | null>>;
  readonly duration_s: number | null;
  readonly datetime_start: string | null;
  readonly datetime_complete: string | null;
  readonly device: string | null;
  readonly slot: string | null;
  /** The step of the trial's best intermediate value. */
  readonly best_epoch: number | null;
  readonly params: Readonly<Record<string, JsonValue>>;
  /** What the objective recorded (`trial.setUserAttr`, a metric line's extra keys); absent ones null. */
  readonly user_attrs: Readonly<Record<string, JsonValue>>;
  /** Why a FAIL trial failed, where a PRUNED one stopped; null for the others. */
  readonly note: string | null;
  /** Every reported step's value (JSON only: a CSV row would need a column per step). */
  readonly intermediate_values: Readonly<Record<string, number>>;
}

export interface ExportTable {
  /** Objectives of the study (1: the `value` column alone). */
  readonly objectives: number;
  readonly constrained: boolean;
  /** Every constraint some trial has, in first-seen order. */
  readonly constraints: readonly string[];
  /** Every constraint some trial stored a measured value of, in first-seen order. */
  readonly measured: readonly string[];
  readonly params: readonly string[];
  /** Every user attribute some trial has, sorted. */
  readonly userAttrs: readonly string[];
  readonly rows: readonly ExportRow[];
}

/** Every trial, one row each, in trial-number order. */
export function exportTrials(trials: readonly FrozenTrial[], directions: Direction | readonly Direction[]): ExportTable {
  const all = typeof directions === 'string' ? [directions] : directions;
  const direction = all[0] as Direction;
  const objectives = all.length;
  const constrained = hasConstraints(trials);
  const constraints = [...new Set(trials.flatMap((t) => Object.keys(trialConstraints(t))))];
  const measured = constraints.filter((name) => trials.some((t) => measuredOf(t, name) !== null));
  const params = paramNames(trials);
  const userAttrs = [...new Set(trials.flatMap((t) => Object.keys(t.userAttrs)))].sort();
  const rows = trials.map((t) => ({
    number: t.number,
    state: t.state,
    value: t.values?.[0] ?? null,
    ...(objectives > 1 ? { values: t.values === null ? null : [...t.values] } : {}),
    ...(constrained ? { feasible: t.state === 'COMPLETE' ? isFeasible(t) : null } : {}),
    ...(constrained ? { constraints: Object.fromEntries(constraints.map((name) => [name, trialConstraints(t)[name] ?? null])) } : {}),
    ...(measured.length > 0 ? { measured: Object.fromEntries(measured.map((name) => [name, measuredOf(t, name)])) } : {}),
    duration_s: durationOf(t),
    datetime_start: t.datetimeStart?.toISOString() ?? null,
    datetime_complete: t.datetimeComplete?.toISOString() ?? null,
    device: deviceOf(t),
    slot: slotOf(t),
    best_epoch: bestEpochOf(t, direction),
    params: Object.fromEntries(params.map((p) => [p, (t.params[p] ?? null) as JsonValue])),
    user_attrs: Object.fromEntries(userAttrs.map((k) => [k, t.userAttrs[k] ?? null])),
    note: noteOf(t),
    intermediate_values: Object.fromEntries([...t.intermediateValues].sort((a, b) => a[0] - b[0]).map(([step, v]) => [String(step), v])),
  }));
  return { objectives, constrained, constraints, measured, params, userAttrs, rows };
}

/** The measured value of a constrained quantity (stored as a string when not finite: "NaN", "Infinity"). */
function measuredOf(trial: FrozenTrial, name: string): number | null {
  const stored = trial.systemAttrs[`${MEASURED_KEY_PREFIX}${name}`];
  return typeof stored === 'number' ? stored : typeof stored === 'string' ? Number(stored) : null;
}

function noteOf(trial: FrozenTrial): string | null {
  if (trial.state === 'PRUNED') return `pruned ${prunedAt(trial)}`;
  const reason = trial.state === 'FAIL' ? failReason(trial) : undefined;
  return reason === undefined || reason === null ? null : String(reason);
}

const FIXED = ['number', 'state', 'value', 'duration_s', 'datetime_start', 'datetime_complete', 'device', 'slot', 'best_epoch'] as const;

/**
 * A value as both CSVs (`sodate export`, `sodate trials --format csv`) spell it, unquoted:
 * empty for none, `inf`, `-inf` and `NaN` for non-finite numbers (what pandas and Python's
 * `float` read), `true`/`false`, strings as they are, anything else as JSON.
 */
export function csvText(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'inf' : '-inf';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function csvCell(value: JsonValue | undefined): string {
  const text = csvText(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * CSV with a header; several objectives as `values_<i>`, parameters as `params_<name>` and
 * user attributes as `user_attrs_<key>` columns (pandas/Optuna's naming); for a constrained
 * study `feasible`, each constraint's distance past its limit (`constraints_<name>`) and
 * measured value (`measured_<name>`, where stored); then `note` (why a trial failed or where
 * it was pruned).
 */
export function exportCsv(table: ExportTable): string {
  const objectives = Array.from({ length: table.objectives > 1 ? table.objectives : 0 }, (_, i) => i);
  const header = [
    ...FIXED,
    ...objectives.map((i) => `values_${i}`),
    ...(table.constrained ? ['feasible'] : []),
    ...table.constraints.map((c) => `constraints_${c}`),
    ...table.measured.map((c) => `measured_${c}`),
    ...table.params.map((p) => `params_${p}`),
    ...table.userAttrs.map((k) => `user_attrs_${k}`),
    'note',
  ];
  const lines = [header.map((h) => csvCell(h)).join(',')];
  for (const row of table.rows) {
    const values = objectives.map((i) => csvCell(row.values?.[i] ?? null));
    const feasible = table.constrained ? [csvCell(row.feasible)] : [];
    const constraints = table.constraints.map((c) => csvCell(row.constraints?.[c]));
    const measured = table.measured.map((c) => csvCell(row.measured?.[c]));
    lines.push([...FIXED.map((k) => csvCell(row[k])), ...values, ...feasible, ...constraints, ...measured, ...table.params.map((p) => csvCell(row.params[p])), ...table.userAttrs.map((k) => csvCell(row.user_attrs[k])), csvCell(row.note)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** JSON array of rows; non-finite values become the strings "NaN", "Infinity", "-Infinity". */
export function exportJson(table: ExportTable): string {
  return `${JSON.stringify(table.rows, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v), 2)}\n`;
}
