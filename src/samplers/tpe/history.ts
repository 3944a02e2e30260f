/**
 * The study history as TPE reads it: finished trials ranked best first, then the other
 * running trials (the constant liar ranks them worst of all, so they always fall in the
 * "above" set and push new samples away from where other workers are already looking).
 */
import type { Direction, FrozenTrial } from '../../storage/records.js';

export interface RankedHistory {
  /** Finished (COMPLETE, PRUNED) trials best first, then running ones. */
  readonly trials: readonly FrozenTrial[];
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
  return { trials: [...finished.map((k) => k.trial), ...running], nFinished: finished.length, maxNumber };
}

function compareStage(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareScore(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
