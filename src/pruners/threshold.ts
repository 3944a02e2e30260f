import { OptionError } from '../errors.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { isFirstInIntervalStep, lastStep } from './intermediate.js';
import { checkInteger, checkKnownKeys, checkNumber } from './options.js';

export interface ThresholdPrunerOptions {
  /** Prune when the last value is below this. Default: none (−∞). At least one of lower/upper is required. */
  lower?: number;
  /** Prune when the last value is above this. Default: none (+∞). */
  upper?: number;
  /** No pruning while the trial's last step is below this. Default: 0. */
  nWarmupSteps?: number;
  /** Check every this many steps after the warmup. Default: 1. */
  intervalSteps?: number;
}

export const THRESHOLD_KEYS = ['lower', 'upper', 'nWarmupSteps', 'intervalSteps'] as const;

/**
 * Prunes a trial whose last value leaves [lower, upper] or is NaN (a diverged run), as
 * Optuna's `ThresholdPruner`. Needs no other trial, so it works from the first one.
 */
export class ThresholdPruner implements Pruner {
  readonly lower: number;
  readonly upper: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  /** Looks at the reporting trial alone. */
  readonly needsHistory = false;

  constructor(options: ThresholdPrunerOptions) {
    checkKnownKeys('ThresholdPruner', options, THRESHOLD_KEYS);
    if (options.lower === undefined && options.upper === undefined) throw new OptionError('ThresholdPruner needs lower, upper or both');
    this.lower = options.lower === undefined ? -Infinity : checkNumber('lower', options.lower, { allowInfinite: true });
    this.upper = options.upper === undefined ? Infinity : checkNumber('upper', options.upper, { allowInfinite: true });
    if (this.lower > this.upper) throw new OptionError(`lower must not exceed upper (${this.upper}), got ${this.lower}`);
    this.nWarmupSteps = checkInteger('nWarmupSteps', options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInteger('intervalSteps', options.intervalSteps ?? 1, 1);
  }

  prune(_study: StudyView, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === undefined || step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial, this.nWarmupSteps, this.intervalSteps)) return false;
    const latest = trial.intermediateValues.get(step) as number;
    return Number.isNaN(latest) || latest < this.lower || latest > this.upper;
  }
}
