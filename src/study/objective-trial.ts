import type { JsonValue } from '../json.js';
import type { CategoricalChoice, Distribution, ParamValue, RangeOptions } from '../space/distributions.js';

/**
 * The trial an objective sees, wherever it runs: ask/tell hand it a `StudyTrial`, a slot of
 * `sodate tune`/`sodate worker`/`study.optimize` (thread, process, inline) a trial that
 * talks to the loop across the slot's boundary. Both implement this, and nothing else of
 * either is part of the contract.
 */
export interface Trial {
  /** The trial's number in its study, from 0. */
  readonly number: number;
  /** Every parameter of this trial so far, as the objective sees it (sampled ones and earlier `suggest*` results). */
  readonly params: Record<string, ParamValue>;
  /**
   * The seed for the objective's own randomness (weights, data order): derived from the
   * study seed and trial number, or a confirmation run's seed. Undefined for a trial the
   * study did not start.
   */
  readonly seed: number | undefined;
  /** A value for any distribution; asking again for the same name returns the same value. */
  suggest(name: string, distribution: Distribution): ParamValue;
  suggestFloat(name: string, low: number, high: number, options?: RangeOptions): number;
  suggestInt(name: string, low: number, high: number, options?: RangeOptions): number;
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T;
  /**
   * Store an intermediate value (e.g. the validation loss after an epoch; one number per
   * objective in a multi-objective study) and ask the pruner. Throws `TrialPruned` when it
   * says stop.
   */
  report(step: number, value: number | readonly number[]): Promise<void>;
  /**
   * Store the value on one fold of a cross-validation and ask the pruner, like `report`.
   * A trial reports either steps or folds; one whose objective returns nothing completes
   * with the mean over its folds.
   */
  reportFold(fold: number, value: number): Promise<void>;
  /** Whether the pruner said stop at the last report. */
  shouldPrune(): boolean;
  setUserAttr(key: string, value: JsonValue): void;
  /**
   * Record a constrained quantity (GPU memory, latency): with a limit for `name` (the
   * space file's `constraints:`, or `createStudy`'s), `value` is the measured quantity;
   * without one, how far it is past its limit (≤ 0: satisfied).
   */
  setConstraint(name: string, value: number): void;
}

/**
 * The trial a slot of `sodate tune`/`sodate worker` (or `runOrchestrator`) hands an
 * objective: a `Trial` plus what only a slot has, its device, its directory and a
 * resumed run's checkpoint. An objective typed against `Trial` runs in a slot unchanged.
 */
export interface SlotTrial extends Trial {
  /** The study's name. */
  readonly study: string;
  /** "cpu" or "cuda:<index>": the device this trial's slot owns. */
  readonly device: string;
  /** The slot's name, e.g. "cpu#1" or "gpu0#0". */
  readonly slot: string;
  /** The trial's own directory for checkpoints, predictions and plots (recorded when it ends); undefined when the run keeps none. */
  readonly artifactDir: string | undefined;
  /** A resumed trial's checkpoint (absolute path), the one it saved before it was paused; undefined for a fresh run. */
  readonly resumeFrom: string | undefined;
  /** The last step `resumeFrom` holds: a resumed run reports from `resumeStep + 1`. Undefined for a fresh run. */
  readonly resumeStep: number | undefined;
  /**
   * Say that the file at `path` (in `artifactDir`, or relative to it) holds a checkpoint of
   * everything up to `step`; with a pruner that pauses, a trial stopped after this is paused
   * and may be resumed from it. Call it once the file is fully written, before reporting `step`.
   */
  saveCheckpoint(path: string, step: number): void;
  /** Append text to the trial's log (`sodate logs <study> <trial>`). */
  log(text: string): void;
}
