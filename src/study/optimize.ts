import type { FrozenTrial } from '../storage/records.js';
import type { Study } from './study.js';
import type { SlotTrial, Trial } from './objective-trial.js';
import type { StudyTrial } from './trial.js';
import { TrialPruned } from './trial-pruned.js';

/**
 * Returns the value to minimise or maximise, or one per objective of a multi-objective
 * study; an objective that reports folds (`trial.reportFold`) may return nothing, and its
 * trial's value is then the mean over its folds.
 */
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>;
/** What an objective returns: its value, one per objective, or nothing when it reported folds. */
export type ObjectiveValue = number | readonly number[] | void;
/** An objective run in a slot (`sodate tune`, `runOrchestrator`): it may read the slot's device, directory and checkpoint. Every `Objective` is one. */
export type SlotObjective = (trial: SlotTrial) => ObjectiveValue | Promise<ObjectiveValue>;
export type OptimizeCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

export interface OptimizeOptions {
  /** Trials this call runs. Default: no limit (stop with another option). */
  nTrials?: number;
  /** Stop asking when the study holds this many trials in all, across every process sharing it. Default: no limit. */
  maxTrials?: number;
  /** Stop asking for new trials after this many seconds; running ones finish. Default: none. */
  timeoutSeconds?: number;
  /** Called after each trial this call finishes, in order. */
  callbacks?: readonly OptimizeCallback[];
  /** Aborting stops asking for new trials; the running one finishes. */
  signal?: AbortSignal;
  /** Clock, injectable for tests. Default: Date.now. */
  now?: () => number;
}

/**
 * The simple in-process loop: ask, run the objective, tell; one trial at a time. A trial
 * that throws is stored as FAIL with its error and the study goes on; one that throws
 * `TrialPruned` is stored as PRUNED.
 */
export async function optimize(study: Study, objective: Objective, options: OptimizeOptions = {}): Promise<FrozenTrial[]> {
  const now = options.now ?? Date.now;
  const deadline = options.timeoutSeconds === undefined ? Infinity : now() + options.timeoutSeconds * 1000;
  const finished: FrozenTrial[] = [];
  while (options.nTrials === undefined || finished.length < options.nTrials) {
    if (now() >= deadline || options.signal?.aborted) break;
    if (study.sampler.isExhausted !== undefined) {
      await study.refresh();
      if (study.isSearchExhausted()) break;
    }
    const trial = await study.askWithin(options.maxTrials);
    if (trial === null) break;
    const frozen = await runTrial(study, trial, objective);
    finished.push(frozen);
    for (const callback of options.callbacks ?? []) await callback(study, frozen);
  }
  await study.refresh();
  return finished;
}

/** Run the objective on one asked trial and tell the study how it ended. */
export async function runTrial(study: Study, trial: StudyTrial, objective: Objective): Promise<FrozenTrial> {
  let outcome: Parameters<Study['tell']>[1];
  try {
    const value = await objective(trial);
    outcome = value === undefined ? { state: 'complete' } : value;
  } catch (error) {
    outcome = error instanceof TrialPruned ? { state: 'pruned' } : { state: 'fail', error };
  }
  return study.tell(trial, outcome);
}
