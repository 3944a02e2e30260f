import type { JsonValue } from '../../json.js';
import { distributionFromJson } from '../../space/distribution-json.js';
import type { Distribution, ParamValue } from '../../space/distributions.js';
import { toExternal } from '../../space/distributions.js';
import type { Direction, FrozenTrial, TrialState } from '../records.js';

/**
 * Encoding and decoding of Optuna's columns: datetimes as SQLAlchemy writes them on
 * SQLite, non-finite floats as NULL plus a type tag, attributes as JSON text, and whole
 * trials assembled from the rows of the trial tables.
 */

// ---- datetimes -------------------------------------------------------------------------

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, SQLAlchemy's DATETIME text on SQLite. */
export function encodeDatetime(date: Date): string {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** Reads SQLAlchemy's text (with or without a fraction) and SQLite's CURRENT_TIMESTAMP. */
export function decodeDatetime(text: string | null): Date | null {
  if (text === null) return null;
  const date = new Date(`${text.slice(0, 10)}T${text.slice(11, 23)}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

// ---- floats ------------------------------------------------------------------------------

export type ValueType = 'FINITE' | 'INF_POS' | 'INF_NEG';
export type IntermediateValueType = ValueType | 'NAN';

/** A trial value as Optuna stores it: ±Infinity as NULL with a type; NaN as NULL 'FINITE'. */
export function encodeValue(value: number): [number | null, ValueType] {
  if (value === Infinity) return [null, 'INF_POS'];
  if (value === -Infinity) return [null, 'INF_NEG'];
  return [Number.isNaN(value) ? null : value, 'FINITE'];
}

export function decodeValue(value: number | null, type: string): number {
  if (type === 'INF_POS') return Infinity;
  if (type === 'INF_NEG') return -Infinity;
  return value ?? NaN;
}

export function encodeIntermediate(value: number): [number | null, IntermediateValueType] {
  if (Number.isNaN(value)) return [null, 'NAN'];
  return encodeValue(value);
}

export function decodeIntermediate(value: number | null, type: string): number {
  return type === 'NAN' ? NaN : decodeValue(value, type);
}

// ---- JSON --------------------------------------------------------------------------------

export function encodeJson(value: JsonValue): string {
  return JSON.stringify(value) ?? 'null';
}

/** Python's json.dumps writes NaN and Infinity bare; those become null here. */
export function decodeJson(text: string | null): JsonValue {
  if (text === null) return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    try {
      return JSON.parse(text.replace(/-?\bInfinity\b|\bNaN\b/g, 'null')) as JsonValue;
    } catch {
      return text;
    }
  }
}

const distributionCache = new Map<string, Distribution>();

/** Distribution JSON repeats for every trial of a study, so each text is parsed once. */
export function decodeDistribution(text: string): Distribution {
  let dist = distributionCache.get(text);
  if (dist === undefined) {
    dist = distributionFromJson(text);
    if (distributionCache.size >= 4096) distributionCache.clear();
    distributionCache.set(text, dist);
  }
  return dist;
}

export function encodeDirection(direction: Direction): 'MINIMIZE' | 'MAXIMIZE' {
  return direction === 'maximize' ? 'MAXIMIZE' : 'MINIMIZE';
}

export function decodeDirection(text: string | null | undefined): Direction {
  return text === 'MAXIMIZE' ? 'maximize' : 'minimize';
}

/** A study's direction fields from its study_directions rows in objective order (none reads as one MINIMIZE). */
export function decodeDirections(texts: readonly (string | null)[]): { direction: Direction; directions: Direction[] } {
  const directions = texts.length === 0 ? ['minimize' as Direction] : texts.map(decodeDirection);
  return { direction: directions[0] as Direction, directions };
}

/** `record[key] = value` that also works for the key `__proto__`. */
export function setKey(record: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

// ---- trials -------------------------------------------------------------------------------

/*
 * Rows come from better-sqlite3 in raw mode (arrays, not objects: a third faster on
 * large reads), with the columns in the order of these tuples.
 */
/** trial_id, number, state, datetime_start, datetime_complete */
export type TrialRow = [number, number, string, string | null, string | null];
/** trial_id, param_name, param_value, distribution_json */
export type ParamRow = [number, string, number | null, string];
/** trial_id, objective, value, value_type */
export type ValueRow = [number, number, number | null, string];
/** trial_id, step, intermediate_value, intermediate_value_type */
export type IntermediateRow = [number, number, number | null, string];
/** trial_id, key, value_json */
export type AttrRow = [number, string, string | null];

/** The rows of one set of trials, each child table already restricted to those trials. */
export interface TrialRows {
  trials: TrialRow[];
  params: ParamRow[];
  values: ValueRow[];
  intermediates: IntermediateRow[];
  userAttrs: AttrRow[];
  systemAttrs: AttrRow[];
}

interface TrialBuilder {
  row: TrialRow;
  values: number[] | null;
  params: Record<string, ParamValue>;
  internalParams: Record<string, number>;
  distributions: Record<string, Distribution>;
  intermediateValues: Map<number, number>;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
}

/** FrozenTrials from rows, in the order of `rows.trials`. */
export function assembleTrials(rows: TrialRows): FrozenTrial[] {
  const byId = new Map<number, TrialBuilder>();
  const builders = rows.trials.map((row) => {
    const b: TrialBuilder = {
      row,
      values: null,
      params: {},
      internalParams: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs: {},
      systemAttrs: {},
    };
    byId.set(row[0], b);
    return b;
  });
  for (const [trialId, name, value, json] of rows.params) {
    const b = byId.get(trialId);
    if (b === undefined) continue;
    const dist = decodeDistribution(json);
    const internal = value ?? NaN;
    b.internalParams[name] = internal;
    b.distributions[name] = dist;
    b.params[name] = toExternal(dist, internal);
  }
  for (const [trialId, objective, value, type] of rows.values) {
    const b = byId.get(trialId);
    if (b === undefined) continue;
    b.values ??= [];
    b.values[objective] = decodeValue(value, type);
  }
  for (const [trialId, step, value, type] of rows.intermediates) {
    byId.get(trialId)?.intermediateValues.set(step, decodeIntermediate(value, type));
  }
  for (const [trialId, key, json] of rows.userAttrs) {
    const b = byId.get(trialId);
    if (b !== undefined) setKey(b.userAttrs, key, decodeJson(json));
  }
  for (const [trialId, key, json] of rows.systemAttrs) {
    const b = byId.get(trialId);
    if (b !== undefined) setKey(b.systemAttrs, key, decodeJson(json));
  }
  return builders.map((b) => ({
    id: b.row[0],
    number: b.row[1],
    state: b.row[2] as TrialState,
    values: b.values === null ? null : Array.from(b.values, (v) => v ?? NaN),
    params: b.params,
    internalParams: b.internalParams,
    distributions: b.distributions,
    intermediateValues: b.intermediateValues,
    userAttrs: b.userAttrs,
    systemAttrs: b.systemAttrs,
    datetimeStart: decodeDatetime(b.row[3]),
    datetimeComplete: decodeDatetime(b.row[4]),
  }));
}
