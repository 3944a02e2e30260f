import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { checkInteger, checkKnownKeys, checkNumber } from './options.js';
import { wilcoxonSignedRank } from './wilcoxon-test.js';
import { bestCompleteTrial } from '../multi-objective/best.js';

export interface WilcoxonPrunerOptions {
  /**
   * Prune when the one-sided p-value of "this trial is worse than the best trial on the
   * folds both have" is below this; within [0, 1]. Larger prunes sooner. With n shared
   * folds the smallest p-value is 2^-n, so with 5 folds the default can stop a trial after
   * its 4th fold at the earliest (and 0.3 after its 2nd). Default: 0.1 (Optuna's).
   */
  pThreshold?: number;
  /** No pruning before the trial shares this many folds with the best trial (never before 2). Default: 2. */
  nStartupSteps?: number;
}

export const WILCOXON_KEYS = ['pThreshold', 'nStartupSteps'] as const;

/**
 * Optuna's `WilcoxonPruner`, for objectives that report one value per fold (or problem
 * instance) as intermediate values keyed by the fold index (`trial.reportFold`, a
 * command's `{"fold": i, "value": v}`). After each fold it pairs the trial's fold values
 * with the best COMPLETE (feasible) trial's values on the same folds and prunes when a
 * one-sided Wilcoxon signed-rank test (zero differences split, see `wilcoxon-test.ts`)
 * says the trial is worse with p below `pThreshold`. Folds only one of the two has are
 * left out of the pairing. As in Optuna, a trial is kept when its values or the best's
 * hold NaN or ±Infinity, when there is no best trial with fold values yet, and when it is
 * not worse than the best trial on average over the shared folds (so a trial that would
 * beat the best is never pruned). Optuna compares the trial's mean over the folds it ran
 * with the best trial's mean over all of its folds: when some folds are harder for every
 * configuration, a trial that ran the hard ones first looks worse than it is. Pairing the
 * means on the shared folds removes that; on trials that ran every fold, and whenever the
 * folds are equally hard, both rules decide the same.
 */
export class WilcoxonPruner implements Pruner {
  readonly pThreshold: number;
  readonly nStartupSteps: number;

  constructor(options: WilcoxonPrunerOptions = {}) {
    checkKnownKeys('WilcoxonPruner', options, WILCOXON_KEYS);
    this.pThreshold = checkNumber('pThreshold', options.pThreshold ?? 0.1, { min: 0, max: 1 });
    this.nStartupSteps = checkInteger('nStartupSteps', options.nStartupSteps ?? 2, 0);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    return this.pValue(study, trial) < this.pThreshold;
  }

  /**
   * The p-value the decision compares with `pThreshold`: 1 wherever the rules above keep
   * the trial without a test.
   */
  pValue(study: StudyView, trial: FrozenTrial): number {
    const own = trial.intermediateValues;
    if (own.size === 0 || !allFinite(own)) return 1;
    const best = bestCompleteTrial(study.getTrials(['COMPLETE']), study.direction);
    if (best === undefined || best.intermediateValues.size === 0 || !allFinite(best.intermediateValues)) return 1;
    // Worse is positive in both directions, so the test is always the "greater" one.
    const sign = study.direction === 'minimize' ? 1 : -1;
    const diffs: number[] = [];
    for (const [fold, value] of own) {
      const theirs = best.intermediateValues.get(fold);
      if (theirs !== undefined) diffs.push(sign * (value - theirs));
    }
    if (diffs.length < Math.max(2, this.nStartupSteps)) return 1;
    // Not worse on average over the shared folds: kept (Optuna compares unpaired means, see above).
    if (diffs.reduce((a, b) => a + b, 0) <= 0) return 1;
    return wilcoxonSignedRank(diffs, 'greater').pValue;
  }
}

function allFinite(values: ReadonlyMap<number, number>): boolean {
  for (const v of values.values()) if (!Number.isFinite(v)) return false;
  return true;
}

