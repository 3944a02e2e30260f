import { OptionError } from '../errors.js';
import { isFeasible } from '../multi-objective/constraints.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { fitFoldModel, forecastFoldMean, probabilityBetter } from './fold-prediction.js';
import { checkInteger, checkKnownKeys, checkNumber } from './options.js';
import { bestCompleteTrial } from '../multi-objective/best.js';

export interface FoldPredictivePrunerOptions {
  /**
   * Prune when the probability that the trial's mean over all folds ends among the top
   * `topFraction` is below this; within [0, 0.5] (at 0.5 and above a trial level with the
   * target would be pruned). Larger prunes sooner. Default: 0.3 (chosen with topFraction on
   * the fold benchmark's tuning seeds 100–199, apart from the seeds it reports).
   */
  minProbability?: number;
  /**
   * Compare with the k-th best COMPLETE trial, k = ⌈topFraction × finished (COMPLETE or
   * PRUNED) trials⌉ and at least 1: a trial is kept while it may still end among the top
   * fraction, the good set TPE learns from (its default gamma is linear, 0.15 n). Pruning a
   * trial that would have been in that set steers the sampler away from a good region,
   * which costs more than its folds; 0 compares with the best trial. Within [0, 1).
   * Default: 0.15 (on the benchmark's 100 tuning seeds: 0.1 saved as many folds only at a
   * higher regret, 0.2 kept the regret but saved fewer: test/bench/folds.bench.ts).
   */
  topFraction?: number;
  /**
   * No pruning before this many COMPLETE trials ran every fold of the best trial (at least 2:
   * σ² needs them); the fold model is fitted to at least this many. Default: 4.
   */
  nStartupTrials?: number;
  /** No pruning before the trial has run this many of those folds (at least 1). Default: 1. */
  nStartupSteps?: number;
}

export const FOLD_PREDICTIVE_KEYS = ['minProbability', 'topFraction', 'nStartupTrials', 'nStartupSteps'] as const;

/**
 * For objectives that report one value per fold (`trial.reportFold`, a command's
 * `{"fold": i, "value": v}`). Folds are shared by every trial, so the finished trials tell
 * how hard each fold is and how much a configuration's fold values scatter around its own
 * level: an additive model, value = level of the trial + effect of the fold + noise, fitted
 * to the COMPLETE trials that ran every fold of the best trial before any trial was pruned
 * (`fold-prediction.ts`; `unselectedRows` says why those). After each fold, the pruner
 * forecasts the running trial's mean over all those folds from the folds it ran (a Student-t
 * predictive with the pooled variance, widened by the estimated fold effects' own error) and
 * prunes when the probability that it ends better than the k-th best COMPLETE trial (the top
 * `topFraction`) is below `minProbability`. A trial that has run every fold is kept:
 * stopping it would save nothing and hide its result.
 *
 * Against the wilcoxon pruner: its signed-rank test uses only the signs and ranks of one
 * trial's differences to the best, so with 5 folds it cannot reach p < 0.1 before the 4th
 * fold; this rule uses their size and the variance pooled over the study, so a trial far
 * behind stops after its first fold and a close one runs on. It assumes the fold-to-fold
 * scatter is about the same for every configuration; a trial whose values hold NaN or
 * ±Infinity, or any trial before the model can be fitted, is kept.
 */
export class FoldPredictivePruner implements Pruner {
  readonly minProbability: number;
  readonly topFraction: number;
  readonly nStartupTrials: number;
  readonly nStartupSteps: number;

  constructor(options: FoldPredictivePrunerOptions = {}) {
    checkKnownKeys('FoldPredictivePruner', options, FOLD_PREDICTIVE_KEYS);
    this.minProbability = checkNumber('minProbability', options.minProbability ?? 0.3, { min: 0, max: 0.5 });
    this.topFraction = checkNumber('topFraction', options.topFraction ?? 0.15, { min: 0, max: 1 });
    if (this.topFraction === 1) throw new OptionError('topFraction must be below 1 (at 1 no trial could be pruned), got 1');
    this.nStartupTrials = checkInteger('nStartupTrials', options.nStartupTrials ?? 4, 2);
    this.nStartupSteps = checkInteger('nStartupSteps', options.nStartupSteps ?? 1, 1);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    return this.probability(study, trial) < this.minProbability;
  }

  /**
   * The probability the decision compares with `minProbability`: 1 wherever the trial is
   * kept without a forecast (too early, non-finite values, or every fold already run).
   */
  probability(study: StudyView, trial: FrozenTrial): number {
    const own = trial.intermediateValues;
    if (own.size === 0 || !allFinite(own)) return 1;
    const completed = study.getTrials(['COMPLETE']);
    const best = bestCompleteTrial(completed, study.direction);
    if (best === undefined || best.intermediateValues.size < 2 || !allFinite(best.intermediateValues)) return 1;
    const folds = [...best.intermediateValues.keys()];
    let shared = 0;
    for (const f of folds) if (own.has(f)) shared++;
    if (shared < this.nStartupSteps || shared === folds.length) return 1;
    const complete = completed.filter((t) => t !== trial && isFeasible(t) && hasExactly(t.intermediateValues, folds));
    if (complete.length < this.nStartupTrials) return 1;
    const pruned = study.getTrials(['PRUNED']);
    const model = fitFoldModel(unselectedRows(complete, pruned, this.nStartupTrials), folds);
    if (model === undefined) return 1;
    const forecast = forecastFoldMean(model, own);
    if (forecast === undefined) return 1;
    const sign = study.direction === 'minimize' ? 1 : -1;
    const means = complete.map((t) => folds.reduce((s, f) => s + (t.intermediateValues.get(f) as number), 0) / folds.length).sort((a, b) => sign * (a - b));
    const finished = completed.length + pruned.length;
    const k = Math.max(1, Math.ceil(this.topFraction * finished));
    const target = means[Math.min(k, means.length) - 1] as number;
    return probabilityBetter(forecast, target, study.direction);
  }
}

/**
 * The rows the fold model is fitted to: the complete trials that ran before any trial was
 * pruned (at least the first `minimum` of them, by number). A trial that ran every fold after
 * pruning began is one that was lucky on its first folds (the unlucky ones were stopped), and
 * a pruned trial is one that was unlucky on its last: fitted to either, the first folds read
 * easier than they are (on the fold benchmark fold 0 by 0.1–0.5 σ), so a trial's
 * first fold reads worse than it is and the forecast turns pessimistic. The early trials ran
 * every fold whatever their values, so their fold effects are unbiased; there are few of
 * them, which the forecast's effect-error term and the t degrees of freedom account for.
 */
function unselectedRows(complete: readonly FrozenTrial[], pruned: readonly FrozenTrial[], minimum: number): ReadonlyMap<number, number>[] {
  let firstPruned = Infinity;
  for (const t of pruned) firstPruned = Math.min(firstPruned, t.number);
  return [...complete]
    .sort((a, b) => a.number - b.number)
    .filter((t, i) => t.number < firstPruned || i < minimum)
    .map((t) => t.intermediateValues);
}

function allFinite(values: ReadonlyMap<number, number>): boolean {
  for (const v of values.values()) if (!Number.isFinite(v)) return false;
  return true;
}

/** The trial ran exactly these folds, every value finite (a row of the model's table). */
function hasExactly(values: ReadonlyMap<number, number>, folds: readonly number[]): boolean {
  if (values.size !== folds.length) return false;
  for (const f of folds) {
    const v = values.get(f);
    if (v === undefined || !Number.isFinite(v)) return false;
  }
  return true;
}
