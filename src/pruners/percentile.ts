import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { noLongerPruned } from './promotion.js';
import type { StepAlignment } from './intermediate.js';
import { STEP_ALIGNMENTS, bestIntermediate, isFirstInIntervalStep, isWorse, lastStep, nanPercentile, valueAtStep } from './intermediate.js';
import { checkInteger, checkKnownKeys, checkNumber, checkOneOf } from './options.js';

/** Options shared by the median and percentile rules. */
export interface PercentileRuleOptions {
  /** No pruning until this many trials are COMPLETE. Default: 5. */
  nStartupTrials?: number;
  /** No pruning while the trial's last step is below this (steps start at 0). Default: 0. */
  nWarmupSteps?: number;
  /** Check every this many steps after the warmup; a check with no report is postponed to the next report. Default: 1. */
  intervalSteps?: number;
  /** Keep the trial unless at least this many COMPLETE trials have a value at its step. Default: 1. */
  nMinTrials?: number;
  /**
   * How other trials' values are read at a step they did not report: see `StepAlignment`.
   * Default: 'interpolate' (same decisions as Optuna when steps are aligned).
   */
  stepAlignment?: StepAlignment;
}

export interface PercentilePrunerOptions extends PercentileRuleOptions {
  /** Keep trials whose best value is within this top percentile of COMPLETE trials at the same step; within [0, 100]. Required. */
  percentile: number;
}

export const PERCENTILE_RULE_KEYS = ['nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials', 'stepAlignment'] as const;

/**
 * Optuna's percentile rule: prune when the trial's best intermediate value so far (min
 * when minimizing) is worse than the given percentile of the values COMPLETE trials had
 * at the trial's last step. A trial whose values are all NaN is pruned.
 */
export class PercentilePruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;
  readonly stepAlignment: StepAlignment;

  constructor(options: PercentilePrunerOptions) {
    checkKnownKeys('PercentilePruner', options, ['percentile', ...PERCENTILE_RULE_KEYS]);
    this.percentile = checkNumber('percentile', options.percentile, { min: 0, max: 100 });
    this.nStartupTrials = checkInteger('nStartupTrials', options.nStartupTrials ?? 5, 0);
    this.nWarmupSteps = checkInteger('nWarmupSteps', options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInteger('intervalSteps', options.intervalSteps ?? 1, 1);
    this.nMinTrials = checkInteger('nMinTrials', options.nMinTrials ?? 1, 1);
    this.stepAlignment = checkOneOf('stepAlignment', options.stepAlignment ?? 'interpolate', STEP_ALIGNMENTS);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const completed = study.getTrials(['COMPLETE']);
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === undefined || step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial, this.nWarmupSteps, this.intervalSteps)) return false;

    const best = bestIntermediate(trial, study.direction);
    if (Number.isNaN(best)) return true;

    const others: number[] = [];
    for (const t of completed) {
      const v = valueAtStep(t, step, this.stepAlignment);
      if (v !== undefined) others.push(v);
    }
    if (others.length < this.nMinTrials) return false;
    // For maximize, the kept top percentile is the upper one.
    const p = nanPercentile(others, study.direction === 'maximize' ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return isWorse(best, p, study.direction);
  }

  /** The rule changed its mind: given the current history it would no longer stop the paused trial at its last step. */
  shouldResume(study: StudyView, trial: FrozenTrial): boolean {
    return noLongerPruned(this, study, trial);
  }
}
