import { isFeasible } from '../multi-objective/constraints.js';
import { dominates, toLosses } from '../multi-objective/dominance.js';
import { intermediateVectors } from '../multi-objective/intermediate.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { nanPercentile, schedulePoint, sortedSteps } from './intermediate.js';
import { checkBoolean, checkInteger, checkIntegerOrAuto, checkKnownKeys, checkNumber } from './options.js';

export interface ParetoPrunerOptions {
  /** No pruning until this many trials are COMPLETE. Default: 5. */
  nStartupTrials?: number;
  /** No pruning before this share of the horizon; within [0, 1]. Default: 0.25. */
  warmupFraction?: number;
  /** Check every this many steps after the warmup. Default: 1. */
  intervalSteps?: number;
  /** A trial is stopped only when it was dominated at each of its last this many checked reports. Default: 2. */
  patience?: number;
  /**
   * Which of the finished trials' later gains the outlook assumes, as a quantile within
   * [0, 1]: 1 the largest (never prunes a trial that could still come back as far as
   * any finished one did), lower values prune sooner. Default: 0.25 (with `paceOutlook`,
   * which widens the outlook of trials still descending, on the multi-objective-pruning bench).
   */
  gainQuantile?: number;
  /** Finished trials (the furthest behind) the gain is read from when fewer were as far behind. Default: 5. */
  minEvidence?: number;
  /** Extra optimism added to the outlook in every objective, in the objectives' units; ≥ 0. Default: 0. */
  margin?: number;
  /** The step a trial's final value is reported at. `'auto'`: the last step of the longest COMPLETE trial. Default: 'auto'. */
  maxResource?: number | 'auto';
  /**
   * Keep a trial the front dominates while its own recent pace could still carry it off
   * the front's shadow: its best so far in each objective, improved until the horizon at
   * the rate of its last `paceSteps` reports, not dominated by any finisher. Default: true.
   */
  keepImproving?: boolean;
  /** The reports `keepImproving` reads the pace from (the last this many steps). Default: 3. */
  paceSteps?: number;
  /**
   * Widen the outlook by the trial's own pace: in each objective, what it gained over its
   * last `paceWindow` steps, times the `paceQuantile` of what the finished trials gained
   * after that step per unit of their own gain over the same window. Default: true.
   */
  paceOutlook?: boolean;
  /** Which of the finished trials' gain ratios `paceOutlook` assumes, as a quantile within [0, 1]. Default: 0.5. */
  paceQuantile?: number;
  /** The steps `paceOutlook` reads the pace over. `'auto'`: a tenth of the horizon (at least 1). Default: 'auto'. */
  paceWindow?: number | 'auto';
}

export const PARETO_KEYS = ['nStartupTrials', 'warmupFraction', 'intervalSteps', 'patience', 'gainQuantile', 'minEvidence', 'margin', 'maxResource', 'keepImproving', 'paceSteps', 'paceOutlook', 'paceQuantile', 'paceWindow'] as const;

/**
 * Pruning for several objectives: a trial is stopped when even its optimistic outlook is
 * dominated by the study's Pareto front. Its outlook at step s is its best value so far
 * in each objective minus the larger of two gains it may still make there:
 * - what the COMPLETE feasible trials that were as far behind at the same step still
 *   gained by their final value (the `gainQuantile` of it, 1 = the one that came back
 *   furthest): a slow starter is compared with slow starters;
 * - with `paceOutlook`, its own gain over the last tenth of the horizon times the
 *   `paceQuantile` of the finishers' ratios of later gain to that window's gain: the
 *   schedule's late drops, scaled to how fast this trial is still descending.
 * It is pruned when that point is dominated by the front of the COMPLETE feasible trials'
 * final values, at each of its last `patience` checked reports after the warmup. Where
 * curves cross (finished trials improved a lot late), the outlook stays wide and nothing
 * is pruned early; a trial ahead on any one objective (a fast model with a mediocre loss)
 * is kept. With `keepImproving`, a trial so judged is still kept while its own pace could
 * carry it off the front (`stillClosing`). On the multi-objective-pruning bench (options
 * chosen on seeds 100–129, reported on 0–29) the pace outlook with the lower gainQuantile
 * uses 48% of the epochs and wins 21/0/9 against no pruning at equal epochs; without it
 * (gainQuantile 0.5) 54%, 16/0/14. Needs trials that report every objective per step
 * (`report(step, [v1, v2])`, `{"step": s, "values": [...]}`); trials that report one
 * number are never pruned by it. Deterministic in the study's history; stores nothing.
 */
export class ParetoPruner implements Pruner {
  readonly nStartupTrials: number;
  readonly warmupFraction: number;
  readonly intervalSteps: number;
  readonly patience: number;
  readonly gainQuantile: number;
  readonly minEvidence: number;
  readonly margin: number;
  readonly maxResource: number | 'auto';
  readonly keepImproving: boolean;
  readonly paceSteps: number;
  readonly paceOutlook: boolean;
  readonly paceQuantile: number;
  readonly paceWindow: number | 'auto';

  constructor(options: ParetoPrunerOptions = {}) {
    checkKnownKeys('ParetoPruner', options, PARETO_KEYS);
    this.nStartupTrials = checkInteger('nStartupTrials', options.nStartupTrials ?? 5, 1);
    this.warmupFraction = checkNumber('warmupFraction', options.warmupFraction ?? 0.25, { min: 0, max: 1 });
    this.intervalSteps = checkInteger('intervalSteps', options.intervalSteps ?? 1, 1);
    this.patience = checkInteger('patience', options.patience ?? 2, 1);
    this.gainQuantile = checkNumber('gainQuantile', options.gainQuantile ?? 0.25, { min: 0, max: 1 });
    this.minEvidence = checkInteger('minEvidence', options.minEvidence ?? 5, 1);
    this.margin = checkNumber('margin', options.margin ?? 0, { min: 0 });
    this.maxResource = checkIntegerOrAuto('maxResource', options.maxResource ?? 'auto', 1);
    this.keepImproving = checkBoolean('keepImproving', options.keepImproving ?? true);
    this.paceSteps = checkInteger('paceSteps', options.paceSteps ?? 3, 1);
    this.paceOutlook = checkBoolean('paceOutlook', options.paceOutlook ?? true);
    this.paceQuantile = checkNumber('paceQuantile', options.paceQuantile ?? 0.5, { min: 0, max: 1 });
    this.paceWindow = checkIntegerOrAuto('paceWindow', options.paceWindow ?? 'auto', 1);
  }


  prune(study: StudyView, trial: FrozenTrial): boolean {
    const mine = vectorsOf(trial, study.directions);
    if (mine.size === 0) return false;
    const point = schedulePoint(study, trial, this, (horizon) => Math.ceil(this.warmupFraction * horizon));
    if (point.verdict !== 'judge') return point.verdict === 'prune';
    const finished: Finished[] = [];
    for (const t of point.completed) {
      const curve = vectorsOf(t, study.directions);
      if (curve.size === 0 || t.values === null || t.values.length !== study.directions.length || !isFeasible(t)) continue;
      finished.push({ curve, final: toLosses(t.values, study.directions) });
    }
    if (finished.length < this.nStartupTrials) return false;

    const checked = sortedSteps(trial).filter((s) => s >= point.warmup && mine.has(s));
    if (checked.length < this.patience) return false;
    for (const step of checked.slice(checked.length - this.patience)) {
      const best = bestSoFar(mine, step);
      if (best === undefined) return false;
      const pace = this.paceOutlook ? this.paceGain(mine, finished, step, point.horizon, best) : undefined;
      const gain = best.map((mineNow, i) => Math.max(this.gainAfter(finished, step, i, mineNow), pace?.[i] ?? 0));
      const outlook = best.map((v, i) => v - (gain[i] as number) - this.margin);
      if (!finished.some((f) => dominates(f.final, outlook))) return false;
    }
    return !(this.keepImproving && this.stillClosing(mine, point.step, point.horizon, finished));
  }

  /**
   * In each objective, what the trial may still gain judged by its own pace: its gain over
   * the last `paceWindow` steps times the `paceQuantile` of the finished trials' ratios of
   * what they gained after `step` to what they gained over the same window before it. The
   * ratio carries the schedule (a decay that ends low makes late gains large for every
   * trial) and the pace carries the trial: a slow starter still descending steeply gets a
   * wide outlook, one that has flattened a narrow one. Finishers that did not improve over
   * the window say nothing about a ratio and are left out.
   */
  private paceGain(mine: ReadonlyMap<number, readonly number[]>, finished: readonly Finished[], step: number, horizon: number, best: readonly number[]): number[] | undefined {
    const window = this.paceWindow === 'auto' ? Math.max(1, Math.round(horizon / 10)) : this.paceWindow;
    const before = step - window >= 1 ? bestSoFar(mine, step - window) : undefined;
    if (before === undefined) return undefined;
    const then = finished.map((f) => ({ first: bestSoFar(f.curve, Math.min(...f.curve.keys())), start: bestSoFar(f.curve, step - window), end: bestSoFar(f.curve, step), final: f.final }));
    return best.map((now, i) => {
      const recent = (before[i] as number) - now;
      if (!(recent > 0)) return 0;
      const ratios: number[] = [];
      for (const { first, start, end, final } of then) {
        const a = start?.[i];
        const b = end?.[i];
        if (a === undefined || b === undefined || !(a - b > 0)) continue;
        // A finisher that barely moved over the window (a plateau, noise) would give a ratio of
        // anything: its window gain counts as at least a small share of all it gained.
        const total = (first?.[i] ?? a) - (final[i] as number);
        ratios.push(Math.max(0, b - (final[i] as number)) / Math.max(a - b, MIN_WINDOW_SHARE * total));
      }
      return ratios.length === 0 ? 0 : recent * nanPercentile(ratios, 100 * this.paceQuantile);
    });
  }

  /**
   * Whether the trial's own pace could still take it where no finisher dominates it: in
   * each objective, its best so far at `step` improved by what it would still gain if the gain per
   * window of `paceSteps` reports kept shrinking only half as fast as it did over its last
   * two windows (the ratio r of the last window's gain to the one before becomes √r per
   * window until `horizon`). The finishers' comebacks cannot show a slow starter none of
   * them resembled (the ones this rule prunes never finish to show theirs); a trial still
   * descending steeply is kept, one that has flattened is not.
   */
  private stillClosing(mine: ReadonlyMap<number, readonly number[]>, step: number, horizon: number, finished: readonly { readonly final: readonly number[] }[]): boolean {
    const projection = this.projection(mine, step, horizon);
    if (projection === undefined || projection.gain.every((g) => g === 0)) return false;
    const outlook = projection.now.map((v, i) => v - (projection.gain[i] as number));
    return !finished.some((f) => dominates(f.final, outlook));
  }

  /** A curve's best so far at `step` in each objective and what `projectedGain` expects it to still gain by `horizon`. */
  private projection(curve: ReadonlyMap<number, readonly number[]>, step: number, horizon: number): { now: number[]; gain: number[] } | undefined {
    if (step - 2 * this.paceSteps < 1) return undefined;
    const now = bestSoFar(curve, step);
    const middle = bestSoFar(curve, step - this.paceSteps);
    const start = bestSoFar(curve, step - 2 * this.paceSteps);
    if (now === undefined || middle === undefined || start === undefined) return undefined;
    const windows = (horizon - step) / this.paceSteps;
    return { now, gain: now.map((v, i) => projectedGain((start[i] as number) - (middle[i] as number), (middle[i] as number) - v, windows)) };
  }

  /**
   * How much the trial may still gain in objective `i` after `step`: the `gainQuantile`
   * of what the finished trials that were as far behind there (at least `minEvidence`
   * of them, the furthest behind when fewer were) gained from that step to their final
   * value. A slow starter is compared with slow starters, whose late drops are the ones
   * that matter; a trial that has converged with the converged ones.
   */
  private gainAfter(finished: readonly Finished[], step: number, i: number, mine: number): number {
    const comebacks: Comeback[] = [];
    for (const f of finished) {
      const then = bestSoFar(f.curve, step)?.[i];
      if (then !== undefined) comebacks.push({ then, gain: Math.max(0, then - (f.final[i] as number)) });
    }
    if (comebacks.length === 0) return 0;
    comebacks.sort((a, b) => b.then - a.then); // furthest behind first
    let n = 0;
    while (n < comebacks.length && (comebacks[n] as Comeback).then >= mine) n++;
    const peers = comebacks.slice(0, Math.max(n, Math.min(this.minEvidence, comebacks.length)));
    return nanPercentile(peers.map((c) => c.gain), 100 * this.gainQuantile);
  }
}

/**
 * What a curve still gains over `windows` more windows when it gained `before` then `last`
 * over its last two: the gain per window shrinks by √(last/before) each window (at most
 * 0.95; a curve leaving a plateau, `before` ≤ 0, gets 0.95). Power-law-like training curves
 * slow down less and less, which the square root allows for: on the bench's curves, at a
 * quarter of the run, this is within 0.6–1.7× of the gain to come for 80% of the trials
 * (the straight line at the last window's pace: 1.1–7×; the measured ratio itself: 0.3–1.3×).
 */
export function projectedGain(before: number, last: number, windows: number): number {
  if (!(last > 0) || !(windows > 0)) return 0;
  const shrink = Math.sqrt(before > 0 ? Math.min(MAX_RATIO, last / before) : MAX_RATIO);
  return (last * shrink * (1 - shrink ** windows)) / (1 - shrink);
}

const MAX_RATIO = 0.95;

/** The least share of a finisher's whole gain its window gain counts as in `paceGain`'s ratios. */
const MIN_WINDOW_SHARE = 0.01;

/** A COMPLETE feasible trial as the outlooks read it: its curve and final values (loss vectors). */
interface Finished {
  readonly curve: ReadonlyMap<number, readonly number[]>;
  readonly final: readonly number[];
}

/** Per finished trial: its best-so-far in one objective at a step and what it gained from there to its final value. */
interface Comeback {
  readonly then: number;
  readonly gain: number;
}

/** step → loss vector (maximised objectives negated) of a trial that reported every objective. */
function vectorsOf(trial: FrozenTrial, directions: readonly Direction[]): ReadonlyMap<number, readonly number[]> {
  const vectors = intermediateVectors(trial);
  if (vectors.size === 0 && directions.length === 1) {
    // One objective: the intermediate values are the vectors.
    return new Map([...trial.intermediateValues].map(([s, v]) => [s, toLosses([v], directions)]));
  }
  const out = new Map<number, number[]>();
  for (const [step, v] of vectors) if (v.length === directions.length) out.set(step, toLosses(v, directions));
  return out;
}

/** Each objective's best value up to `step` (NaN ignored); undefined before the first report. */
function bestSoFar(vectors: ReadonlyMap<number, readonly number[]>, step: number): number[] | undefined {
  let best: number[] | undefined;
  for (const [s, v] of vectors) {
    if (s > step) continue;
    if (best === undefined) best = v.map((x) => (Number.isNaN(x) ? Infinity : x));
    else for (let i = 0; i < v.length; i++) if ((v[i] as number) < (best[i] as number)) best[i] = v[i] as number;
  }
  return best;
}
