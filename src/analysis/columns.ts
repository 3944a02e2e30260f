import { OptionError } from '../errors.js';
import type { CategoricalChoice, Distribution } from '../space/distributions.js';
import type { Direction, FrozenTrial } from '../storage/records.js';

/**
 * One parameter across a set of trials, encoded for the analyses:
 * - numeric (float, int): the value mapped onto [0, 1] over the union of the ranges the
 *   trials declared, through log for log distributions; NaN where the trial lacks it;
 * - categorical: the choice index; -1 where the trial lacks it.
 * A parameter a trial lacks is a conditional one whose condition did not hold.
 */
export interface ParamColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** The distribution of the last trial that had the parameter (labels, log, step). */
  readonly distribution: Distribution;
  readonly values: Float64Array;
  /** How many trials have the parameter. */
  readonly present: number;
  /** Numeric: the range mapped onto [0, 1], in external units. */
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Categorical: the choices. */
  readonly choices: readonly CategoricalChoice[];
  /** Distinct values the parameter can take (Infinity for a continuous range). */
  readonly cardinality: number;
}

export interface TrialMatrix {
  /** COMPLETE trials with a finite value (of the objective read), in trial-number order. */
  readonly trials: readonly FrozenTrial[];
  /** Their values turned so that lower is better (negated when maximizing). */
  readonly losses: Float64Array;
  readonly columns: readonly ParamColumn[];
}

/** COMPLETE trials with a finite objective value. */
export function completeTrials(trials: readonly FrozenTrial[]): FrozenTrial[] {
  return trials.filter((t) => t.state === 'COMPLETE' && t.values !== null && Number.isFinite(t.values[0]));
}

/** Map an external numeric value onto [0, 1] of a column's range (0.5 for a single point). */
export function toUnit(column: Pick<ParamColumn, 'low' | 'high' | 'log'>, value: number): number {
  const lo = column.log ? Math.log(column.low) : column.low;
  const hi = column.log ? Math.log(column.high) : column.high;
  if (!(hi > lo)) return 0.5;
  const x = column.log ? Math.log(value) : value;
  return Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
}

/** The inverse of `toUnit`. */
export function fromUnit(column: Pick<ParamColumn, 'low' | 'high' | 'log'>, unit: number): number {
  if (column.log) return Math.exp(Math.log(column.low) + unit * (Math.log(column.high) - Math.log(column.low)));
  return column.low + unit * (column.high - column.low);
}

/** The names of every parameter the trials used, in first-seen order. */
export function paramNames(trials: readonly FrozenTrial[]): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const name of Object.keys(t.distributions)) names.add(name);
  return [...names];
}

/** Encode the parameters of `trials` column by column (see ParamColumn). */
export function paramColumns(trials: readonly FrozenTrial[], names: readonly string[] = paramNames(trials)): ParamColumn[] {
  return names.map((name) => column(trials, name));
}

function column(trials: readonly FrozenTrial[], name: string): ParamColumn {
  let last: Distribution | undefined;
  let low = Infinity;
  let high = -Infinity;
  let present = 0;
  for (const t of trials) {
    const dist = t.distributions[name];
    if (dist === undefined) continue;
    present++;
    last = dist;
    if (dist.kind !== 'categorical') {
      low = Math.min(low, dist.low);
      high = Math.max(high, dist.high);
    }
  }
  if (last === undefined) throw new OptionError(`no complete trial has a parameter named "${name}"`);
  const values = new Float64Array(trials.length);
  if (last.kind === 'categorical') {
    const choices = last.choices;
    for (const [i, t] of trials.entries()) {
      const internal = t.distributions[name] === undefined ? undefined : t.internalParams[name];
      values[i] = internal === undefined ? -1 : Math.round(internal);
    }
    return { name, kind: 'categorical', distribution: last, values, present, low: 0, high: choices.length - 1, log: false, choices, cardinality: choices.length };
  }
  const log = last.log;
  const range = { low, high, log };
  for (const [i, t] of trials.entries()) {
    const internal = t.distributions[name] === undefined ? undefined : t.internalParams[name];
    values[i] = internal === undefined ? NaN : toUnit(range, internal);
  }
  const step = last.step;
  const cardinality = low === high ? 1 : step === null ? Infinity : Math.round((high - low) / step) + 1;
  return { name, kind: 'numeric', distribution: last, values, present, low, high, log, choices: [], cardinality };
}

/** The trial matrix the importance methods read: complete trials with a finite value of `objective` (an index into values; default 0), losses, columns. */
export function trialMatrix(trials: readonly FrozenTrial[], direction: Direction, names?: readonly string[], objective = 0): TrialMatrix {
  const complete = trials.filter((t) => t.state === 'COMPLETE' && Number.isFinite(t.values?.[objective]));
  const sign = direction === 'maximize' ? -1 : 1;
  const losses = Float64Array.from(complete, (t) => sign * (t.values?.[objective] as number));
  return { trials: complete, losses, columns: paramColumns(complete, names ?? paramNames(complete)) };
}
