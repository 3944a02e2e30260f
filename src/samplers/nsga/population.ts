import { dominates, nonDominatedRanks, toLosses } from '../../multi-objective/dominance.js';
import { violation } from '../../multi-objective/constraints.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';

/** A COMPLETE trial as selection sees it: its objective values as losses, and its constraint violation. */
export interface Individual {
  readonly trial: FrozenTrial;
  /** One value per objective, maximised ones negated: lower is better everywhere. */
  readonly losses: readonly number[];
  /** Sum of the positive constraint values; 0 when feasible (or unconstrained). */
  readonly violation: number;
}

/** Whether a trial can take part in selection: COMPLETE with one non-NaN value per objective. */
export function isSelectable(trial: FrozenTrial, objectives: number): boolean {
  const values = trial.values;
  return trial.state === 'COMPLETE' && values !== null && values.length === objectives && values.every((v) => !Number.isNaN(v));
}

export function toIndividual(trial: FrozenTrial, directions: readonly Direction[]): Individual {
  return { trial, losses: toLosses(trial.values as number[], directions), violation: violation(trial) };
}

/**
 * Deb's constrained domination: a feasible individual beats an infeasible one; of two
 * infeasible ones the smaller violation wins; of two feasible ones, Pareto dominance.
 * Without constraints every violation is 0 and this is plain dominance.
 */
export function constrainedDominates(a: Individual, b: Individual): boolean {
  if (a.violation === 0 && b.violation === 0) return dominates(a.losses, b.losses);
  return a.violation < b.violation;
}

/**
 * The population split into fronts, best first, by constrained non-dominated sorting:
 * the feasible individuals by Pareto rank, then the infeasible ones by increasing
 * violation (equal violations share a front). Within a front, the input order is kept.
 */
export function rankFronts(population: readonly Individual[]): Individual[][] {
  const feasible = population.filter((p) => p.violation === 0);
  const infeasible = population.filter((p) => p.violation > 0);
  const fronts: Individual[][] = [];
  const ranks = nonDominatedRanks(feasible.map((p) => p.losses));
  feasible.forEach((p, i) => {
    const r = ranks[i] as number;
    (fronts[r] ??= []).push(p);
  });
  const byViolation = infeasible.map((p, i) => ({ p, i })).sort((x, y) => x.p.violation - y.p.violation || x.i - y.i);
  let last = Number.NaN;
  for (const { p } of byViolation) {
    if (p.violation !== last) fronts.push([]);
    (fronts[fronts.length - 1] as Individual[]).push(p);
    last = p.violation;
  }
  return fronts;
}
