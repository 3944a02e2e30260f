/**
 * The study history as TPE reads it: finished trials ranked best first, then the other
 * running trials (the constant liar ranks them worst of all, so they always fall in the
 * "above" set and push new samples away from where other workers are already looking).
 */
import type { Direction, FrozenTrial } from '../../storage/records.js';
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
}

interface Keyed {
  readonly trial: FrozenTrial;
  /** Completed trials first (-Infinity), then pruned ones by the deepest step reached. */
  readonly stage: number;
  /** The value to minimise (direction applied), NaN mapped to +Infinity. */
  readonly score: number;
}

/**
 * Rank as Optuna does: a COMPLETE trial beats any PRUNED one; a pruned trial that went
 * further beats one stopped earlier; within a stage, a better value wins; FAIL is skipped.
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
      finished.push({ trial, stage: -Infinity, score: Number.isNaN(v) ? Infinity : sign * v });
    } else if (trial.state === 'PRUNED') {
      let step = -1;
      let last = NaN;
      for (const [s, v] of trial.intermediateValues) {
        if (s > step) {
          step = s;
          last = v;
        }
      }
      if (step < 0) finished.push({ trial, stage: 1, score: 0 });
      else finished.push({ trial, stage: -step, score: Number.isNaN(last) ? Infinity : sign * last });
    } else if (trial.state === 'RUNNING' && constantLiar && trial.id !== current.id && trial.number !== current.number) {
      running.push(trial);
    } else {
      continue;
    }
    if (trial.number > maxNumber) maxNumber = trial.number;
  }
  // Explicit comparisons: `-Infinity - -Infinity` would be NaN.
  finished.sort((a, b) => compareStage(a.stage, b.stage) || compareScore(a.score, b.score) || a.trial.number - b.trial.number);
  const ranked = [...finished.map((k) => k.trial), ...running];
  return { trials: ranked, numbers: Int32Array.from(ranked, (t) => t.number), nFinished: finished.length, maxNumber };
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
 */
export class RankedTrials {
  private readonly finished: Keyed[] = [];
  /** The numbers of `finished`, in the same order. */
  private readonly finishedNumbers: number[] = [];
  private readonly ingested = new Set<number>();
  private readonly folded = new FinishedPrefix();
  private maxFinishedNumber = -1;

  constructor(private readonly direction: Direction) {}

  rank(trials: readonly FrozenTrial[], current: FrozenTrial, constantLiar: boolean): RankedHistory {
    const running: FrozenTrial[] = [];
    let maxNumber = this.maxFinishedNumber;
    for (let t = this.folded.start(trials); t < trials.length; t++) {
      const trial = trials[t] as FrozenTrial;
      if (trial.state === 'COMPLETE' || trial.state === 'PRUNED') {
        if (!this.ingested.has(trial.id)) {
          this.ingested.add(trial.id);
          if (trial.state === 'PRUNED' || trial.values?.[0] !== undefined) this.insert(keyOf(trial, this.direction));
        }
      } else if (trial.state === 'RUNNING' && constantLiar && trial.id !== current.id && trial.number !== current.number) {
        running.push(trial);
        if (trial.number > maxNumber) maxNumber = trial.number;
      }
    }
    this.folded.advance(trials);
    const nFinished = this.finished.length;
    const ranked = new Array<FrozenTrial>(nFinished + running.length);
    const numbers = new Int32Array(nFinished + running.length);
    numbers.set(this.finishedNumbers);
    for (let i = 0; i < nFinished; i++) ranked[i] = (this.finished[i] as Keyed).trial;
    for (let i = 0; i < running.length; i++) {
      const trial = running[i] as FrozenTrial;
      ranked[nFinished + i] = trial;
      numbers[nFinished + i] = trial.number;
    }
    return { trials: ranked, numbers, nFinished, maxNumber };
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

function keyOf(trial: FrozenTrial, direction: Direction): Keyed {
  const sign = direction === 'minimize' ? 1 : -1;
  if (trial.state === 'COMPLETE') {
    const v = trial.values?.[0] as number;
    return { trial, stage: -Infinity, score: Number.isNaN(v) ? Infinity : sign * v };
  }
  let step = -1;
  let last = NaN;
  for (const [st, v] of trial.intermediateValues) {
    if (st > step) {
      step = st;
      last = v;
    }
  }
  return step < 0 ? { trial, stage: 1, score: 0 } : { trial, stage: -step, score: Number.isNaN(last) ? Infinity : sign * last };
}

function compareKeyed(a: Keyed, b: Keyed): number {
  return compareStage(a.stage, b.stage) || compareScore(a.score, b.score) || a.trial.number - b.trial.number;
}
