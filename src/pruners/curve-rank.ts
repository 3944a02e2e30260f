import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { noLongerPruned } from './promotion.js';
import { finalsAndBar, isFirstInIntervalStep, lastStep, schedulePoint, sortedSteps } from './intermediate.js';
import { RETRACE_WARMUP_FRACTION, retracesKnownRun } from './retrace.js';
import { checkBoolean, checkInteger, checkIntegerOrAuto, checkKnownKeys, checkNumber } from './options.js';

export interface CurveRankPrunerOptions {
  /**
   * The good trials are the COMPLETE ones whose final value ranks within this top
   * percentile; within [0, 100]. Default: 50.
   */
  percentile?: number;
  /** No pruning until this many trials are COMPLETE. Default: 5. */
  nStartupTrials?: number;
  /**
   * No pruning before this step. `'auto'`: `warmupFraction` of the horizon, so a trial
   * always runs that share of its schedule before it is judged. Default: 'auto'.
   */
  nWarmupSteps?: number | 'auto';
  /** The share of the horizon `nWarmupSteps: 'auto'` waits; within [0, 1]. Default: 0.25. */
  warmupFraction?: number;
  /** Check every this many steps after the warmup. Default: 1. */
  intervalSteps?: number;
  /**
   * A trial is stopped only when it was behind the good trials at each of its last this
   * many reports (after the warmup): one bad epoch of a noisy or discrete metric is not
   * enough. Default: 3.
   */
  patience?: number;
  /**
   * How much worse than the good trials' envelope a trial must be to count as behind, in
   * the metric's units; ≥ 0. Default: 0.
   */
  minDelta?: number;
  /**
   * The step a trial's final value is reported at. `'auto'`: the last step of the longest
   * COMPLETE trial. Default: 'auto'.
   */
  maxResource?: number | 'auto';
  /** Good trials needed before anything is pruned. Default: 3. */
  minGoodTrials?: number;
  /**
   * Keep a trial behind the envelope while its recent pace could still carry it there: its
   * best-so-far, improved at the rate of its last `patience` reports until the horizon,
   * reaching the worst final value of the good trials. Default: true.
   */
  keepImproving?: boolean;
  /**
   * Stop a trial whose curve retraces a COMPLETE trial's: the root-mean-square distance
   * over its reports is at most this share of the inter-quartile spread of the COMPLETE
   * trials' values at its step, once that start is known to tell the end (a finished run with
   * the trial's knobs, or two with different knobs that ended alike; src/pruners/retrace.ts). It repeats a run whose
   * end is known (no better than the best), so finishing it can at most tie. A trial that so
   * retraces runs stopped further along, which the level rule would still stop there, is
   * stopped too: its replay would be. Judged at every report from
   * 10% of the horizon and 3 reports on, once `nStartupTrials` trials are COMPLETE, whatever
   * `nWarmupSteps`, `warmupFraction` and `intervalSteps` say (they are the level rule's); ≥ 0,
   * 0 turns it off. Default: 0.005.
   */
  retraceTolerance?: number;
}

export const CURVE_RANK_KEYS = ['percentile', 'nStartupTrials', 'nWarmupSteps', 'warmupFraction', 'intervalSteps', 'patience', 'minDelta', 'maxResource', 'minGoodTrials', 'keepImproving', 'retraceTolerance'] as const;

/**
 * Prunes a trial only when it is behind every trial that ended well, at the same fraction
 * of the schedule, for `patience` reports in a row. The good trials are the COMPLETE ones
 * whose final (last) value ranks in the top `percentile`; their envelope at a fraction f
 * of the horizon is the worst best-so-far any of them had by then. Whatever the learning-
 * rate schedule does later (a cosine decay that ends low, a warmup, an EMA that lags) it
 * did to the good trials too, so a curve is compared only with curves at the same point of
 * theirs, and the envelope widens by itself where curves crossed: if a good finisher was
 * far behind at 30% of its run, nothing as far behind is pruned there. Best-so-far values
 * and the patience absorb noisy and discrete metrics. A trial behind the envelope but still
 * descending steeply (`keepImproving`) is kept: the good finishers' curves cannot show a
 * slow starter that none of them resembled, and on the recorded curves such trials were most
 * of the would-be best ones the level rule alone pruned (13 of 140 studies against 4, at 81%
 * of the epochs instead of 75%; `npm run bench -- pruners`, 20 seeds of 7 problems). And
 * from 10% of the horizon a trial whose curve retraces a finished trial's is stopped
 * (`retraceTolerance`, src/pruners/retrace.ts): it repeats a run whose end is known; so is
 * one that retraces runs stopped further along that the level rule, asked now, would still
 * stop there: its replay would be. Ranked below the finished trials, such stopped repeats also move
 * a sampler that has settled on a few configurations away from them (on the recorded curves,
 * 48% of the epochs instead of 81%, 25 paired wins to 19 losses instead of 8 to 7). Deterministic in the study's history;
 * stores nothing.
 */
export class CurveRankPruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number | 'auto';
  readonly warmupFraction: number;
  readonly intervalSteps: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly maxResource: number | 'auto';
  readonly minGoodTrials: number;
  readonly keepImproving: boolean;
  readonly retraceTolerance: number;

  constructor(options: CurveRankPrunerOptions = {}) {
    checkKnownKeys('CurveRankPruner', options, CURVE_RANK_KEYS);
    this.percentile = checkNumber('percentile', options.percentile ?? 50, { min: 0, max: 100 });
    this.nStartupTrials = checkInteger('nStartupTrials', options.nStartupTrials ?? 5, 1);
    this.nWarmupSteps = checkIntegerOrAuto('nWarmupSteps', options.nWarmupSteps ?? 'auto', 0);
    this.warmupFraction = checkNumber('warmupFraction', options.warmupFraction ?? 0.25, { min: 0, max: 1 });
    this.intervalSteps = checkInteger('intervalSteps', options.intervalSteps ?? 1, 1);
    this.patience = checkInteger('patience', options.patience ?? 3, 1);
    this.minDelta = checkNumber('minDelta', options.minDelta ?? 0, { min: 0 });
    this.maxResource = checkIntegerOrAuto('maxResource', options.maxResource ?? 'auto', 1);
    this.minGoodTrials = checkInteger('minGoodTrials', options.minGoodTrials ?? 3, 1);
    this.keepImproving = checkBoolean('keepImproving', options.keepImproving ?? true);
    this.retraceTolerance = checkNumber('retraceTolerance', options.retraceTolerance ?? 0.005, { min: 0 });
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const rankWarmup = (horizon: number): number => (this.nWarmupSteps === 'auto' ? Math.ceil(this.warmupFraction * horizon) : this.nWarmupSteps);
    const retraceWarmup = (horizon: number): number => (this.retraceTolerance > 0 ? Math.ceil(RETRACE_WARMUP_FRACTION * horizon) : Infinity);
    // Each rule keeps its own warmup (and the level rule its interval grid, anchored at its warmup).
    const point = schedulePoint(study, trial, { nStartupTrials: this.nStartupTrials, maxResource: this.maxResource, intervalSteps: 1 }, (horizon) => Math.min(rankWarmup(horizon), retraceWarmup(horizon)));
    if (point.verdict !== 'judge') return point.verdict === 'prune';
    const { completed, horizon, step } = point;
    const sign = study.direction === 'minimize' ? 1 : -1;
    let good: { readonly trials: readonly FrozenTrial[] | null } | undefined;
    const goodFinishers = (): readonly FrozenTrial[] | null => (good ??= { trials: this.goodFinishers(completed, sign) }).trials;
    const warmup = rankWarmup(horizon);
    if (step >= retraceWarmup(horizon)) {
      // A run stopped further along counts only if the level rule, asked now, would still stop it there.
      const stillStopped = (run: FrozenTrial): boolean => {
        const at = sortedSteps(run).at(-1) as number;
        const finishers = goodFinishers();
        return at >= warmup && at < horizon && isFirstInIntervalStep(at, run, warmup, this.intervalSteps) && finishers !== null && this.behind(run, finishers, horizon, warmup, sign);
      };
      if (retracesKnownRun(trial, completed, step, this.retraceTolerance, { runs: () => study.getTrials(['PRUNED']), stillStopped })) return true;
    }
    if (step < warmup || !isFirstInIntervalStep(step, trial, warmup, this.intervalSteps)) return false;
    const finishers = goodFinishers();
    return finishers !== null && this.behind(trial, finishers, horizon, warmup, sign);
  }

  /** The good finishers (top `percentile` of the COMPLETE trials' finals), or null while there are too few to judge by. */
  private goodFinishers(completed: readonly FrozenTrial[], sign: number): readonly FrozenTrial[] | null {
    const { finals, bar } = finalsAndBar(completed, sign, this.percentile);
    if (finals.length < this.nStartupTrials) return null;
    const good = finals.filter((f) => f.final <= bar).map((f) => f.trial);
    return good.length < this.minGoodTrials ? null : good;
  }

  /** The level rule at the trial's last report: behind every good finisher for `patience` reports and not closing in. */
  private behind(trial: FrozenTrial, good: readonly FrozenTrial[], horizon: number, warmup: number, sign: number): boolean {
    const steps = sortedSteps(trial);
    const checked = steps.filter((s) => s >= warmup);
    if (checked.length < this.patience) return false;
    for (const s of checked.slice(checked.length - this.patience)) {
      const mine = bestSoFar(trial, s, sign);
      const bound = envelope(good, s / horizon, sign);
      if (bound === undefined || !(mine > bound + this.minDelta)) return false;
    }
    return !(this.keepImproving && stillClosing(trial, steps, this.patience, horizon, envelope(good, 1, sign), sign));
  }

  /** The rule changed its mind: given the current history it would no longer stop the paused trial at its last step. */
  shouldResume(study: StudyView, trial: FrozenTrial): boolean {
    return noLongerPruned(this, study, trial);
  }
}


/**
 * Whether the trial's recent pace could still carry it to `target` by the horizon: its
 * best-so-far at its last report, improved until `horizon` at the rate it improved over its
 * last `patience` reports, reaches the target. Improvement slows down on most curves, so the
 * straight line is optimistic: a slow starter caught mid-descent (an SGD run leaving its
 * plateau) is kept, a trial that has flattened behind the good ones is not.
 */
function stillClosing(trial: FrozenTrial, steps: readonly number[], patience: number, horizon: number, target: number | undefined, sign: number): boolean {
  if (target === undefined || steps.length < 2) return false;
  const last = steps[steps.length - 1] as number;
  const from = steps[Math.max(0, steps.length - 1 - patience)] as number;
  const now = bestSoFar(trial, last, sign);
  const pace = (bestSoFar(trial, from, sign) - now) / (last - from);
  if (!Number.isFinite(now) || !Number.isFinite(pace) || pace <= 0) return false;
  return now - pace * (horizon - last) <= target;
}

/**
 * Best value (minimize orientation: `sign`·value, lowest) a trial reported up to `step`,
 * NaN ignored; Infinity when it reported nothing there.
 */
export function bestSoFar(trial: FrozenTrial, step: number, sign: number): number {
  let best = Infinity;
  for (const s of sortedSteps(trial)) {
    if (s > step) break;
    const v = sign * (trial.intermediateValues.get(s) as number);
    if (v < best) best = v;
  }
  return best;
}

/**
 * The worst best-so-far of the good trials at `fraction` of each one's own run (its last
 * step), in minimize orientation; undefined when none of them has reported by then.
 */
export function envelope(good: readonly FrozenTrial[], fraction: number, sign: number): number | undefined {
  let worst: number | undefined;
  for (const g of good) {
    const end = lastStep(g);
    if (end === undefined) continue;
    const v = bestSoFar(g, fraction * end + 1e-9 * end, sign);
    if (v === Infinity) continue;
    if (worst === undefined || v > worst) worst = v;
  }
  return worst;
}
