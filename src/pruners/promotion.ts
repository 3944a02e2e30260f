import type { FrozenTrial, TrialState } from '../storage/records.js';
import { isPaused } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { lastStep } from './intermediate.js';

/**
 * Promotion of paused trials: pure functions of the study history that say whether a trial
 * a pruner stopped at a checkpoint should run on. Nothing here remembers anything; every
 * process reading the same storage reaches the same decision.
 */

/** The study as a promotion check sees it: reads only, the pruner's notes dropped (a check decides nothing by itself). */
export function readOnlyView(study: StudyView): StudyView {
  return {
    name: study.name,
    direction: study.direction,
    directions: study.directions,
    getTrials: (states?: readonly TrialState[]) => study.getTrials(states),
    setTrialSystemAttr: () => undefined,
  };
}

/** A paused trial as the pruner saw it when it stopped it: running, at its last step. */
export function asRunning(trial: FrozenTrial): FrozenTrial {
  return { ...trial, state: 'RUNNING', values: null, datetimeComplete: null };
}

/**
 * A rule that judges a trial at its last step (median, percentile, curve-rank) changed its
 * mind: given the current history it would no longer stop the trial where it paused.
 */
export function noLongerPruned(pruner: Pick<Pruner, 'prune'>, study: StudyView, trial: FrozenTrial): boolean {
  return !pruner.prune(readOnlyView(study), asRunning(trial));
}

/**
 * The paused trial to resume next, if any: those furthest along first (the highest rung,
 * as ASHA promotes from the top), then the best value at their last step; the first the
 * pruner promotes. `available` filters out trials this process cannot resume (their
 * checkpoint is on another machine's disk).
 */
export function promotionCandidate(pruner: Pruner, study: StudyView, available: (trial: FrozenTrial) => boolean = () => true): FrozenTrial | undefined {
  if (pruner.shouldResume === undefined) return undefined;
  const sign = study.direction === 'maximize' ? -1 : 1;
  const paused = study
    .getTrials(['PRUNED'])
    .filter(isPaused)
    .map((trial) => ({ trial, step: lastStep(trial) ?? -1 }))
    .sort((a, b) => b.step - a.step || valueAt(a.trial, a.step, sign) - valueAt(b.trial, b.step, sign) || a.trial.number - b.trial.number);
  for (const { trial } of paused) {
    if (available(trial) && pruner.shouldResume(study, trial)) return trial;
  }
  return undefined;
}

/** The value at `step` in minimize orientation; a missing or NaN one sorts last. */
function valueAt(trial: FrozenTrial, step: number, sign: number): number {
  const v = trial.intermediateValues.get(step);
  return v === undefined || Number.isNaN(v) ? Number.MAX_VALUE : sign * v;
}
