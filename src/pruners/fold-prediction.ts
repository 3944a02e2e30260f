/**
 * The numerics of the fold-predictive pruner: an additive two-way model of per-fold values,
 * value(trial t, fold f) = a_t + b_f + ε with ε ~ N(0, σ²), fitted to the finished trials
 * that ran every fold (a complete table), and the predictive distribution of a running
 * trial's mean over all the folds given the folds it has run.
 *
 * Fold effects b_f (centred) are the column means minus the grand mean; σ² is the residual
 * mean square of the table, with (T − 1)(K − 1) degrees of freedom. Because folds are
 * shared across trials, the folds' own difficulty is removed and every finished trial helps
 * estimate σ², which is what a test on one trial's few folds (a signed-rank test on 5 folds
 * can never get below p = 1/32) lacks.
 *
 * For a trial with observed folds O (n of them) and missing folds R (m = K − n): with a flat
 * prior, a_t | data ~ N(â, σ²/n), â = mean over O of (value − b_f); each missing value is
 * a_t + b_f + ε. Its mean over all K folds, M = (Σ_O value + Σ_R value)/K, is then
 * normal with mean (Σ_O value + Σ_R b_f + m·â)/K and variance σ²·(m²/n + m)/K², and
 * Student-t with the table's degrees of freedom when σ² is its estimate.
 */
import { studentTCdf } from '../numerics/student-t.js';

export interface FoldModel {
  /** Centred fold effects b_f by fold index. */
  readonly effects: ReadonlyMap<number, number>;
  /** Residual variance σ² (may be 0 when the table fits exactly). */
  readonly variance: number;
  /** (T − 1)(K − 1). */
  readonly df: number;
}

/**
 * Fits the two-way model to rows (one per finished trial) that all hold the same folds.
 * Undefined with fewer than 2 rows or 2 folds: there is nothing to estimate σ² from.
 */
export function fitFoldModel(rows: readonly ReadonlyMap<number, number>[]): FoldModel | undefined {
  const first = rows[0];
  if (rows.length < 2 || first === undefined || first.size < 2) return undefined;
  const folds = [...first.keys()].sort((a, b) => a - b);
  const T = rows.length;
  const K = folds.length;
  const rowMeans = rows.map((row) => folds.reduce((s, f) => s + (row.get(f) as number), 0) / K);
  const grand = rowMeans.reduce((a, b) => a + b, 0) / T;
  const effects = new Map<number, number>();
  for (const f of folds) effects.set(f, rows.reduce((s, row) => s + (row.get(f) as number), 0) / T - grand);
  let ss = 0;
  rows.forEach((row, t) => {
    for (const f of folds) {
      const r = (row.get(f) as number) - (rowMeans[t] as number) - (effects.get(f) as number);
      ss += r * r;
    }
  });
  const df = (T - 1) * (K - 1);
  return { effects, variance: ss / df, df };
}

export interface FoldForecast {
  /** Predictive mean of the trial's mean over all the model's folds. */
  readonly mean: number;
  /** Predictive standard deviation of that mean (a t scale with the model's df). */
  readonly scale: number;
  readonly df: number;
}

/**
 * The predictive distribution of the trial's mean over every fold of `model`, given the
 * values it has on some of them (folds outside the model are ignored). Undefined when it has
 * none of the model's folds.
 */
export function forecastFoldMean(model: FoldModel, observed: ReadonlyMap<number, number>): FoldForecast | undefined {
  let sumObserved = 0;
  let sumAdjusted = 0;
  let n = 0;
  let sumMissingEffects = 0;
  for (const [f, b] of model.effects) {
    const v = observed.get(f);
    if (v === undefined) sumMissingEffects += b;
    else {
      sumObserved += v;
      sumAdjusted += v - b;
      n++;
    }
  }
  if (n === 0) return undefined;
  const K = model.effects.size;
  const m = K - n;
  const level = sumAdjusted / n;
  return {
    mean: (sumObserved + sumMissingEffects + m * level) / K,
    scale: Math.sqrt((model.variance * (m * m / n + m)) / (K * K)),
    df: model.df,
  };
}

/**
 * P(M < target) for minimize, P(M > target) for maximize: the probability that the trial
 * ends better than `target` over all folds. A zero scale (every fold observed, or an exact
 * fit) gives 0 or 1 (ties count as not better).
 */
export function probabilityBetter(forecast: FoldForecast, target: number, direction: 'minimize' | 'maximize'): number {
  const gap = direction === 'minimize' ? target - forecast.mean : forecast.mean - target;
  if (!(forecast.scale > 0)) return gap > 0 ? 1 : 0;
  return studentTCdf(gap / forecast.scale, forecast.df);
}
