/**
 * The study history as multi-objective TPE reads it. Optuna's split, over all finished
 * trials: the good set takes γ(n) of them, first feasible COMPLETE trials front by front
 * (the last front cut by hypervolume subset selection, see `pareto-selection.ts`), then,
 * while room is left, infeasible trials by total violation (c-TPE). PRUNED trials, which
 * have no objective values, always go with the bad set, as do running trials under the
 * constant liar. Finished trials never change: each is read once, and the split is redone
 * only when the set of finished trials has grown. A paused trial (which a promotion may
 * resume) is the exception: read afresh on each ask, with the split redone for it.
 */
import { violation } from '../../multi-objective/constraints.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';
import { isPaused } from '../../storage/records.js';
import { FinishedPrefix } from './finished-prefix.js';
import type { GoodSet, RankedHistory } from './history.js';
import { contributionWeights, paretoRanks, selectGood } from './pareto-selection.js';

/** How the good trials of a multi-objective study are weighted. */
export type GoodWeightRule = 'hypervolume' | 'uniform';

interface Infeasible {
  readonly trial: FrozenTrial;
  readonly violation: number;
}

interface Split {
  /** Finished trials, good ones first. */
  readonly trials: readonly FrozenTrial[];
  readonly good: GoodSet;
}

export class ParetoRankedTrials {
  private readonly signs: number[];
  private readonly ingested = new Set<number>();
  private readonly folded = new FinishedPrefix();
  /** Feasible COMPLETE trials with one value per objective, in trial-number order, and their losses. */
  private readonly feasible: FrozenTrial[] = [];
  private readonly losses: Float64Array[] = [];
  /** Infeasible finished trials, least violating first (ties by number). */
  private readonly infeasible: Infeasible[] = [];
  private readonly pruned: FrozenTrial[] = [];
  private maxFinishedNumber = -1;
  private split: { finished: number; split: Split } | null = null;

  /**
   * @param gamma the size of the good set for n finished trials
   * @param weighting 'hypervolume': MOTPE's contribution weights; 'uniform': all 1 (Optuna 5)
   */
  constructor(
    directions: readonly Direction[],
    private readonly gamma: (n: number) => number,
    private readonly weighting: GoodWeightRule,
  ) {
    this.signs = directions.map((d) => (d === 'maximize' ? -1 : 1));
  }

  rank(trials: readonly FrozenTrial[], current: FrozenTrial, constantLiar: boolean): RankedHistory {
    const running: FrozenTrial[] = [];
    // A paused trial may be resumed and finish otherwise: read afresh on each ask, never kept.
    const paused: FrozenTrial[] = [];
    let maxNumber = this.maxFinishedNumber;
    for (let t = this.folded.start(trials); t < trials.length; t++) {
      const trial = trials[t] as FrozenTrial;
      if (isPaused(trial)) {
        paused.push(trial);
        if (trial.number > maxNumber) maxNumber = trial.number;
      } else if (trial.state === 'COMPLETE' || trial.state === 'PRUNED') {
        if (!this.ingested.has(trial.id)) {
          this.ingested.add(trial.id);
          this.ingest(trial);
        }
      } else if (trial.state === 'RUNNING' && constantLiar && trial.id !== current.id && trial.number !== current.number) {
        running.push(trial);
        if (trial.number > maxNumber) maxNumber = trial.number;
      }
    }
    this.folded.advance(trials);
    let finished = this.feasible.length + this.infeasible.length + this.pruned.length;
    let split: Split;
    if (paused.length === 0) {
      if (this.split?.finished !== finished) this.split = { finished, split: this.splitFinished(this.infeasible, this.pruned, this.maxFinishedNumber) };
      split = this.split.split;
    } else {
      const infeasible = [...this.infeasible];
      const pruned = [...this.pruned];
      for (const trial of paused) {
        const v = violation(trial);
        if (v > 0) infeasible.splice(bisect(infeasible, (x) => x.violation < v || (x.violation === v && x.trial.number < trial.number)), 0, { trial, violation: v });
        else pruned.push(trial);
      }
      finished += paused.length;
      split = this.splitFinished(infeasible, pruned, Math.max(this.maxFinishedNumber, ...paused.map((t) => t.number)));
    }
    const { trials: ranked, good } = split;
    const all = running.length === 0 ? ranked : [...ranked, ...running];
    return { trials: all, numbers: Int32Array.from(all, (t) => t.number), nFinished: finished, maxNumber, good };
  }

  private ingest(trial: FrozenTrial): void {
    const m = this.signs.length;
    if (trial.state === 'COMPLETE' && trial.values?.length !== m) return;
    if (trial.number > this.maxFinishedNumber) this.maxFinishedNumber = trial.number;
    const v = violation(trial);
    if (v > 0) {
      const at = bisect(this.infeasible, (x) => x.violation < v || (x.violation === v && x.trial.number < trial.number));
      this.infeasible.splice(at, 0, { trial, violation: v });
    } else if (trial.state === 'PRUNED') {
      this.pruned.push(trial);
    } else {
      const values = trial.values as number[];
      const loss = new Float64Array(m);
      // NaN counts as the worst value, as with one objective.
      for (let k = 0; k < m; k++) loss[k] = Number.isNaN(values[k]) ? Infinity : (this.signs[k] as number) * (values[k] as number);
      const at = bisect(this.feasible, (x) => x.number < trial.number);
      this.feasible.splice(at, 0, trial);
      this.losses.splice(at, 0, loss);
    }
  }

  private splitFinished(infeasibleTrials: readonly Infeasible[], prunedTrials: readonly FrozenTrial[], maxFinishedNumber: number): Split {
    const n = this.feasible.length + infeasibleTrials.length + prunedTrials.length;
    const size = Math.min(n, Math.max(0, Math.round(this.gamma(n))));
    const ranks = paretoRanks(this.losses);
    const goodFeasible = selectGood(this.losses, ranks, Math.min(size, this.feasible.length));
    const goodInfeasible = Math.min(infeasibleTrials.length, size - goodFeasible.length);
    const trials: FrozenTrial[] = goodFeasible.map((i) => this.feasible[i] as FrozenTrial);
    for (let i = 0; i < goodInfeasible; i++) trials.push((infeasibleTrials[i] as Infeasible).trial);
    const count = trials.length;
    const isGood = new Uint8Array(this.feasible.length);
    for (const i of goodFeasible) isGood[i] = 1;
    this.feasible.forEach((trial, i) => isGood[i] === 0 && trials.push(trial));
    for (let i = goodInfeasible; i < infeasibleTrials.length; i++) trials.push((infeasibleTrials[i] as Infeasible).trial);
    trials.push(...prunedTrials);
    let weights: Float64Array | null = null;
    if (this.weighting === 'hypervolume') {
      weights = new Float64Array(maxFinishedNumber + 1);
      const feasibleWeights = contributionWeights(
        goodFeasible.map((i) => this.losses[i] as Float64Array),
        (k) => ranks[goodFeasible[k] as number] === 0,
      );
      goodFeasible.forEach((i, k) => ((weights as Float64Array)[(this.feasible[i] as FrozenTrial).number] = feasibleWeights[k] as number));
      // Infeasible good trials (the least violating, there while fewer than γ(n) trials are
      // feasible) have no hypervolume to weigh them by: they weigh 1, as every good trial does
      // in Optuna 5, so that l(x) leads towards feasibility. (Optuna 4's EPS left l(x) the
      // prior alone until feasible trials appeared: random search on a problem whose feasible
      // set is small, e.g. C2-DTLZ2, where sodate found none in 100 trials on most seeds.)
      for (let i = 0; i < goodInfeasible; i++) weights[(infeasibleTrials[i] as Infeasible).trial.number] = 1;
    }
    return { trials, good: { count, weights } };
  }
}

/** The first index of the sorted `list` where `before` no longer holds. */
function bisect<T>(list: readonly T[], before: (x: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(list[mid] as T)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
