import type { Direction, FrozenTrial } from '../storage/records.js';
import { isFeasible } from './constraints.js';
import { paretoFrontIndices, toLosses } from './dominance.js';

/**
 * The Pareto front of a study's COMPLETE, feasible trials (infeasible ones never enter
 * it), in trial-number order. Trials with a NaN or a missing value are left out.
 */
export function paretoFront(trials: readonly FrozenTrial[], directions: readonly Direction[]): FrozenTrial[] {
  const candidates = trials.filter(
    (t) => t.state === 'COMPLETE' && t.values !== null && t.values.length === directions.length && t.values.every((v) => !Number.isNaN(v)) && isFeasible(t),
  );
  const losses = candidates.map((t) => toLosses(t.values as number[], directions));
  return paretoFrontIndices(losses).map((i) => candidates[i] as FrozenTrial);
}
