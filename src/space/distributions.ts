import { SpaceError } from '../errors.js';

/** A value a categorical parameter may take. */
export type CategoricalChoice = string | number | boolean | null;
/** A parameter's value as the objective sees it. */
export type ParamValue = number | string | boolean | null;

export interface FloatDistribution {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Grid spacing from `low`; null for a continuous range. */
  readonly step: number | null;
}

export interface IntDistribution {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly choices: readonly CategoricalChoice[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** Options of a numeric range; `log` and `step` exclude each other. */
export interface RangeOptions {
  /** Sample uniformly in log space. Default false. Needs low > 0. */
  log?: boolean;
  /** Only values low + k·step. Default: continuous (float) or 1 (int). */
  step?: number | null;
}

function describe(name: string | undefined): string {
  return name === undefined ? '' : `parameter "${name}": `;
}

/**
 * Largest `low + k·step` that is ≤ high. Computed through rounding so that
 * 0.1-style steps that are not exact in binary do not lose their last grid point.
 */
function alignHigh(low: number, high: number, step: number): number {
  const k = Math.floor((high - low) / step + 1e-9);
  return Number((low + k * step).toPrecision(15));
}

export function floatDistribution(low: number, high: number, options: RangeOptions = {}, name?: string): FloatDistribution {
  const log = options.log ?? false;
  const step = options.step ?? null;
  const where = describe(name);
  if (!Number.isFinite(low) || !Number.isFinite(high)) {
    throw new SpaceError(`${where}float bounds must be finite numbers, got low=${low}, high=${high}`);
  }
  if (low > high) throw new SpaceError(`${where}low must be <= high, got low=${low}, high=${high}`);
  if (log && step !== null) throw new SpaceError(`${where}log and step cannot be used together`);
  if (log && low <= 0) throw new SpaceError(`${where}a log range needs low > 0, got low=${low}`);
  if (step !== null && !(Number.isFinite(step) && step > 0)) {
    throw new SpaceError(`${where}step must be a positive number, got ${step}`);
  }
  // -0 would not survive the JSON form (it prints as 0): store zero as +0.
  const lo = low + 0;
  return { kind: 'float', low: lo, high: (step === null ? high : alignHigh(lo, high, step)) + 0, log, step };
}

export function intDistribution(low: number, high: number, options: RangeOptions = {}, name?: string): IntDistribution {
  const log = options.log ?? false;
  const step = options.step ?? 1;
  const where = describe(name);
  if (!Number.isInteger(low) || !Number.isInteger(high)) {
    throw new SpaceError(`${where}int bounds must be integers, got low=${low}, high=${high}`);
  }
  if (low > high) throw new SpaceError(`${where}low must be <= high, got low=${low}, high=${high}`);
  if (!Number.isInteger(step) || step < 1) throw new SpaceError(`${where}int step must be a positive integer, got ${step}`);
  if (log && step !== 1) throw new SpaceError(`${where}log and step cannot be used together`);
  if (log && low < 1) throw new SpaceError(`${where}a log range needs low >= 1, got low=${low}`);
  return { kind: 'int', low: low + 0, high: low + Math.floor((high - low) / step) * step + 0, log, step };
}

export function categoricalDistribution(choices: readonly CategoricalChoice[], name?: string): CategoricalDistribution {
  const where = describe(name);
  if (choices.length === 0) throw new SpaceError(`${where}choices must not be empty`);
  for (const c of choices) {
    const t = typeof c;
    if (!(c === null || t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(c)))) {
      throw new SpaceError(`${where}choices must be strings, finite numbers, booleans or null, got ${JSON.stringify(c)}`);
    }
  }
  if (new Set(choices).size !== choices.length) throw new SpaceError(`${where}choices must be distinct, got ${JSON.stringify(choices)}`);
  return { kind: 'categorical', choices: [...choices] };
}

/** Whether the distribution admits a single value only (nothing to sample). */
export function isSingleValue(dist: Distribution): boolean {
  switch (dist.kind) {
    case 'categorical':
      return dist.choices.length === 1;
    case 'int':
      return dist.low === dist.high;
    case 'float':
      return dist.low === dist.high;
  }
}

/** The float a value is stored and sampled as: the value itself, or a categorical's index. */
export function toInternal(dist: Distribution, value: ParamValue): number {
  if (dist.kind === 'categorical') {
    const index = dist.choices.indexOf(value as CategoricalChoice);
    if (index < 0) throw new SpaceError(`${JSON.stringify(value)} is not one of the choices ${JSON.stringify(dist.choices)}`);
    return index;
  }
  if (typeof value !== 'number') throw new SpaceError(`expected a number for a ${dist.kind} parameter, got ${JSON.stringify(value)}`);
  return value;
}

export function toExternal(dist: Distribution, internal: number): ParamValue {
  switch (dist.kind) {
    case 'categorical': {
      const choice = dist.choices[Math.round(internal)];
      if (choice === undefined) throw new SpaceError(`categorical index ${internal} is out of range for ${dist.choices.length} choices`);
      return choice;
    }
    case 'int':
      return Math.round(internal);
    case 'float':
      return internal;
  }
}

const GRID_TOLERANCE = 1e-8;

/** Whether an internal value lies inside the distribution (bounds and grid). */
export function contains(dist: Distribution, internal: number): boolean {
  if (!Number.isFinite(internal)) return false;
  switch (dist.kind) {
    case 'categorical':
      return Number.isInteger(internal) && internal >= 0 && internal < dist.choices.length;
    case 'int':
      return Number.isInteger(internal) && internal >= dist.low && internal <= dist.high && (internal - dist.low) % dist.step === 0;
    case 'float': {
      if (internal < dist.low || internal > dist.high) return false;
      if (dist.step === null) return true;
      const k = (internal - dist.low) / dist.step;
      return Math.abs(k - Math.round(k)) < GRID_TOLERANCE * Math.max(1, Math.abs(k));
    }
  }
}

/**
 * Snap an internal value onto the distribution: clip to the bounds, round to the
 * grid (and to an integer for int and categorical). Samplers that work in a
 * continuous space end with this.
 */
export function snap(dist: Distribution, internal: number): number {
  if (dist.kind === 'categorical') return Math.min(dist.choices.length - 1, Math.max(0, Math.round(internal)));
  const step = dist.step;
  let x = Math.min(dist.high, Math.max(dist.low, internal));
  if (step !== null) {
    x = dist.low + Math.round((x - dist.low) / step) * step;
    x = Math.min(dist.high, Math.max(dist.low, x));
    if (dist.kind === 'float') x = Number(x.toPrecision(15));
  }
  return dist.kind === 'int' ? Math.round(x) : x;
}

/** Number of values a discrete distribution admits; Infinity for a continuous one. */
export function cardinality(dist: Distribution): number {
  switch (dist.kind) {
    case 'categorical':
      return dist.choices.length;
    case 'int':
      return Math.floor((dist.high - dist.low) / dist.step) + 1;
    case 'float':
      return dist.step === null ? (dist.low === dist.high ? 1 : Infinity) : Math.round((dist.high - dist.low) / dist.step) + 1;
  }
}

function sameChoices(a: readonly CategoricalChoice[], b: readonly CategoricalChoice[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

function withArticle(kind: Distribution['kind']): string {
  return `${kind === 'int' ? 'an' : 'a'} ${kind}`;
}

/**
 * Why a parameter name reused within a study cannot take `next` after `previous`, and the
 * fix; undefined when it can. It must keep its kind, its log flag and (for a categorical)
 * its choices; numeric bounds may move, as in Optuna, so that a define-by-run objective can
 * narrow a range as it learns.
 */
export function incompatibility(name: string, previous: Distribution, next: Distribution): { readonly what: string; readonly fix: string } | undefined {
  if (previous.kind !== next.kind) return { what: `parameter "${name}" was ${withArticle(previous.kind)} and is now ${withArticle(next.kind)}`, fix: 'use a new name for a different kind' };
  if (previous.kind === 'categorical' && next.kind === 'categorical') {
    return sameChoices(previous.choices, next.choices) ? undefined : { what: `parameter "${name}" had choices ${JSON.stringify(previous.choices)} and now ${JSON.stringify(next.choices)}`, fix: 'choices cannot change within a study' };
  }
  if (previous.kind !== 'categorical' && next.kind !== 'categorical' && previous.log !== next.log) {
    return { what: `parameter "${name}" changed log=${previous.log} to log=${next.log}`, fix: 'log cannot change within a study' };
  }
  return undefined;
}

/** Throws SpaceError when `next` cannot follow `previous` for one parameter name (see `incompatibility`). */
export function checkCompatible(name: string, previous: Distribution, next: Distribution): void {
  const why = incompatibility(name, previous, next);
  if (why !== undefined) throw new SpaceError(`${why.what}; ${why.fix}`);
}

export function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a.kind === 'categorical' || b.kind === 'categorical') {
    return a.kind === b.kind && sameChoices((a as CategoricalDistribution).choices, (b as CategoricalDistribution).choices);
  }
  return a.kind === b.kind && a.low === b.low && a.high === b.high && a.log === b.log && a.step === b.step;
}
