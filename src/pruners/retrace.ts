import type { Distribution } from '../space/distributions.js';
import type { FrozenTrial } from '../storage/records.js';
import { nanPercentile, sortedSteps, valueAtStep } from './intermediate.js';

/** The retrace rule judges a trial from this share of the horizon on… */
export const RETRACE_WARMUP_FRACTION = 0.1;
/** …and once it has reported this many times: fewer points match too many curves by chance. */
export const RETRACE_MIN_REPORTS = 3;
/**
 * A curve is a fingerprint only if it moved over the compared steps by at least this many
 * times the matching distance: a metric stuck at its starting value (accuracy at chance, a
 * loss before the warmup moves it) matches every run that started the same way.
 */
const FINGERPRINT_FACTOR = 10;
/**
 * A start tells the end once this many finished runs that began with it ended alike, or one
 * did with the same knobs (KNOB_CLOSENESS): a knob that acts only later (a learning-rate
 * milestone, the epoch a frozen backbone is released) leaves the start of a deterministic
 * trainer's curve unchanged, so one finished run with other knobs is no evidence.
 */
const CONFIRMING_RUNS = 2;
/** Knobs count as the same when every choice is equal and every number within this share of its range (log scale where the range is). */
const KNOB_CLOSENESS = 0.05;

/**
 * Whether `trial`'s curve up to `step` retraces the curve of a COMPLETE trial with a final
 * value: the root-mean-square distance between the two over the trial's reported steps (the
 * other curve read by interpolation) is at most `tolerance` times the inter-quartile spread
 * of the COMPLETE trials' values at `step`. Such a trial repeats a run whose end is known (a
 * configuration proposed again, a deterministic trainer given the same knobs): it will end
 * where that one did, which is no better than the best finisher, so finishing it can at most
 * tie the best. Only when the start is known to tell the end: the trial retraces a finished
 * run with the same knobs, or CONFIRMING_RUNS finished runs that all ended alike (within the
 * same tolerance of the spread of the final values). Not before RETRACE_MIN_REPORTS reports,
 * and not for a curve that has barely moved (FINGERPRINT_FACTOR).
 */
export function retracesFinished(trial: FrozenTrial, completed: readonly FrozenTrial[], step: number, tolerance: number): boolean {
  const steps = sortedSteps(trial).filter((s) => s <= step);
  if (steps.length < RETRACE_MIN_REPORTS) return false;
  const mine = steps.map((s) => trial.intermediateValues.get(s) as number);
  if (mine.some((v) => !Number.isFinite(v))) return false;
  const finished = completed.filter((t) => t.values?.[0] !== undefined && !Number.isNaN(t.values[0]));
  const atStep: number[] = [];
  for (const t of finished) {
    const here = valueAtStep(t, step);
    if (here !== undefined && Number.isFinite(here)) atStep.push(here);
  }
  const spread = nanPercentile(atStep, 75) - nanPercentile(atStep, 25);
  if (!(spread > 0)) return false;
  if (Math.max(...mine) - Math.min(...mine) < FINGERPRINT_FACTOR * tolerance * spread) return false;
  // Compared as sums of squares, so a curve stops being read once it is out of reach.
  const limit = (tolerance * spread) ** 2 * steps.length;
  const ends: number[] = [];
  let repeated = false;
  for (const other of finished) {
    let sum = 0;
    for (let i = 0; i < steps.length && sum <= limit; i++) {
      const theirs = valueAtStep(other, steps[i] as number);
      sum = theirs === undefined ? Infinity : sum + ((mine[i] as number) - theirs) ** 2;
    }
    if (sum <= limit) {
      ends.push(other.values?.[0] as number);
      if (closeKnobs(trial, other)) repeated = true;
    }
  }
  if (ends.length === 0 || (!repeated && ends.length < CONFIRMING_RUNS)) return false;
  const finals = finished.map((t) => t.values?.[0] as number).filter(Number.isFinite);
  const finalSpread = nanPercentile(finals, 75) - nanPercentile(finals, 25);
  return Math.max(...ends) - Math.min(...ends) <= tolerance * finalSpread;
}

/** Position of an internal value in [0, 1] of its distribution (log scale where the distribution is). */
function unit(dist: Distribution, v: number): number {
  if (dist.kind === 'categorical') return v;
  const [lo, hi, x] = dist.log ? [Math.log(dist.low), Math.log(dist.high), Math.log(v)] : [dist.low, dist.high, v];
  return hi > lo ? (x - lo) / (hi - lo) : 0;
}

/** Same parameters, the same choices, numbers within KNOB_CLOSENESS of their range. */
function closeKnobs(a: FrozenTrial, b: FrozenTrial): boolean {
  const names = Object.keys(a.distributions);
  if (names.length !== Object.keys(b.distributions).length) return false;
  return names.every((name) => {
    const da = a.distributions[name] as Distribution;
    const db = b.distributions[name];
    const va = a.internalParams[name];
    const vb = b.internalParams[name];
    if (db === undefined || va === undefined || vb === undefined || da.kind !== db.kind) return false;
    if (da.kind === 'categorical') return va === vb;
    return Math.abs(unit(da, va) - unit(da, vb)) <= KNOB_CLOSENESS;
  });
}
