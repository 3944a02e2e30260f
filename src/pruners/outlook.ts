import { OptionError } from '../errors.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { betaCdf } from '../numerics/beta.js';
import { bestSoFar } from './curve-rank.js';
import { finalsAndBar, lastStep, schedulePoint, sortedSteps, valueAtStep } from './intermediate.js';
import { checkInteger, checkIntegerOrAuto, checkKnownKeys, checkNumber } from './options.js';

export interface OutlookPrunerOptions {
  /**
   * The good trials are the COMPLETE ones whose final value ranks within this top
   * percentile; within [0, 100]. Default: 50.
   */
  percentile?: number;
  /** No pruning until this many trials are COMPLETE. Default: 5. */
  nStartupTrials?: number;
  /** No pruning before this share of the horizon; within [0, 1]. Default: 0.1. */
  warmupFraction?: number;
  /** Check every this many steps after the warmup. Default: 1. */
  intervalSteps?: number;
  /** A trial is stopped only when its outlook was hopeless at each of its last this many reports (after the warmup). Default: 1. */
  patience?: number;
  /** The chance of ending good below which a trial is not worth finishing; within (0, 1). Default: 0.2. */
  minChance?: number;
  /**
   * How sure the posterior must be that the chance is below `minChance`; within (0, 1).
   * With the default prior, 7 COMPLETE trials furthest behind none of which ended good
   * are enough for the defaults. Default: 0.8.
   */
  confidence?: number;
  /** COMPLETE trials that must be as far behind (or, failing that, the furthest behind) before anything is pruned. Default: 5. */
  minEvidence?: number;
  /**
   * Weight of the Beta prior, in trials: its mean is the share of COMPLETE trials that are
   * good, so it is Beta(1, 1) at the default percentile; > 0. Default: 2.
   */
  priorStrength?: number;
  /**
   * The step a trial's final value is reported at. `'auto'`: the last step of the longest
   * COMPLETE trial. Default: 'auto'.
   */
  maxResource?: number | 'auto';
}

export const OUTLOOK_KEYS = ['percentile', 'nStartupTrials', 'warmupFraction', 'intervalSteps', 'patience', 'minChance', 'confidence', 'minEvidence', 'priorStrength', 'maxResource'] as const;

/** One COMPLETE trial read at a fraction of its run: its best-so-far there and whether it ended good. */
interface Outcome {
  readonly bestThen: number;
  readonly good: boolean;
}

/**
 * Prunes a trial when the study's own history says that trials this far behind at this
 * point of their schedule almost never ended good. At the trial's fraction f of the
 * horizon, every COMPLETE trial is read at f of its own run (best-so-far, interpolated)
 * and marked good when its final value is in the top `percentile`. For a tail of the j
 * COMPLETE trials furthest behind at f, k of which ended good, the chance of ending good
 * gets the Beta posterior Beta(a + k, b + j − k), with a prior of mean the good share and
 * weight `priorStrength`. The trial is hopeless at f when some tail of at least
 * `minEvidence` trials that holds every trial no better than it is `confidence` sure that
 * the chance is below `minChance`: the study has drawn a line at f behind which trials
 * did not come back, and the trial is behind it. A worse curve is never more hopeful, and
 * a trial further behind than any COMPLETE one is judged by the largest hopeless tail.
 * Where early ranks predict final ranks the tails are all bad and it prunes early; where
 * laggards came back (curves that cross, a schedule's late drop) the tails hold good
 * finishers and it waits. Only COMPLETE trials are evidence: a pruned trial's end is
 * unknown, and counting it as bad would let the pruner confirm its own decisions.
 * Deterministic in the study's history; stores nothing.
 */
export class OutlookPruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly warmupFraction: number;
  readonly intervalSteps: number;
  readonly patience: number;
  readonly minChance: number;
  readonly confidence: number;
  readonly minEvidence: number;
  readonly priorStrength: number;
  readonly maxResource: number | 'auto';

  constructor(options: OutlookPrunerOptions = {}) {
    checkKnownKeys('OutlookPruner', options, OUTLOOK_KEYS);
    this.percentile = checkNumber('percentile', options.percentile ?? 50, { min: 0, max: 100 });
    this.nStartupTrials = checkInteger('nStartupTrials', options.nStartupTrials ?? 5, 1);
    this.warmupFraction = checkNumber('warmupFraction', options.warmupFraction ?? 0.1, { min: 0, max: 1 });
    this.intervalSteps = checkInteger('intervalSteps', options.intervalSteps ?? 1, 1);
    this.patience = checkInteger('patience', options.patience ?? 1, 1);
    this.minChance = checkOpenUnit('minChance', options.minChance ?? 0.2);
    this.confidence = checkOpenUnit('confidence', options.confidence ?? 0.8);
    this.minEvidence = checkInteger('minEvidence', options.minEvidence ?? 5, 1);
    this.priorStrength = checkNumber('priorStrength', options.priorStrength ?? 2, { min: 0 });
    if (this.priorStrength === 0) throw new OptionError('priorStrength must be greater than 0, got 0');
    this.maxResource = checkIntegerOrAuto('maxResource', options.maxResource ?? 'auto', 1);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const point = schedulePoint(study, trial, this, (horizon) => Math.ceil(this.warmupFraction * horizon));
    if (point.verdict !== 'judge') return point.verdict === 'prune';
    const { completed, horizon, warmup } = point;

    const sign = study.direction === 'minimize' ? 1 : -1;
    const { finals: finished, bar } = finalsAndBar(completed, sign, this.percentile);
    if (finished.length < this.nStartupTrials) return false;
    const goodShare = finished.filter((f) => f.final <= bar).length / finished.length;
    if (goodShare >= 1) return false; // no finisher ended anything but good: nothing to learn
    const prior = { good: this.priorStrength * goodShare, bad: this.priorStrength * (1 - goodShare) };

    const checked = sortedSteps(trial).filter((s) => s >= warmup);
    if (checked.length < this.patience) return false;
    for (const s of checked.slice(checked.length - this.patience)) {
      const fraction = s / horizon;
      const outcomes: Outcome[] = [];
      for (const f of finished) {
        const end = lastStep(f.trial) as number;
        const bestThen = bestSoFarAt(f.trial, fraction * end, sign);
        if (bestThen !== undefined) outcomes.push({ bestThen, good: f.final <= bar });
      }
      if (!this.hopeless(bestSoFar(trial, s, sign), outcomes, prior)) return false;
    }
    return true;
  }

  /**
   * Whether some tail of `outcomes` (the j furthest behind, cut only between distinct
   * values, never all of them) that holds every trial no better than `mine` and at least
   * `minEvidence` trials is `confidence` sure to have a chance of ending good below `minChance`.
   */
  private hopeless(mine: number, outcomes: Outcome[], prior: { good: number; bad: number }): boolean {
    if (outcomes.length < this.minEvidence) return false;
    outcomes.sort((x, y) => y.bestThen - x.bestThen); // furthest behind first
    let good = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const here = outcomes[i] as Outcome;
      if (here.good) good++;
      const next = outcomes[i + 1];
      // The whole set is never a tail to judge by: a trial ahead of every finisher is not
      // hopeless even where few trials end good (percentile below minChance).
      if (next === undefined) break;
      if (next.bestThen === here.bestThen) continue; // inside a tie
      const j = i + 1;
      // The tail must hold every finisher no better than this trial.
      if (j < this.minEvidence || next.bestThen >= mine) continue;
      if (betaCdf(this.minChance, prior.good + good, prior.bad + j - good) >= this.confidence) return true;
    }
    return false;
  }
}

function checkOpenUnit(name: string, value: unknown): number {
  const v = checkNumber(name, value, { min: 0, max: 1 });
  if (v === 0 || v === 1) throw new OptionError(`${name} must be within (0, 1), got ${v}`);
  return v;
}

/**
 * Best value (minimize orientation) of the trial's curve up to `step`, the curve read
 * linearly between reported steps; undefined before its first report.
 */
export function bestSoFarAt(trial: FrozenTrial, step: number, sign: number): number | undefined {
  let best = bestSoFar(trial, step + 1e-9 * Math.max(1, step), sign);
  const between = valueAtStep(trial, step);
  if (between !== undefined && sign * between < best) best = sign * between;
  return best === Infinity ? undefined : best;
}
