import { OptionError } from '../../errors.js';
import type { ParamColumn, TrialMatrix } from '../columns.js';
import { NotEnoughTrialsError } from '../errors.js';
import { discreteMasses, gridDensity, pearsonDivergence, scottBandwidth, unitGrid } from '../numerics/kde.js';
import type { ParamImportance } from './types.js';
import { normalizeImportances } from './types.js';

/** Grid points of a continuous parameter's density (Optuna's PED-ANOVA uses 50 steps too). */
const GRID_SIZE = 50;
/** A discrete numeric parameter with at most this many values gets exact masses per value. */
const MAX_DISCRETE_VALUES = GRID_SIZE;
/** The fewest top trials the divergence is computed from. */
export const MIN_TOP_TRIALS = 2;

/**
 * PED-ANOVA (Watanabe et al., 2023): a parameter matters as much as the density of its
 * values among the top-γ′ trials differs from its density among all trials, measured by
 * the Pearson divergence ∫ p_all·(p_top/p_all − 1)². In the paper this divergence equals
 * the variance (under p_all) of the indicator "this trial is in the top γ′" explained by
 * that parameter alone, up to a constant — an ANOVA main effect obtained without fitting
 * a model, which is why it is fast (O(n) per parameter after one sort).
 *
 * Densities: a Gaussian KDE (Scott's bandwidth, at least one grid cell) on 50 points of
 * the [0, 1]-mapped range (log-mapped for log distributions) for continuous parameters;
 * exact masses per value for categorical and discrete numeric ones. Both carry a uniform
 * prior of weight 1/(n + 1), which keeps the divergence finite and shrinks it toward 0
 * when few trials back a density.
 *
 * Conditional parameters (Conditional PED-ANOVA, as in Optuna 5): the divergence is
 * computed over the trials that have the parameter (its top trials against all of them)
 * and weighted by α²/β, with α the share of the top trials that have it and β the share of
 * all trials that do. Inside its branch the top rate is γ′α/β, not γ′, so the divergence
 * there is the variance of the top indicator the parameter explains up to (γ′α/β)²;
 * times the branch's probability β, that is α²/β (γ′² is common to all and cancels). A
 * parameter of a branch the top trials rarely come from thus counts little. Whether it is
 * present at all is its parent's effect, counted there.
 */
export function pedAnova(matrix: TrialMatrix, quantile = 0.1): ParamImportance[] {
  if (!(quantile > 0 && quantile < 1)) throw new OptionError(`quantile must be within (0, 1), got ${quantile}`);
  const n = matrix.losses.length;
  const nTop = Math.max(MIN_TOP_TRIALS, Math.ceil(quantile * n));
  if (n < nTop + 1) throw new NotEnoughTrialsError(`PED-ANOVA needs at least ${MIN_TOP_TRIALS + 1} complete trials with a finite value, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (matrix.losses[a] as number) - (matrix.losses[b] as number) || a - b);
  const isTop = new Uint8Array(n);
  for (let k = 0; k < nTop; k++) isTop[order[k] as number] = 1;
  return normalizeImportances(matrix.columns.map((c) => ({ name: c.name, value: divergence(c, isTop, n, nTop) })));
}

function divergence(column: ParamColumn, isTop: Uint8Array, n: number, nTop: number): number {
  const all: number[] = [];
  const top: number[] = [];
  const absent = column.kind === 'categorical' ? (v: number) => v < 0 : (v: number) => Number.isNaN(v);
  const discrete = column.kind === 'categorical' || column.cardinality <= MAX_DISCRETE_VALUES;
  const size = column.kind === 'categorical' ? column.choices.length : discrete ? column.cardinality : GRID_SIZE;
  if (size <= 1) return 0;
  for (let i = 0; i < n; i++) {
    const v = column.values[i] as number;
    if (absent(v)) continue;
    // Discrete numeric: the unit value onto its index among the `size` grid values.
    const x = column.kind === 'numeric' && discrete ? Math.round(v * (size - 1)) : v;
    all.push(x);
    if (isTop[i] === 1) top.push(x);
  }
  if (top.length === 0 || all.length < 2) return 0;
  let pTop: Float64Array;
  let pAll: Float64Array;
  if (discrete) {
    pTop = discreteMasses(top, size, 1 / (top.length + 1));
    pAll = discreteMasses(all, size, 1 / (all.length + 1));
  } else {
    const grid = unitGrid(GRID_SIZE);
    const minBandwidth = 1 / GRID_SIZE;
    pTop = gridDensity(top, grid, scottBandwidth(top, minBandwidth), 1 / (top.length + 1));
    pAll = gridDensity(all, grid, scottBandwidth(all, minBandwidth), 1 / (all.length + 1));
  }
  // α²/β: 1 for a parameter every trial has.
  const topShare = top.length / nTop;
  const share = all.length / n;
  return ((topShare * topShare) / share) * pearsonDivergence(pTop, pAll);
}
