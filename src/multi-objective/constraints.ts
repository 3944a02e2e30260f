import { OptionError } from '../errors.js';
import type { FrozenTrial } from '../storage/records.js';
import { CONSTRAINT_KEY_PREFIX, LEGACY_CONSTRAINTS_KEY } from '../storage/metadata.js';

// Constraint values live where Optuna 5 keeps them (src/storage/metadata.ts): one system
// attribute per constraint, `constraints:<name>`, and Optuna's older `constraints` list.

export function constraintKey(name: string): string {
  return `${CONSTRAINT_KEY_PREFIX}${name}`;
}

/** Constraint name → violation (≤ 0 satisfied), as stored on the trial. */
export function trialConstraints(trial: Pick<FrozenTrial, 'systemAttrs'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(trial.systemAttrs)) {
    if (key.startsWith(CONSTRAINT_KEY_PREFIX) && typeof value === 'number') out[key.slice(CONSTRAINT_KEY_PREFIX.length)] = value;
  }
  // The older list (a study Optuna 3 wrote) only where the named values are missing, so one value never counts twice.
  const legacy = trial.systemAttrs[LEGACY_CONSTRAINTS_KEY];
  if (Object.keys(out).length === 0 && Array.isArray(legacy)) legacy.forEach((v, i) => typeof v === 'number' && (out[String(i)] = v));
  return out;
}

/** Total violation: the sum of the positive constraint values (0 when feasible or unconstrained). NaN counts as violated by Infinity. */
export function violation(trial: Pick<FrozenTrial, 'systemAttrs'>): number {
  let total = 0;
  for (const v of Object.values(trialConstraints(trial))) total += Number.isNaN(v) ? Infinity : Math.max(0, v);
  return total;
}

export function isFeasible(trial: Pick<FrozenTrial, 'systemAttrs'>): boolean {
  return violation(trial) === 0;
}

/** Whether any trial carries constraint values: a constrained study. */
export function hasConstraints(trials: readonly Pick<FrozenTrial, 'systemAttrs'>[]): boolean {
  return trials.some((t) => Object.keys(trialConstraints(t)).length > 0);
}

/** A space file's limit on a measured quantity: `{ max: 16 }`, `{ min: 0.9 }` or both. */
export interface ConstraintLimit {
  readonly min?: number;
  readonly max?: number;
}
export type ConstraintLimits = Readonly<Record<string, ConstraintLimit>>;

/** How far `value` is past `limit` (≤ 0: within it); NaN stays NaN (never feasible). */
export function violationOf(value: number, limit: ConstraintLimit | undefined): number {
  if (limit === undefined) return value;
  const over = limit.max === undefined ? -Infinity : value - limit.max;
  const under = limit.min === undefined ? -Infinity : limit.min - value;
  return Math.max(over, under);
}

/** Check a `constraints:` mapping; `where` names it in the message. */
export function checkConstraintLimits(spec: unknown, where: string): ConstraintLimits {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new OptionError(`${where} must map a metric name to { max: … } or { min: … }, e.g. { latency_ms: { max: 20 } }`);
  }
  const out: Record<string, ConstraintLimit> = {};
  for (const [name, limit] of Object.entries(spec as Record<string, unknown>)) {
    if (limit === null || typeof limit !== 'object' || Array.isArray(limit)) throw new OptionError(`${where}.${name} must be { max: … } and/or { min: … }, got ${JSON.stringify(limit)}`);
    const entry = limit as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((k) => k !== 'min' && k !== 'max');
    if (unknown.length > 0) throw new OptionError(`${where}.${name}: unknown key ${unknown.join(', ')}; use min and/or max`);
    if (entry['min'] === undefined && entry['max'] === undefined) throw new OptionError(`${where}.${name} needs a min or a max`);
    for (const k of ['min', 'max'] as const) {
      const v = entry[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new OptionError(`${where}.${name}.${k} must be a finite number, got ${JSON.stringify(v)}`);
    }
    if (typeof entry['min'] === 'number' && typeof entry['max'] === 'number' && entry['min'] > entry['max']) {
      throw new OptionError(`${where}.${name}: min ${entry['min']} is above max ${entry['max']}; no value could meet both`);
    }
    out[name] = { ...(entry['min'] !== undefined ? { min: entry['min'] as number } : {}), ...(entry['max'] !== undefined ? { max: entry['max'] as number } : {}) };
  }
  return out;
}
