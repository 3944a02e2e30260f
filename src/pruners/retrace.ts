import type { Distribution } from '../space/distributions.js';
import type { FrozenTrial } from '../storage/records.js';
import { isPaused } from '../storage/records.js';
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
 * A start tells the end once finished runs with this many different sets of knobs began with
 * it and ended alike, or one with the trial's own knobs did (`sameKnobs`): a knob that acts
 * only later (a learning-rate milestone, the epoch a frozen backbone is released) leaves the
 * start of a deterministic trainer's curve unchanged, so one finished run with other knobs,
 * or several with the same ones, is no evidence. Two runs whose knobs differ and that still
 * ended alike are some: a knob that acts later and matters would most likely have set them
 * apart (most likely, not surely; `retraceTolerance: 0` where that is not enough).
 */
const CONFIRMING_RUNS = 2;
/** Continuous numbers count as the same knob within this share of their range (log scale where the range is). */
const KNOB_CLOSENESS = 0.05;

/** Runs stopped further along, and whether the pruner, asked now, would still stop each where it was stopped. */
export interface StoppedRuns {
  /** PRUNED trials (read only when no finished run is retraced). */
  readonly runs: () => readonly FrozenTrial[];
  readonly stillStopped: (run: FrozenTrial) => boolean;
}

/**
 * Whether `trial`'s curve up to `step` retraces the curve of a COMPLETE trial with a final
 * value: the root-mean-square distance between the two over the trial's reported steps (the
 * other curve read by interpolation) is at most `tolerance` times the inter-quartile spread
 * of the COMPLETE trials' values at `step`. Such a trial repeats a run whose end is known (a
 * configuration proposed again, a deterministic trainer given the same knobs): it will end
 * where that one did, which is no better than the best finisher, so finishing it can at most
 * tie the best. Only when the start is known to tell the end: the trial retraces a finished
 * run with its own knobs, or finished runs with CONFIRMING_RUNS different sets of knobs, and
 * every run it retraces ended alike (within the same tolerance of the spread of the final
 * values). Not before RETRACE_MIN_REPORTS reports,
 * and not for a curve that has barely moved (FINGERPRINT_FACTOR).
 *
 * And, given `stopped`, when the trial retraces no finished run: whether it retraces, as
 * above, runs stopped further along (PRUNED trials whose last report lies beyond `step`, not
 * paused: those may yet resume, as may a resumed run whose worker died) that the pruner,
 * asked now, would still stop where they were stopped (`stillStopped`: not a run the
 * objective stopped for its own reasons, another pruner's decision, nor one the pruner would
 * no longer make), once that start is known to tell the end (the same confirmation). A replay
 * of such runs would be stopped there too: stopping it now saves the epochs in between. A
 * finished run with the same start rules instead (it says where that start can end).
 */
export function retracesKnownRun(trial: FrozenTrial, completed: readonly FrozenTrial[], step: number, tolerance: number, stopped?: StoppedRuns): boolean {
  const finished = completed.filter((t) => t.values?.[0] !== undefined && !Number.isNaN(t.values[0]));
  const matches = curveMatcher(trial, finished, step, tolerance);
  if (matches === undefined) return false;
  const retraced = finished.filter(matches);
  if (retraced.length > 0) {
    if (!startTellsEnd(trial, retraced)) return false;
    const ends = retraced.map((t) => t.values?.[0] as number);
    const finals = finished.map((t) => t.values?.[0] as number).filter(Number.isFinite);
    const finalSpread = nanPercentile(finals, 75) - nanPercentile(finals, 25);
    return Math.max(...ends) - Math.min(...ends) <= tolerance * finalSpread;
  }
  if (stopped === undefined) return false;
  const further = stopped.runs().filter((t) => t.number !== trial.number && !isPaused(t) && (sortedSteps(t).at(-1) ?? -Infinity) > step);
  const confirmed = further.filter(matches).filter(stopped.stillStopped);
  return confirmed.length > 0 && startTellsEnd(trial, confirmed);
}

/**
 * Whether another run's curve is retraced by `trial`'s up to `step`, the distance scaled by
 * the inter-quartile spread of the `finished` trials' values at `step`; undefined (nothing
 * is) before RETRACE_MIN_REPORTS reports, for a curve with a non-finite value, or one that
 * has barely moved (FINGERPRINT_FACTOR).
 */
function curveMatcher(trial: FrozenTrial, finished: readonly FrozenTrial[], step: number, tolerance: number): ((other: FrozenTrial) => boolean) | undefined {
  const steps = sortedSteps(trial).filter((s) => s <= step);
  if (steps.length < RETRACE_MIN_REPORTS) return undefined;
  const mine = steps.map((s) => trial.intermediateValues.get(s) as number);
  if (mine.some((v) => !Number.isFinite(v))) return undefined;
  const atStep: number[] = [];
  for (const t of finished) {
    const here = valueAtStep(t, step);
    if (here !== undefined && Number.isFinite(here)) atStep.push(here);
  }
  const spread = nanPercentile(atStep, 75) - nanPercentile(atStep, 25);
  if (!(spread > 0)) return undefined;
  if (Math.max(...mine) - Math.min(...mine) < FINGERPRINT_FACTOR * tolerance * spread) return undefined;
  // Compared as sums of squares, so a curve stops being read once it is out of reach.
  const limit = (tolerance * spread) ** 2 * steps.length;
  return (other) => {
    let sum = 0;
    for (let i = 0; i < steps.length && sum <= limit; i++) {
      const theirs = valueAtStep(other, steps[i] as number);
      sum = theirs === undefined ? Infinity : sum + ((mine[i] as number) - theirs) ** 2;
    }
    return sum <= limit;
  };
}

/** One retraced run has the trial's own knobs, or CONFIRMING_RUNS of them have different ones (runs with the same knobs confirm nothing about each other). */
function startTellsEnd(trial: FrozenTrial, retraced: readonly FrozenTrial[]): boolean {
  if (retraced.some((t) => sameKnobs(trial, t))) return true;
  const distinct: FrozenTrial[] = [];
  for (const t of retraced) if (!distinct.some((d) => sameKnobs(d, t))) distinct.push(t);
  return distinct.length >= CONFIRMING_RUNS;
}

/**
 * Same parameters with the same choices, integers and stepped numbers equal, other numbers
 * within KNOB_CLOSENESS of their range (log scale where the range is). Trials without
 * parameters are never the same: their knobs, if any, are not known.
 */
function sameKnobs(a: FrozenTrial, b: FrozenTrial): boolean {
  const names = Object.keys(a.distributions);
  if (names.length === 0 || names.length !== Object.keys(b.distributions).length) return false;
  return names.every((name) => {
    const dist = a.distributions[name] as Distribution;
    const other = b.distributions[name];
    const va = a.internalParams[name];
    const vb = b.internalParams[name];
    if (other === undefined || va === undefined || vb === undefined || dist.kind !== other.kind) return false;
    if (dist.kind === 'categorical' || dist.kind === 'int' || dist.step !== null) return va === vb;
    const [lo, hi, x, y] = dist.log ? [Math.log(dist.low), Math.log(dist.high), Math.log(va), Math.log(vb)] : [dist.low, dist.high, va, vb];
    return hi > lo ? Math.abs(x - y) <= KNOB_CLOSENESS * (hi - lo) : va === vb;
  });
}
