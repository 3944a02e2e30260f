import { OptionError } from '../errors.js';

/**
 * Eager validation of pruner options. Each check names the option and the bad value,
 * in the form `percentile must be within [0, 100], got 120`.
 */

function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
}

/** A number (finite unless `allowInfinite`) within [min, max]. */
export function checkNumber(name: string, value: unknown, range: { min?: number; max?: number; allowInfinite?: boolean } = {}): number {
  if (typeof value !== 'number' || Number.isNaN(value) || (!range.allowInfinite && !Number.isFinite(value))) {
    throw new OptionError(`${name} must be a ${range.allowInfinite ? '' : 'finite '}number, got ${show(value)}`);
  }
  const { min, max } = range;
  if (min !== undefined && max !== undefined && (value < min || value > max)) {
    throw new OptionError(`${name} must be within [${min}, ${max}], got ${show(value)}`);
  }
  if (min !== undefined && value < min) throw new OptionError(`${name} must be at least ${min}, got ${show(value)}`);
  if (max !== undefined && value > max) throw new OptionError(`${name} must be at most ${max}, got ${show(value)}`);
  return value;
}

/** An integer at least `min`. */
export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new OptionError(`${name} must be an integer, got ${show(value)}`);
  if (value < min) throw new OptionError(`${name} must be at least ${min}, got ${show(value)}`);
  return value;
}

/** `'auto'` or an integer at least `min`. */
export function checkIntegerOrAuto(name: string, value: unknown, min: number): number | 'auto' {
  if (value === 'auto') return 'auto';
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new OptionError(`${name} must be an integer or 'auto', got ${show(value)}`);
  return checkInteger(name, value, min);
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new OptionError(`${name} must be true or false, got ${show(value)}`);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new OptionError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

export { checkKnownKeys } from '../policies/options.js';
