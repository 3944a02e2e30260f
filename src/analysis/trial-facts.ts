import { isFeasible } from '../multi-objective/constraints.js';
import type { JsonValue } from '../json.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { DEVICE_ATTR, FOLDS_ATTR, PAUSED_ATTR, SLOT_ATTR } from '../storage/metadata.js';
import { isBetter } from '../storage/records.js';

/**
 * Where a PRUNED trial stopped, from its reports: `at step 3` or `after 2 fold(s)`, and why
 * when its last value says it (a NaN or infinite value is a diverged run, which pruners stop
 * at their next decision); a paused one (a pausing pruner) says a promotion may resume it.
 */
export function prunedAt(trial: { readonly systemAttrs: Readonly<Record<string, JsonValue>>; readonly intermediateValues: ReadonlyMap<number, number> }): string {
  const paused = trial.systemAttrs[PAUSED_ATTR] === true ? ' (paused: a promotion may resume it)' : '';
  if (trial.intermediateValues.size === 0) return `before its first report${paused}`;
  const last = Math.max(...trial.intermediateValues.keys());
  const where = trial.systemAttrs[FOLDS_ATTR] === true ? `after ${trial.intermediateValues.size} fold(s)` : `at step ${last}`;
  const value = trial.intermediateValues.get(last) as number;
  return Number.isFinite(value) ? `${where}${paused}` : `${where}: it reported ${String(value)} (a diverged run)${paused}`;
}

/** Seconds from start to completion; null while running or when not recorded. */
export function durationOf(trial: FrozenTrial): number | null {
  if (trial.datetimeStart === null || trial.datetimeComplete === null) return null;
  return (trial.datetimeComplete.getTime() - trial.datetimeStart.getTime()) / 1000;
}

/** The step of the best intermediate value for the direction (the earliest on ties); null without any. */
export function bestEpochOf(trial: FrozenTrial, direction: Direction): number | null {
  // A fold trial's keys are folds, not epochs.
  if (trial.systemAttrs[FOLDS_ATTR] === true) return null;
  let step: number | null = null;
  let best = NaN;
  for (const [s, v] of trial.intermediateValues) {
    if (Number.isNaN(v)) continue;
    const better = step === null || isBetter(direction, v, best) || (v === best && s < step);
    if (better) {
      step = s;
      best = v;
    }
  }
  return step;
}

function attrText(value: JsonValue | undefined): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** Where the trial ran, as `sodate tune` records it. */
export function deviceOf(trial: FrozenTrial): string | null {
  return attrText(trial.systemAttrs[DEVICE_ATTR]);
}

export function slotOf(trial: FrozenTrial): string | null {
  return attrText(trial.systemAttrs[SLOT_ATTR]);
}

/** Complete trials with a finite value, best first (ties by number); trials past a constraint after every feasible one. */
export function rankedTrials(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial[] {
  const sign = direction === 'minimize' ? 1 : -1;
  const infeasible = (t: FrozenTrial): number => (isFeasible(t) ? 0 : 1);
  return trials
    .filter((t) => t.state === 'COMPLETE' && t.values !== null && Number.isFinite(t.values[0]))
    .sort((a, b) => infeasible(a) - infeasible(b) || sign * ((a.values?.[0] as number) - (b.values?.[0] as number)) || a.number - b.number);
}
