import { crc32 } from 'node:zlib';
import type { JsonValue } from '../json.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import type { StudyView } from '../policies/policies.js';
import { isBetter } from '../storage/records.js';

/**
 * Reading intermediate values the way every pruner needs them: sorted steps, the value
 * a trial had at a step it may not have reported (unaligned steps), percentiles with
 * NumPy's semantics, and Optuna's interval-step rule.
 */

/**
 * How a trial's value at a step is read when the trial did not report exactly that step.
 * - `'interpolate'` (default): linear interpolation between the reported steps around it,
 *   so a trial reporting every 2 epochs is compared with one reporting every 3. A step
 *   outside the trial's reported range has no value. Identical to `'exact'` whenever the
 *   step was reported, so aligned histories give Optuna's decisions.
 * - `'exact'`: only a value reported at exactly that step counts (Optuna's behaviour).
 */
export type StepAlignment = 'interpolate' | 'exact';
export const STEP_ALIGNMENTS: readonly StepAlignment[] = ['interpolate', 'exact'];

const sortedCache = new WeakMap<ReadonlyMap<number, number>, readonly number[]>();

/** Reported steps in increasing order (cached per immutable map). */
export function sortedSteps(trial: FrozenTrial): readonly number[] {
  const map = trial.intermediateValues;
  let steps = sortedCache.get(map);
  if (steps === undefined || steps.length !== map.size) {
    steps = [...map.keys()].sort((a, b) => a - b);
    sortedCache.set(map, steps);
  }
  return steps;
}

/** The largest reported step (Optuna's `last_step`), or undefined before any report. */
export function lastStep(trial: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const step of trial.intermediateValues.keys()) if (last === undefined || step > last) last = step;
  return last;
}

/** Index of the last element ≤ x in a sorted array, or -1. */
function floorIndex(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= x) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The trial's value at `step`: the reported one, or (with `'interpolate'`) the linear
 * interpolation between the nearest reported steps below and above. Undefined when the
 * trial has no value there (it never reached that step, or started reporting later).
 */
export function valueAtStep(trial: FrozenTrial, step: number, alignment: StepAlignment = 'interpolate'): number | undefined {
  const exact = trial.intermediateValues.get(step);
  if (exact !== undefined || alignment === 'exact') return exact;
  const steps = sortedSteps(trial);
  const i = floorIndex(steps, step);
  if (i < 0 || i + 1 >= steps.length) return undefined;
  const s0 = steps[i] as number;
  const s1 = steps[i + 1] as number;
  const v0 = trial.intermediateValues.get(s0) as number;
  const v1 = trial.intermediateValues.get(s1) as number;
  if (v0 === v1) return v0;
  return v0 + ((v1 - v0) * (step - s0)) / (s1 - s0);
}

/** Best reported value so far (min for minimize), NaN ignored; NaN when all are NaN (NumPy's nanmin). */
export function bestIntermediate(trial: FrozenTrial, direction: Direction): number {
  let best = NaN;
  for (const v of trial.intermediateValues.values()) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || isBetter(direction, v, best)) best = v;
  }
  return best;
}

/**
 * NumPy's `nanpercentile` with the default linear method: NaN entries are dropped, the
 * rest sorted, and the value at index `p/100·(n−1)` interpolated the way NumPy's `_lerp`
 * does (so ties with Optuna are bit-for-bit). NaN when nothing is left.
 */
export function nanPercentile(values: readonly number[], percentile: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  const index = (n - 1) * (percentile / 100);
  const below = Math.floor(index);
  const above = Math.min(below + 1, n - 1);
  const t = index - below;
  const a = sorted[below] as number;
  const b = sorted[above] as number;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Optuna's interval rule: a report at `step` is checked only when it is the first report
 * at or after the latest pruning step `warmup + k·interval` (so a trial reporting every
 * 3 steps with interval 2 is still checked once per interval).
 */
export function isFirstInIntervalStep(step: number, trial: FrozenTrial, warmupSteps: number, intervalSteps: number): boolean {
  const nearestLowerPruningStep = Math.floor((step - warmupSteps) / intervalSteps) * intervalSteps + warmupSteps;
  let secondLast = -1;
  for (const s of trial.intermediateValues.keys()) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerPruningStep;
}

/** `a` is strictly worse than `b` for the direction. */
export function isWorse(a: number, b: number, direction: Direction): boolean {
  return isBetter(direction, b, a);
}

/** Non-finite numbers do not survive JSON: attributes hold them as strings. */
export function encodeNumber(value: number): JsonValue {
  return Number.isFinite(value) ? value : String(value);
}

export function decodeNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === 'NaN') return NaN;
  return undefined;
}

/** CRC-32 of a UTF-8 string: the same number Python's `binascii.crc32` gives. */
export function crc32Of(text: string): number {
  return crc32(Buffer.from(text, 'utf8')) >>> 0;
}

/**
 * The final values of COMPLETE trials in the minimising sense (`sign` 1 to minimise, -1 to
 * maximise; NaN left out), and the value at `percentile` of them: at or below it is "good".
 */
export function finalsAndBar(completed: readonly FrozenTrial[], sign: number, percentile: number): { finals: { trial: FrozenTrial; final: number }[]; bar: number } {
  const finals: { trial: FrozenTrial; final: number }[] = [];
  for (const t of completed) {
    const v = t.values?.[0];
    if (v !== undefined && !Number.isNaN(v)) finals.push({ trial: t, final: sign * v });
  }
  return { finals, bar: nanPercentile(finals.map((f) => f.final), percentile) };
}

/** Last step of the longest COMPLETE trial. */
export function longestRun(completed: readonly FrozenTrial[]): number | undefined {
  let longest: number | undefined;
  for (const t of completed) {
    const s = lastStep(t);
    if (s !== undefined && (longest === undefined || s > longest)) longest = s;
  }
  return longest;
}

/** Where a trial stands in its schedule when a schedule-aware pruner is asked about it. */
export type SchedulePoint =
  | { readonly verdict: 'prune' | 'keep' }
  | { readonly verdict: 'judge'; readonly step: number; readonly completed: readonly FrozenTrial[]; readonly horizon: number; readonly warmup: number };

/**
 * The checks curve-rank and outlook share before they look at curves: NaN prunes at once;
 * no report, too few COMPLETE trials, a step at or past the horizon (the longest COMPLETE
 * run, or `maxResource`), before the warmup or between intervals keep the trial.
 */
export function schedulePoint(
  study: StudyView,
  trial: FrozenTrial,
  settings: { readonly nStartupTrials: number; readonly maxResource: number | 'auto'; readonly intervalSteps: number },
  warmupOf: (horizon: number) => number,
): SchedulePoint {
  const step = lastStep(trial);
  if (step === undefined) return { verdict: 'keep' };
  if (Number.isNaN(trial.intermediateValues.get(step) as number)) return { verdict: 'prune' };
  const completed = study.getTrials(['COMPLETE']);
  if (completed.length < settings.nStartupTrials) return { verdict: 'keep' };
  const horizon = settings.maxResource === 'auto' ? longestRun(completed) : settings.maxResource;
  if (horizon === undefined || step >= horizon) return { verdict: 'keep' };
  const warmup = warmupOf(horizon);
  if (step < warmup || !isFirstInIntervalStep(step, trial, warmup, settings.intervalSteps)) return { verdict: 'keep' };
  return { verdict: 'judge', step, completed, horizon, warmup };
}
