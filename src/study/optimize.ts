import { SodateError } from '../errors.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Study } from './study.js';
import type { SlotTrial, Trial } from './objective-trial.js';

/**
 * Returns the value to minimise or maximise, or one per objective of a multi-objective
 * study; an objective that reports folds (`trial.reportFold`) may return nothing, and its
 * trial's value is then the mean over its folds.
 */
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>;
/** What an objective returns: its value, one per objective, or nothing when it reported folds. */
export type ObjectiveValue = number | readonly number[] | void;
/** An objective run in a slot (`sodate tune`, `study.optimize`, `runOrchestrator`): it may read the slot's device, directory and checkpoint. Every `Objective` is one. */
export type SlotObjective = (trial: SlotTrial) => ObjectiveValue | Promise<ObjectiveValue>;
export type OptimizeCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

export interface OptimizeOptions {
  /** Trials this call runs. Default: no limit (stop with another option). */
  nTrials?: number;
  /** Stop asking when the study holds this many trials in all, across every process sharing it. Default: no limit. */
  maxTrials?: number;
  /** Stop asking for new trials after this many seconds; running ones finish. Default: none. */
  timeoutSeconds?: number;
  /**
   * Trials run at once, each in this thread (their objectives interleave at each `await`,
   * like Optuna's `n_jobs` threads; for CPU-bound objectives use `sodate tune`'s threads or
   * processes). Default 1.
   */
  nJobs?: number;
  /** A trial running longer is recorded as FAIL "timed out after …s" (its code is not stopped: it runs in this thread). Default: no limit. */
  trialTimeoutSeconds?: number;
  /** Times a trial left RUNNING by a process that died (no heartbeat for 30 s) is re-queued with its parameters. Default 0. */
  retries?: number;
  /** Called after each trial this call finishes, in order, before the next one is asked. */
  callbacks?: readonly OptimizeCallback[];
  /** Aborting stops asking for new trials; running ones finish. */
  signal?: AbortSignal;
  /** Clock, injectable for tests. Default: Date.now. */
  now?: () => number;
}

/** What runs `study.optimize`: the orchestrator with inline slots (src/run/optimize.ts), plugged in by the package root. */
export type OptimizeEngine = (study: Study, objective: Objective, options: OptimizeOptions) => Promise<FrozenTrial[]>;

let engine: OptimizeEngine | undefined;

/**
 * Plug in the loop `study.optimize` runs. `study/` sits below `run/`, where the orchestrator
 * lives, so the package root (src/index.ts) hands it down once, when it loads.
 */
export function useOptimizeEngine(loop: OptimizeEngine): void {
  engine = loop;
}

/**
 * Run `objective` on trial after trial (see `OptimizeOptions`): ask, run, tell, with the
 * orchestrator behind `sodate tune`. A trial that throws is stored as FAIL with its error
 * and the study goes on; one that throws `TrialPruned` is stored as PRUNED.
 */
export function optimize(study: Study, objective: Objective, options: OptimizeOptions = {}): Promise<FrozenTrial[]> {
  if (engine === undefined) {
    return Promise.reject(new SodateError('SODATE_NO_ENGINE', "study.optimize runs on the orchestrator of src/run, which the package root plugs in: import from 'sodate' (src/index.ts), not from src/study alone"));
  }
  return engine(study, objective, options);
}
