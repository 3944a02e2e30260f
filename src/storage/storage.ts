import type { JsonValue } from '../json.js';
import type { Distribution } from '../space/distributions.js';
import type { Direction, FrozenTrial, StudyRecord, StudySummary, TrialCursor, TrialState } from './records.js';

export interface NewStudy {
  readonly name: string;
  readonly direction: Direction;
  /** One per objective (the first equal to `direction`); default `[direction]`. */
  readonly directions?: readonly Direction[];
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
}

export interface NewTrial {
  /** RUNNING (default) starts now; WAITING is an enqueued trial that a worker claims later. */
  readonly state?: 'RUNNING' | 'WAITING';
  /** Fixed parameters, e.g. an enqueued configuration or a retried trial's. */
  readonly params?: Readonly<Record<string, { readonly internal: number; readonly distribution: Distribution }>>;
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
  /**
   * Refuse (resolve to null) when the study already holds this many trials that count
   * toward a budget: every state but WAITING. Checked in the same transaction as the
   * insert, so several processes sharing a study never overshoot it.
   */
  readonly maxTrials?: number;
}

export type AttrScope = 'user' | 'system';
export type FinishedState = 'COMPLETE' | 'PRUNED' | 'FAIL';

/**
 * The grace a heartbeat gets by default (`failStaleTrials` as `tune`, `worker`, re-runs and
 * `delete` call it; --stale-after): a RUNNING trial whose heartbeat is older is one whose
 * process died, not one being worked on.
 */
export const DEFAULT_STALE_AFTER_SECONDS = 30;

/**
 * Where studies live. Every state change of a trial is one call and one transaction;
 * samplers, pruners, the dashboard and other machines learn about trials only from here.
 * Async throughout so that network databases fit the same shape.
 */
export interface Storage {
  /** What the user typed to reach it (`sqlite:studies/x.db`), for messages. */
  readonly url: string;

  /** Fails with code SODATE_STUDY_EXISTS when the name is taken. */
  createStudy(spec: NewStudy): Promise<StudyRecord>;
  loadStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudySummary[]>;
  /** Removes the study and everything of its trials. */
  deleteStudy(studyId: number): Promise<void>;
  setStudyAttr(studyId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void>;

  /** A new trial with the next number, or null when `maxTrials` is reached. */
  createTrial(studyId: number, template?: NewTrial): Promise<FrozenTrial | null>;
  /**
   * Atomically turn the oldest WAITING trial into RUNNING (and stamp its start), so that
   * an enqueued trial is run exactly once however many workers ask. Null when none waits
   * or when `maxTrials` (counted as in `createTrial`) is reached.
   */
  claimWaitingTrial(studyId: number, maxTrials?: number): Promise<FrozenTrial | null>;
  /** Fails with code SODATE_TRIAL_FINISHED when the trial is no longer RUNNING. */
  setParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void>;
  /** Several parameters of one trial in one transaction (what a trial's suggestions add up to). */
  setParams(trialId: number, params: Readonly<Record<string, { readonly internal: number; readonly distribution: Distribution }>>): Promise<void>;
  /** Intermediate value at a step; reporting a step again replaces the value. */
  report(trialId: number, step: number, value: number): Promise<void>;
  setTrialAttr(trialId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void>;
  /** Several attributes of one trial in one scope, in one transaction (what a trial's consecutive `setSystemAttr` calls add up to). */
  setTrialAttrs(trialId: number, scope: AttrScope, attrs: Readonly<Record<string, JsonValue>>): Promise<void>;
  /**
   * Finish a RUNNING trial. Resolves false, changing nothing, when the trial was already
   * finished (e.g. failed as stale by another process), so a late result never overwrites.
   */
  finishTrial(trialId: number, state: FinishedState, values?: readonly number[] | null): Promise<boolean>;

  /**
   * Atomically turn a paused trial (PRUNED, `sodate:paused` true) back into RUNNING, its
   * values cleared, its intermediate values and attributes kept, `sodate:paused` set to
   * false and its heartbeat beaten: a paused trial is resumed exactly once however many
   * workers promote it. With `fromStep` (the checkpoint's step), the reports after it and
   * their per-step vectors are deleted in the same transaction (`reportsAfter`): the resumed
   * run reports those steps again. Null, changing nothing, when it is not paused (any more).
   */
  resumePausedTrial(trialId: number, fromStep?: number): Promise<FrozenTrial | null>;
  /** Record that the process running the trial is alive. */
  heartbeat(trialId: number): Promise<void>;
  /**
   * Fail RUNNING trials whose last heartbeat is older than `graceSeconds`; returns them as
   * failed. A resumed one (`wasResumed`) is paused again instead (PRUNED, `sodate:paused`
   * true), in the same transaction, and is not returned.
   */
  failStaleTrials(studyId: number, graceSeconds: number): Promise<FrozenTrial[]>;
  /**
   * Numbers of the study's RUNNING trials that never beat: another tool's (Optuna without a
   * heartbeat interval, a notebook's open ask), which no grace can tell from a dead one.
   */
  runningWithoutHeartbeat(studyId: number): Promise<number[]>;

  getTrial(trialId: number): Promise<FrozenTrial>;
  /**
   * Trials created after the cursor, plus the cursor's open trials again; ordered by
   * number. Start with START_CURSOR; keep the returned cursor for the next call.
   */
  trialsSince(studyId: number, cursor: TrialCursor): Promise<{ trials: FrozenTrial[]; cursor: TrialCursor }>;
  countTrials(studyId: number): Promise<Record<TrialState, number>>;

  close(): Promise<void>;
}
