import type { FrozenTrial } from '../storage/records.js';

/**
 * Constraint values live where Optuna 5 keeps them: one system attribute per constraint,
 * `constraints:<name>`, holding how far the trial is past the limit (≤ 0: satisfied).
 * Optuna's older form, one `constraints` list, is read too.
 */
export const CONSTRAINT_KEY_PREFIX = 'constraints:';
const LEGACY_CONSTRAINTS_KEY = 'constraints';

export function constraintKey(name: string): string {
  return `${CONSTRAINT_KEY_PREFIX}${name}`;
}

/** Constraint name → violation (≤ 0 satisfied), as stored on the trial. */
export function trialConstraints(trial: Pick<FrozenTrial, 'systemAttrs'>): Record<string, number> {
  const out: Record<string, number> = {};
  const legacy = trial.systemAttrs[LEGACY_CONSTRAINTS_KEY];
  if (Array.isArray(legacy)) legacy.forEach((v, i) => typeof v === 'number' && (out[String(i)] = v));
  for (const [key, value] of Object.entries(trial.systemAttrs)) {
    if (key.startsWith(CONSTRAINT_KEY_PREFIX) && typeof value === 'number') out[key.slice(CONSTRAINT_KEY_PREFIX.length)] = value;
  }
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
