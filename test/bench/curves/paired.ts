/**
 * Paired comparison of a pruned study with the no-pruning study of the same seed, cut
 * at the same number of epochs: the pruner wins when its best final value is better
 * than the best the no-pruning study had finished within the epochs the pruner used.
 */

/** One study's outcome: per trial in number order, epochs run and the final value when it completed. */
export interface StudyRun {
  readonly epochs: readonly number[];
  readonly finals: readonly (number | null)[];
  /** Per trial, the final value it would have reached unpruned (when the bench knows it). */
  readonly wouldBe?: readonly number[];
  /** How many distinct recorded configurations its trials replayed (a recorded table only). */
  readonly distinct?: number;
}

export type Direction = 'minimize' | 'maximize';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

export function totalEpochs(run: StudyRun): number {
  return sum(run.epochs);
}

/** Best final value of the first trials whose epochs fit in `budget` (all of them by default). */
export function bestWithin(run: StudyRun, direction: Direction, budget = Infinity): number {
  const sign = direction === 'minimize' ? 1 : -1;
  let used = 0;
  let best = Infinity;
  for (let i = 0; i < run.epochs.length; i++) {
    used += run.epochs[i] as number;
    if (used > budget) break;
    const f = run.finals[i];
    if (f !== null && f !== undefined && Number.isFinite(f) && sign * f < best) best = sign * f;
  }
  return sign * best;
}

/** Normalised regret: 0 at the problem's optimum, 1 at its median configuration. */
export function regret(best: number, direction: Direction, optimum: number, scale: number): number {
  if (!Number.isFinite(best)) return Infinity;
  return ((direction === 'minimize' ? best - optimum : optimum - best) / scale);
}

export interface Paired {
  readonly epochs: number;
  readonly regret: number;
  /** No-pruning's regret at the same number of epochs. */
  readonly referenceRegret: number;
  /** 1 win, 0 tie, −1 loss. */
  readonly outcome: 1 | 0 | -1;
  /** A pruned trial would have ended better than the study's best (undefined: not known). */
  readonly prunedBest: boolean | undefined;
  /**
   * A loss where the study pruned a trial that would have ended at least as well as
   * no-pruning's best at equal epochs: the pruner's fault, not the sampler's path (undefined:
   * not a loss, or not known).
   */
  readonly lostToPruning: boolean | undefined;
}

/** A pruned trial would have ended better than `value` (`orEqual`: at least as well); undefined when not known. */
function prunedBetterThan(run: StudyRun, direction: Direction, value: number, orEqual: boolean): boolean | undefined {
  if (run.wouldBe === undefined) return undefined;
  const sign = direction === 'minimize' ? 1 : -1;
  const margin = orEqual ? 1e-12 : 0;
  return run.wouldBe.some((w, i) => run.finals[i] === null && run.epochs[i] !== 0 && sign * w < sign * value + margin);
}

export function pair(run: StudyRun, reference: StudyRun, direction: Direction, optimum: number, scale: number): Paired {
  const epochs = totalEpochs(run);
  const best = bestWithin(run, direction);
  const r = regret(best, direction, optimum, scale);
  const referenceBest = bestWithin(reference, direction, epochs);
  const ref = regret(referenceBest, direction, optimum, scale);
  const tie = (r === ref) || Math.abs(r - ref) <= 1e-9;
  const outcome = tie ? 0 : r < ref ? 1 : -1;
  const lostToPruning = outcome === -1 ? prunedBetterThan(run, direction, referenceBest, true) : undefined;
  return { epochs, regret: r, referenceRegret: ref, outcome, prunedBest: prunedBetterThan(run, direction, best, false), lostToPruning };
}

/** Two-sided sign test: P(a split at least as uneven as wins:losses) under a fair coin, ties dropped. */
export function signTestP(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  let tail = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= k; i++) {
    tail += c;
    c = (c * (n - i)) / (i + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** One table row: epochs as a share of no-pruning's, median regrets, W/T/L and the sign test. */
export function summaryCells(pairs: readonly Paired[], fullEpochs: number): string[] {
  const wins = pairs.filter((p) => p.outcome === 1).length;
  const ties = pairs.filter((p) => p.outcome === 0).length;
  const losses = pairs.filter((p) => p.outcome === -1).length;
  const share = sum(pairs.map((p) => p.epochs)) / (fullEpochs * pairs.length);
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'inf');
  return [
    // One decimal: the bar is "at most half the epochs", and 50.3% is not.
    `${(100 * share).toFixed(1)}%`,
    fmt(median(pairs.map((p) => p.regret))),
    fmt(median(pairs.map((p) => p.referenceRegret))),
    fmt(median(pairs.map((p) => p.regret - p.referenceRegret))),
    `${wins}/${ties}/${losses}`,
    signTestP(wins, losses).toFixed(3),
    pairs.some((p) => p.prunedBest === undefined) ? '-' : `${pairs.filter((p) => p.prunedBest === true).length}/${pairs.length}`,
    pairs.some((p) => p.outcome === -1 && p.lostToPruning === undefined) ? '-' : `${pairs.filter((p) => p.lostToPruning === true).length}/${losses}`,
  ];
}

export const SUMMARY_HEADER = ['epochs used', 'regret (median)', 'none at equal epochs', 'paired diff (median)', 'W/T/L vs none', 'sign p', 'pruned a would-be best', 'losses: pruned a winner'] as const;
