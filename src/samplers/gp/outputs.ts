/**
 * What the GP sampler fits besides one objective: the targets of constraint GPs, and the
 * trials whose points seed the acquisition search when there are several objectives or
 * constraints.
 */
import { paretoFrontIndices } from '../../multi-objective/dominance.js';
import type { Rng } from '../rng.js';

export interface ConstraintTargets {
  /** Standardised constraint values, lower is more feasible. */
  readonly y: Float64Array;
  /** Where 0 (the feasibility limit) lies in standardised units. */
  readonly threshold: number;
}

/** Stored violations of a trial that measured NaN are ±1e308 (JSON has no NaN): treat those as unmeasurable too. */
const HUGE = 1e300;

/**
 * Constraint values (≤ 0 satisfied) as a GP target: standardised, with the limit 0 mapped
 * along. A NaN, infinite or ±1e308 value becomes a clear violation (above both the worst
 * measured value and 0) or, if −∞, the best measured value, so one unmeasurable trial
 * cannot stretch the scale.
 */
export function constraintTargets(raw: readonly number[]): ConstraintTargets {
  const usable = raw.filter((v) => Number.isFinite(v) && Math.abs(v) < HUGE);
  const lo = usable.length > 0 ? Math.min(...usable) : 0;
  const hi = usable.length > 0 ? Math.max(...usable) : 0;
  const violated = Math.max(hi, 0) + Math.max(1e-6, hi - lo);
  const values = raw.map((v) => (Number.isFinite(v) && Math.abs(v) < HUGE ? v : v < 0 ? lo : violated));
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const spread = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sd = spread > 1e-12 ? spread : 1;
  return { y: Float64Array.from(values, (v) => (v - mean) / sd), threshold: -mean / sd };
}

/**
 * Up to `count` feasible trials to perturb around: the Pareto front of the objectives
 * (maximisation sense, one array per objective), a random subset when it is larger, as
 * Optuna picks; for one objective, the best values. Indices into the fitted trials.
 */
export function feasibleAnchors(objectives: readonly Float64Array[], feasible: readonly number[], count: number, rng: Rng): number[] {
  if (objectives.length === 1) {
    const y = objectives[0] as Float64Array;
    return [...feasible].sort((a, b) => (y[b] as number) - (y[a] as number) || a - b).slice(0, count);
  }
  const losses = feasible.map((i) => objectives.map((y) => -(y[i] as number)));
  const front = paretoFrontIndices(losses).map((k) => feasible[k] as number);
  for (let i = front.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [front[i], front[j]] = [front[j] as number, front[i] as number];
  }
  return front.slice(0, count);
}

/** While nothing is feasible: the `count` trials closest to it (least total violation). */
export function leastViolatingAnchors(violations: readonly number[], count: number): number[] {
  return violations
    .map((v, i) => ({ v, i }))
    .sort((a, b) => a.v - b.v || a.i - b.i)
    .slice(0, count)
    .map((e) => e.i);
}
