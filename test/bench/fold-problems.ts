/**
 * The 5-fold synthetic problems of folds.bench.ts (test/bench/optuna/folds.py holds the
 * same formulas): a trial's value on fold f is the configuration's quality, plus the fold's
 * effect (some folds are harder for every configuration), plus noise drawn from the
 * benchmark's integer hash (`gaussian(seed, trial number, fold)`), so both libraries see
 * the same numbers for the same trial. Regret is taken on the quality alone.
 */
import type { Direction } from '../../src/storage/records.js';
import type { Suggest } from './problems.js';
import { branin, hartmann6 } from './problems.js';
import { gaussian } from './pruner-curves.js';

export const FOLDS = 5;
/** Relative fold effects, scaled per problem: fold 3 is the hardest for every configuration. */
export const FOLD_EFFECT = [0, 0.6, -0.4, 1.0, -0.2];

export interface FoldProblem {
  readonly name: string;
  readonly direction: Direction;
  /** The best quality, for regret. */
  readonly optimum: number;
  /** Scale of the fold effects and standard deviation of the per-fold noise. */
  readonly foldScale: number;
  readonly sigma: number;
  /** Suggests the parameters and returns the configuration's noise-free quality. */
  readonly quality: (trial: Suggest) => number;
}

export const FOLD_PROBLEMS: readonly FoldProblem[] = [
  {
    name: 'branin',
    direction: 'minimize',
    optimum: 0.397887357729739,
    foldScale: 2,
    sigma: 2,
    quality: (t) => branin(t.suggestFloat('x1', -5, 10), t.suggestFloat('x2', 0, 15)),
  },
  {
    name: 'hartmann6',
    direction: 'minimize',
    optimum: -3.32236801141551,
    foldScale: 0.2,
    sigma: 0.2,
    quality: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))),
  },
  {
    // An accuracy: maximized, small differences, the shape of a real cross-validated score.
    name: 'accuracy',
    direction: 'maximize',
    optimum: 0.95,
    foldScale: 0.02,
    sigma: 0.01,
    quality: (t) => 0.95 - 0.15 * Array.from({ length: 4 }, (_, i) => (t.suggestFloat(`x${i}`, 0, 1) - 0.3) ** 2).reduce((a, b) => a + b, 0),
  },
];

/** What the objective reports on fold `fold` of trial `number` under benchmark seed `seed`. */
export function foldValue(problem: FoldProblem, quality: number, seed: number, number: number, fold: number): number {
  return quality + problem.foldScale * (FOLD_EFFECT[fold] as number) + problem.sigma * gaussian(seed, number, fold);
}
