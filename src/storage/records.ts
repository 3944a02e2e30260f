import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { ABLATION_ATTR, CONFIRM_OF_ATTR, PAUSED_ATTR, RETRY_OF_ATTR } from './metadata.js';

/** Optuna's trial states, with the same names so a database reads the same in both. */
export type TrialState = 'RUNNING' | 'WAITING' | 'COMPLETE' | 'PRUNED' | 'FAIL';
export const FINISHED_STATES: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'FAIL'];
export function isFinished(state: TrialState): boolean {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL';
}

export type Direction = 'minimize' | 'maximize';

/** Whether `a` is strictly better than `b` for the direction. */
export function isBetter(direction: Direction, a: number, b: number): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

/**
 * Whether a trial is a re-run of a fixed configuration (`sodate confirm`, `sodate ablate`)
 * rather than a tuning trial. Re-runs are measurements for those analyses: they never name a
 * study's best (one lucky seed of a configuration is what `confirm` exists to see through).
 */
export function isRerun(trial: { readonly userAttrs: Readonly<Record<string, JsonValue>> }): boolean {
  return trial.userAttrs[CONFIRM_OF_ATTR] !== undefined || trial.userAttrs[ABLATION_ATTR] !== undefined;
}

/**
 * Whether a trial, in any state, leaves a study's trial budget alone: a retry (it replaces its
 * failed trial) or a re-run (a measurement for confirm or ablate). A budget
 * (`--trials`, a stage's `trials:`) counts the tuning trials that are not WAITING.
 */
export function isOffBudget(trial: { readonly userAttrs: Readonly<Record<string, JsonValue>>; readonly systemAttrs: Readonly<Record<string, JsonValue>> }): boolean {
  return trial.systemAttrs[RETRY_OF_ATTR] !== undefined || isRerun(trial);
}

/** The trials a study's budget counts: tuning trials that started (every state but WAITING), neither retries nor re-runs. */
export function budgetTrialCount(trials: readonly Pick<FrozenTrial, 'state' | 'userAttrs' | 'systemAttrs'>[]): number {
  return trials.filter((t) => t.state !== 'WAITING' && !isOffBudget(t)).length;
}

/** A PRUNED trial waiting, paused at its checkpoint, for a pruner to promote it. */
export function isPaused(trial: Pick<FrozenTrial, 'state' | 'systemAttrs'>): boolean {
  return trial.state === 'PRUNED' && trial.systemAttrs[PAUSED_ATTR] === true;
}

/**
 * A trial running again after a promotion resumed it (`sodate:paused` false, set by
 * `resumePausedTrial` in the same transaction as the state). When its process dies it goes
 * back to paused rather than FAIL: its checkpoint is still there, and a new run from
 * scratch would throw away what it learned.
 */
export function wasResumed(trial: Pick<FrozenTrial, 'state' | 'systemAttrs'>): boolean {
  return trial.state === 'RUNNING' && trial.systemAttrs[PAUSED_ATTR] === false;
}

/**
 * A snapshot of one trial as storage holds it. Plain data (structured-clonable), so it
 * crosses thread and process boundaries as is. Finished trials never change, except a
 * paused one (`isPaused`), which a pruner may resume.
 */
export interface FrozenTrial {
  /** Storage-wide id (the `trial_id` column). */
  readonly id: number;
  /** 0, 1, 2… within the study, unique across processes and machines. */
  readonly number: number;
  readonly state: TrialState;
  /** Objective values; null until the trial completes (or when it did not). */
  readonly values: readonly number[] | null;
  /** External parameter values, as the objective saw them. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The same parameters as stored: floats, categoricals as their index. */
  readonly internalParams: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** step → reported value. */
  readonly intermediateValues: ReadonlyMap<number, number>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly datetimeStart: Date | null;
  readonly datetimeComplete: Date | null;
}

/** The single objective value of a trial, if it has one. */
export function trialValue(trial: FrozenTrial): number | undefined {
  return trial.values?.[0];
}

export interface StudyRecord {
  readonly id: number;
  readonly name: string;
  /** The first objective's direction (the only one of a single-objective study). */
  readonly direction: Direction;
  /** One direction per objective, in objective order; `[direction]` for one objective. */
  readonly directions: readonly Direction[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
}

export interface StudySummary extends StudyRecord {
  readonly nTrials: number;
  /** Per-state counts. */
  readonly counts: Readonly<Record<TrialState, number>>;
  /** The best first value of the COMPLETE tuning trials (re-runs by confirm or ablate never count; constraints are not read here). */
  readonly bestValue: number | null;
  /** Some trial carries constraint values: its best feasible value must be read from the trials (`bestValue` does not check). */
  readonly constrained: boolean;
  readonly datetimeStart: Date | null;
}

/**
 * Where an incremental read stopped: every trial up to `lastTrialId` was seen, and
 * those in `openTrialIds` were not finished yet so they are read again next time. Paused
 * trials (`pausedTrialIds`) change only through `resumePausedTrial`, which bumps the
 * study's `RESUME_COUNT_ATTR`: they are read again only when that count differs from
 * `resumes` (the count seen before they were last read; undefined: not read yet).
 */
export interface TrialCursor {
  readonly lastTrialId: number;
  readonly openTrialIds: readonly number[];
  readonly pausedTrialIds?: readonly number[];
  readonly resumes?: number;
}

export const START_CURSOR: TrialCursor = { lastTrialId: 0, openTrialIds: [] };
