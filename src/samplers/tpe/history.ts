/**
 * The study history as TPE reads it: finished trials ranked best first, then the other
 * running trials (the constant liar ranks them worst of all, so they always fall in the
 * "above" set and push new samples away from where other workers are already looking).
 * In a constrained study (trials carrying `constraints:<name>` attributes), feasible
 * trials rank before infeasible ones, and infeasible ones by their total violation (c-TPE,
 * as Optuna ranks them).
 *
 * In a warm-started study the history also holds the earlier study's trials (negative ids,
 * `src/study/warm-start.ts`). Their values come from another objective (another epoch
 * count, a knob since added, a shifted optimum) and need not be on the new one's scale, so
 * old and new trials are each ranked among themselves and the two lists are merged by
 * quantile (`byQuantile`): an old trial in the top 15% of the old study stands beside the
 * new trials in the top 15% of the new one. Ranked by raw value, a shift of scale either
 * fills the good set with old trials for good, or (new values better) pushes the whole old
 * study into the bad set, where its many trials near the old optimum then count against
 * the region the new optimum is likely in. Studies without old trials rank as before.
 * The ranking also says how many old trials the history holds (`warm`): the sampler weighs
 * them less as the study's own trials accumulate (TPE's `warmStartFade`).
 */
import { violation } from '../../multi-objective/constraints.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';
import { isPaused } from '../../storage/records.js';
import { FinishedPrefix } from './finished-prefix.js';

export interface RankedHistory {
  /** Finished (COMPLETE, PRUNED) trials best first, then running ones. */
  readonly trials: readonly FrozenTrial[];
  /** The number of each of `trials` (read without touching the trial objects). */
  readonly numbers: Int32Array;
  /** How many of `trials` are finished. */
  readonly nFinished: number;
  /** The largest trial number among `trials` (for chronological weights). */
  readonly maxNumber: number;
  /**
   * Several objectives: the good set, chosen once over all finished trials (Optuna's split)
   * and placed first in `trials`. Absent with one objective, where each group's good set
   * is the best γ(n) of the rows that hold its parameters.
   */
  readonly good?: GoodSet;
  /**
   * A warm-started study: the earlier study's trials are those numbered below `oldBelow`
   * (the seam numbers them first), and `fresh` finished trials are the study's own.
   */
  readonly warm?: WarmCounts;
}

export interface WarmCounts {
  /** One more than the largest number of an earlier study's trial. */
  readonly oldBelow: number;
  /** How many finished trials are the study's own. */
  readonly fresh: number;
}

/**
 * An earlier study's trial weighs τ/(τ + n) after n finished trials of this study's own
 * (TPE's `warmStartFade`): scale the weights of rows [from, to) of `numbers` (weights[r − from])
 * that are an earlier study's trials.
 */
export function fadeEarlierStudy(weights: Float64Array, numbers: Int32Array, from: number, to: number, warm: WarmCounts, tau: number): void {
  const fade = tau / (tau + warm.fresh);
  for (let r = from; r < to; r++) if ((numbers[r] as number) < warm.oldBelow) weights[r - from] = (weights[r - from] as number) * fade;
}

export interface GoodSet {
  /** The first `count` of `trials` are good. */
  readonly count: number;
  /** Weight of each good trial, indexed by trial number; null: all weigh 1. */
  readonly weights: Float64Array | null;
}

interface Keyed {
  readonly trial: FrozenTrial;
  /** Total constraint violation: 0 (feasible) ranks first; infeasible trials by violation alone. */
  readonly violation: number;
  /** Completed trials first (-Infinity), then pruned ones by the deepest step reached. */
  readonly stage: number;
  /** The value to minimise (direction applied), NaN mapped to +Infinity. */
  readonly score: number;
}

/**
 * Rank as Optuna does: a feasible trial beats any infeasible one, and a less violating
 * infeasible trial a more violating one; among feasible trials a COMPLETE one beats any
 * PRUNED one; a pruned trial that went further beats one stopped earlier; within a stage,
 * a better value wins; FAIL is skipped.
 */
export function rankHistory(trials: readonly FrozenTrial[], direction: Direction, current: FrozenTrial, constantLiar: boolean): RankedHistory {
  const sign = direction === 'minimize' ? 1 : -1;
  const finished: Keyed[] = [];
  const running: FrozenTrial[] = [];
  let maxNumber = -1;
  for (const trial of trials) {
    if (trial.state === 'COMPLETE') {
      const v = trial.values?.[0];
      if (v === undefined) continue;
      finished.push({ trial, violation: violation(trial), stage: -Infinity, score: Number.isNaN(v) ? Infinity : sign * v });
    } else if (trial.state === 'PRUNED') {
      let step = -1;
      let last = NaN;
      for (const [s, v] of trial.intermediateValues) {
        if (s > step) {
          step = s;
          last = v;
        }
      }
      if (step < 0) finished.push({ trial, violation: violation(trial), stage: 1, score: 0 });
      else finished.push({ trial, violation: violation(trial), stage: -step, score: Number.isNaN(last) ? Infinity : sign * last });
    } else if (trial.state === 'RUNNING' && constantLiar && trial.id !== current.id && trial.number !== current.number) {
      running.push(trial);
    } else {
      continue;
    }
    if (trial.number > maxNumber) maxNumber = trial.number;
  }
  finished.sort(compareKeyed);
  const old = finished.filter(isWarmStartTrial);
  const ranked = [...(old.length > 0 ? byQuantile(finished) : finished).map((k) => k.trial), ...running];
  const warm = old.length > 0 ? { warm: { oldBelow: 1 + old.reduce((m, k) => Math.max(m, k.trial.number), -Infinity), fresh: finished.length - old.length } } : {};
  return { trials: ranked, numbers: Int32Array.from(ranked, (t) => t.number), nFinished: finished.length, maxNumber, ...warm };
}

/** An earlier study's trial in a warm-started study's history (the seam numbers them with negative ids). */
function isWarmStartTrial(item: FrozenTrial | Keyed): boolean {
  return ('trial' in item ? item.trial : item).id < 0;
}

/**
 * Ranked trials (best first) with the earlier study's trials and the study's own each kept
 * in their order and merged by quantile: the i-th of W old trials sits at (i + ½)/W, the
 * j-th of n new ones at (j + ½)/n, a new trial first on a tie. With no new trial yet the
 * order is the old study's.
 */
function byQuantile(ranked: readonly Keyed[]): Keyed[] {
  // Only the feasible COMPLETE trials (a prefix of the ranking) are merged by quantile: PRUNED
  // and infeasible trials, old or new, keep their places after them, as c-TPE ranks them.
  let comparable = 0;
  while (comparable < ranked.length && (ranked[comparable] as Keyed).violation === 0 && (ranked[comparable] as Keyed).stage === -Infinity) comparable++;
  const rest = ranked.slice(comparable);
  const old: Keyed[] = [];
  const fresh: Keyed[] = [];
  for (const k of ranked.slice(0, comparable)) (isWarmStartTrial(k) ? old : fresh).push(k);
  if (old.length === 0 || fresh.length === 0) return ranked.slice();
  const out: Keyed[] = [];
  let i = 0;
  let j = 0;
  while (i < old.length || j < fresh.length) {
    const oldAt = i < old.length ? (2 * i + 1) / (2 * old.length) : Infinity;
    const freshAt = j < fresh.length ? (2 * j + 1) / (2 * fresh.length) : Infinity;
    if (freshAt <= oldAt) out.push(fresh[j++] as Keyed);
    else out.push(old[i++] as Keyed);
  }
  return out.concat(rest);
}

function compareStage(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareScore(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * `rankHistory` kept up to date incrementally: finished trials never change, so each is
 * keyed and inserted into the ranked list once; an ask only collects the running ones.
 * A paused trial is the exception (a promotion may resume it, and it then completes or
 * stops further on): it is keyed afresh on each ask and merged in, never kept.
 */
export class RankedTrials {
  private readonly finished: Keyed[] = [];
  /** The numbers of `finished`, in the same order. */
  private readonly finishedNumbers: number[] = [];
  private readonly ingested = new Set<number>();
  private readonly folded = new FinishedPrefix();
  private maxFinishedNumber = -1;
  /** Whether an earlier study's trial was ingested: then old and new are merged by quantile. */
  private warmStarted = false;
  /** How many of the earlier study's trials were ingested, and one more than their largest number. */
  private warmCount = 0;
  private oldBelow = 0;

  constructor(private readonly direction: Direction) {}

  rank(trials: readonly FrozenTrial[], current: FrozenTrial, constantLiar: boolean): RankedHistory {
    const running: FrozenTrial[] = [];
    const paused: Keyed[] = [];
    let maxNumber = this.maxFinishedNumber;
    for (let t = this.folded.start(trials); t < trials.length; t++) {
      const trial = trials[t] as FrozenTrial;
      if (isPaused(trial)) {
        paused.push(keyOf(trial, this.direction));
        if (trial.number > maxNumber) maxNumber = trial.number;
      } else if (trial.state === 'COMPLETE' || trial.state === 'PRUNED') {
        if (!this.ingested.has(trial.id)) {
          this.ingested.add(trial.id);
          if (trial.state === 'PRUNED' || trial.values?.[0] !== undefined) {
            this.insert(keyOf(trial, this.direction));
            if (isWarmStartTrial(trial)) {
              this.warmStarted = true;
              this.warmCount++;
              this.oldBelow = Math.max(this.oldBelow, trial.number + 1);
            }
          }
        }
      } else if (trial.state === 'RUNNING' && constantLiar && trial.id !== current.id && trial.number !== current.number) {
        running.push(trial);
        if (trial.number > maxNumber) maxNumber = trial.number;
      }
    }
    this.folded.advance(trials);
    let finished = paused.length === 0 ? this.finished : mergeKeyed(this.finished, paused.sort(compareKeyed));
    if (this.warmStarted) finished = byQuantile(finished);
    const nFinished = finished.length;
    const ranked = new Array<FrozenTrial>(nFinished + running.length);
    const numbers = new Int32Array(nFinished + running.length);
    if (paused.length === 0 && !this.warmStarted) numbers.set(this.finishedNumbers);
    else for (let i = 0; i < nFinished; i++) numbers[i] = (finished[i] as Keyed).trial.number;
    for (let i = 0; i < nFinished; i++) ranked[i] = (finished[i] as Keyed).trial;
    for (let i = 0; i < running.length; i++) {
      const trial = running[i] as FrozenTrial;
      ranked[nFinished + i] = trial;
      numbers[nFinished + i] = trial.number;
    }
    return { trials: ranked, numbers, nFinished, maxNumber, ...(this.warmStarted ? { warm: { oldBelow: this.oldBelow, fresh: nFinished - this.warmCount } } : {}) };
  }

  private insert(keyed: Keyed): void {
    if (keyed.trial.number > this.maxFinishedNumber) this.maxFinishedNumber = keyed.trial.number;
    let lo = 0;
    let hi = this.finished.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeyed(this.finished[mid] as Keyed, keyed) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.finished.splice(lo, 0, keyed);
    this.finishedNumbers.splice(lo, 0, keyed.trial.number);
  }
}

/** The sorted `a` and `b` as one sorted list (ties: `a` first). */
function mergeKeyed(a: readonly Keyed[], b: readonly Keyed[]): Keyed[] {
  const out: Keyed[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && compareKeyed(a[i] as Keyed, b[j] as Keyed) <= 0)) out.push(a[i++] as Keyed);
    else out.push(b[j++] as Keyed);
  }
  return out;
}

function keyOf(trial: FrozenTrial, direction: Direction): Keyed {
  const sign = direction === 'minimize' ? 1 : -1;
  if (trial.state === 'COMPLETE') {
    const v = trial.values?.[0] as number;
    return { trial, violation: violation(trial), stage: -Infinity, score: Number.isNaN(v) ? Infinity : sign * v };
  }
  let step = -1;
  let last = NaN;
  for (const [st, v] of trial.intermediateValues) {
    if (st > step) {
      step = st;
      last = v;
    }
  }
  const v = violation(trial);
  return step < 0 ? { trial, violation: v, stage: 1, score: 0 } : { trial, violation: v, stage: -step, score: Number.isNaN(last) ? Infinity : sign * last };
}

/** Explicit comparisons: `-Infinity - -Infinity` would be NaN. Infinite violations tie, then go by number. */
function compareKeyed(a: Keyed, b: Keyed): number {
  const byViolation = compareScore(a.violation, b.violation);
  if (byViolation !== 0 || a.violation > 0) return byViolation || a.trial.number - b.trial.number;
  return compareStage(a.stage, b.stage) || compareScore(a.score, b.score) || a.trial.number - b.trial.number;
}
