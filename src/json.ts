/** A value that survives JSON.stringify/parse unchanged: what attributes may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * `value` with every NaN and ±Infinity inside it as the strings "NaN", "Infinity",
 * "-Infinity" (what sodate's JSON outputs print for them): JSON.stringify would store null
 * and lose that the number was not finite.
 */
export function withNonFiniteAsStrings(value: JsonValue): JsonValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (Array.isArray(value)) return value.map(withNonFiniteAsStrings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withNonFiniteAsStrings(v)]));
  return value;
}
