import { isFeasible } from '../../multi-objective/constraints.js';
import { dominates, toLosses } from '../../multi-objective/dominance.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';

/**
 * What the multi-objective plots read: COMPLETE trials with a finite value for every
 * objective, in trial-number order, with their losses (maximised objectives negated) and
 * feasibility. A trial with a missing, NaN or infinite value is not drawn.
 */
export interface ObjectiveTrial {
  readonly trial: FrozenTrial;
  readonly values: readonly number[];
  readonly losses: readonly number[];
  readonly feasible: boolean;
}

export function objectiveTrials(trials: readonly FrozenTrial[], directions: readonly Direction[]): ObjectiveTrial[] {
  const out: ObjectiveTrial[] = [];
  for (const t of trials) {
    const values = t.values;
    if (t.state !== 'COMPLETE' || values === null || values.length !== directions.length || !values.every(Number.isFinite)) continue;
    out.push({ trial: t, values, losses: toLosses(values, directions), feasible: isFeasible(t) });
  }
  return out.sort((a, b) => a.trial.number - b.trial.number);
}

/**
 * The Pareto front of the points added so far, kept as points arrive: a newcomer that a
 * member dominates is refused, members it dominates leave. Equal points are all kept, as
 * `paretoFront` keeps them. O(front size) per point instead of a full sort per step, so
 * the history of 10,000 trials stays cheap.
 */
export class FrontSoFar<T extends { readonly losses: readonly number[] }> {
  private members: T[] = [];

  /** Add a point; true when it joined the front (so the front changed). */
  add(point: T): boolean {
    for (const m of this.members) if (dominates(m.losses, point.losses)) return false;
    this.members = this.members.filter((m) => !dominates(point.losses, m.losses));
    this.members.push(point);
    return true;
  }

  get front(): readonly T[] {
    return this.members;
  }
}
