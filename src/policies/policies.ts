import type { JsonValue } from '../json.js';
import type { Distribution } from '../space/distributions.js';
import type { Direction, FrozenTrial, TrialState } from '../storage/records.js';

/**
 * What samplers and pruners may know of a study: its history as of the current ask or
 * report. Reads are synchronous over a snapshot the study refreshed incrementally.
 */
export interface StudyView {
  readonly name: string;
  /** The first objective's direction: all a single-objective policy reads. */
  readonly direction: Direction;
  /** One direction per objective; a trial's `values` has one value per entry. */
  readonly directions: readonly Direction[];
  /** Trials in number order, optionally only those in the given states. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[];
  /**
   * Record something a policy must remember (an ASHA rung, a Hyperband bracket) on a
   * trial, in storage, so that it holds across processes. Written before the decision
   * that follows is acted on.
   */
  setTrialSystemAttr(trialId: number, key: string, value: JsonValue): void;
}

/** Parameter name → distribution: a joint space a sampler samples at once. */
export type SearchSpaceMap = Readonly<Record<string, Distribution>>;

/**
 * Chooses parameter values. All values cross this interface in their internal form
 * (floats; a categorical as its index). A new algorithm is one file implementing this.
 */
export interface Sampler {
  /** The parameters to sample jointly for this trial (e.g. those every finished trial has). */
  inferRelativeSpace?(study: StudyView, trial: FrozenTrial): SearchSpaceMap;
  /** Joint sample over `space`; parameters left out fall back to `sampleIndependent`. */
  sampleRelative?(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number>;
  /** One parameter on its own. */
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number;
  /**
   * True when there is nothing left to propose (a grid whose every point is taken): the
   * optimize loop and the orchestrator then stop asking.
   */
  isExhausted?(study: StudyView): boolean;
  /** Called when a trial ends, with its final state. */
  afterTrial?(study: StudyView, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): void;
}

/** Decides after each report whether a trial should stop. */
export interface Pruner {
  prune(study: StudyView, trial: FrozenTrial): boolean;
  /**
   * Whether a trial this pruner stopped, paused at its last step (`isPaused`), should be
   * resumed now given the study's current history: an ASHA rung promoting it, a rule no
   * longer pruning it. A pure function of the history; writes nothing. Pruners without it
   * never resume a trial.
   */
  shouldResume?(study: StudyView, trial: FrozenTrial): boolean;
  /**
   * True when a trial this pruner stops after it saved a checkpoint is paused (kept
   * resumable) rather than dropped (the space file's `pause: true`). Default false.
   */
  readonly pausesTrials?: boolean;
  /**
   * False when `prune` looks at the reporting trial alone (a threshold, never pruning):
   * the study then skips reading other trials before each decision. Default true.
   */
  readonly needsHistory?: boolean;
}
