import type { JsonValue } from '../json.js';
import type { FrozenTrial } from '../storage/records.js';
import { INTERMEDIATE_VECTOR_PREFIX } from '../storage/metadata.js';

/**
 * Several objectives' intermediate values. Optuna's schema holds one intermediate value
 * per step, so that row keeps the first objective (every single-objective pruner and
 * Optuna itself read it) and the whole vector goes into a system attribute per step,
 * `sodate:values@<step>`.
 */
export { INTERMEDIATE_VECTOR_PREFIX };

export function intermediateVectorKey(step: number): string {
  return `${INTERMEDIATE_VECTOR_PREFIX}${step}`;
}

/** A vector as stored: non-finite numbers as strings, since JSON has none. */
export function encodeVector(values: readonly number[]): JsonValue {
  return values.map((v) => (Number.isFinite(v) ? v : String(v)));
}

/** Attributes only gain keys (a report adds one), so the key count tells a stale entry. */
const cache = new WeakMap<object, { readonly keys: number; readonly vectors: ReadonlyMap<number, readonly number[]> }>();

/** step → the vector a trial reported there (steps in increasing order); empty when it reported scalars. */
export function intermediateVectors(trial: Pick<FrozenTrial, 'systemAttrs'>): ReadonlyMap<number, readonly number[]> {
  const attrs = trial.systemAttrs;
  const keys = Object.keys(attrs).length;
  const cached = cache.get(attrs);
  if (cached !== undefined && cached.keys === keys) return cached.vectors;
  const entries: [number, number[]][] = [];
  for (const [key, raw] of Object.entries(attrs)) {
    if (!key.startsWith(INTERMEDIATE_VECTOR_PREFIX) || !Array.isArray(raw)) continue;
    const step = Number(key.slice(INTERMEDIATE_VECTOR_PREFIX.length));
    if (!Number.isInteger(step)) continue;
    entries.push([step, raw.map((v) => (typeof v === 'number' ? v : Number(v)))]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const vectors = new Map(entries);
  cache.set(attrs, { keys, vectors });
  return vectors;
}
