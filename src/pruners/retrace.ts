import type { FrozenTrial } from '../storage/records.js';
import { nanPercentile, sortedSteps, valueAtStep } from './intermediate.js';

/** The retrace rule judges a trial from this share of the horizon on… */
export const RETRACE_WARMUP_FRACTION = 0.1;
/** …and once it has reported this many times: fewer points match too many curves by chance. */
export const RETRACE_MIN_REPORTS = 3;

/**
 * Whether `trial`'s curve up to `step` retraces the curve of a COMPLETE trial with a final
 * value: the root-mean-square distance between the two over the trial's reported steps (the
 * other curve read by interpolation) is at most `tolerance` times the inter-quartile spread
 * of the COMPLETE trials' values at `step`. Such a trial repeats a run whose end is known (a
 * configuration proposed again, a deterministic trainer given the same knobs): it will end
 * where that one did, which is no better than the best finisher, so finishing it can at most
 * tie the best. Not before RETRACE_MIN_REPORTS reports.
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
    if (here !== undefined) atStep.push(here);
  }
  const spread = nanPercentile(atStep, 75) - nanPercentile(atStep, 25);
  if (!(spread > 0)) return false;
  // Compared as sums of squares, so a curve stops being read once it is out of reach.
  const limit = (tolerance * spread) ** 2 * steps.length;
  return finished.some((other) => {
    let sum = 0;
    for (let i = 0; i < steps.length && sum <= limit; i++) {
      const theirs = valueAtStep(other, steps[i] as number);
      sum = theirs === undefined ? Infinity : sum + ((mine[i] as number) - theirs) ** 2;
    }
    return sum <= limit;
  });
}
