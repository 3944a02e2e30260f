/**
 * The numerics of the fold-predictive pruner: an additive two-way model of per-fold values,
 * value(trial t, fold f) = a_t + b_f + ε with ε ~ N(0, σ²), fitted by least squares to the
 * folds the finished trials ran, and the predictive distribution of a running trial's mean
 * over all the folds given the folds it has run.
 *
 * Rows may have holes (a trial that ran only some folds). Which rows to give it is the
 * caller's business, and matters: least squares with a free level per trial is biased when
 * which folds a trial ran depended on its values (a pruned trial was unlucky on its last
 * fold, a survivor lucky on its first), holes or not; the pruner passes rows that ran every
 * fold whatever their values.
 *
 * Fit: the trial levels are eliminated within each row (a row on folds O, n of them, gives
 * the centred values y_f − ȳ_O); the fold effects b (centred, Σ b_f = 0) solve
 * A b = r with A = Σ_rows (I_O − 1_O 1_Oᵀ/n), r = Σ_rows centred values. σ² is the residual
 * mean square on N − rows − (K − 1) degrees of freedom (N values), and the effects'
 * estimation error has covariance σ² A⁺. On a complete table this is the classical
 * balanced fit: b_f = column mean − grand mean, (T − 1)(K − 1) df, Cov = σ²(I − J/K)/T.
 *
 * Forecast, for a trial with observed folds O (n) and missing folds R (m = K − n), flat
 * prior on its level: â = mean over O of (value − b̂_f), each missing value is
 * a_t + b_f + ε. Its mean over all K folds, M = (Σ_O value + Σ_R value)/K, is forecast as
 * (Σ_O value + Σ_R b̂_f + m·â)/K. The error has two independent parts: the new noise,
 * σ²(m²/n + m)/K², and the error of the estimated effects, cᵀ(σ² A⁺)c/K² with c_f = −1 on
 * R and m/n on O (on a complete table of T rows: σ²(m²/n + m)/(T·K²), the 1/T the plain
 * plug-in forecast leaves out). With σ² estimated, the forecast is Student-t on the
 * residual degrees of freedom.
 */
import { studentTCdf } from '../numerics/student-t.js';

export interface FoldModel {
  /** The model's folds, ascending. */
  readonly folds: readonly number[];
  /** Centred fold effects b_f by fold index. */
  readonly effects: ReadonlyMap<number, number>;
  /** Residual variance σ² (may be 0 when the table fits exactly). */
  readonly variance: number;
  /** Residual degrees of freedom: values − rows − (K − 1); (T − 1)(K − 1) on a complete table. */
  readonly df: number;
  /**
   * (A + J/K)⁻¹, K × K row-major in the order of `folds`: on contrasts (Σ c_f = 0) it acts as
   * A⁺, so σ²·cᵀ(this)c is the variance of cᵀb̂.
   */
  readonly effectCovariance: Float64Array;
}

/**
 * Fits the two-way model to rows (one per finished trial) holding any of `folds` (values on
 * other folds are ignored; by default the folds of the first row). Undefined with fewer than
 * 2 folds, no residual degrees of freedom, or folds the rows do not connect (no row links
 * them to the others, so their effects cannot be told from the levels).
 */
export function fitFoldModel(rows: readonly ReadonlyMap<number, number>[], folds: readonly number[] = [...(rows[0]?.keys() ?? [])]): FoldModel | undefined {
  const order = [...new Set(folds)].sort((a, b) => a - b);
  const K = order.length;
  if (K < 2) return undefined;
  const index = new Map(order.map((f, i) => [f, i] as const));
  // Each row as (fold position, value) pairs on the model's folds.
  const cells = rows.map((row) => [...row].flatMap(([f, v]) => (index.has(f) ? [[index.get(f) as number, v] as const] : [])));
  const used = cells.filter((c) => c.length > 0);
  const values = used.reduce((s, c) => s + c.length, 0);
  const df = values - used.length - (K - 1);
  if (df < 1) return undefined;
  const a = new Float64Array(K * K);
  const r = new Float64Array(K);
  for (const c of used) {
    const n = c.length;
    const rowMean = c.reduce((s, [, v]) => s + v, 0) / n;
    for (const [i, v] of c) {
      r[i] = (r[i] as number) + v - rowMean;
      for (const [j] of c) a[i * K + j] = (a[i * K + j] as number) + (i === j ? 1 : 0) - 1 / n;
    }
  }
  for (let k = 0; k < K * K; k++) a[k] = (a[k] as number) + 1 / K;
  const covariance = invertPositiveDefinite(a, K);
  if (covariance === undefined) return undefined;
  const b = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += (covariance[i * K + j] as number) * (r[j] as number);
    b[i] = s;
  }
  let ss = 0;
  for (const c of used) {
    const level = c.reduce((s, [i, v]) => s + v - (b[i] as number), 0) / c.length;
    for (const [i, v] of c) ss += (v - level - (b[i] as number)) ** 2;
  }
  return { folds: order, effects: new Map(order.map((f, i) => [f, b[i] as number] as const)), variance: ss / df, df, effectCovariance: covariance };
}

/**
 * The inverse of a symmetric positive definite K × K matrix (row-major) through its Cholesky
 * factor; undefined when a pivot falls below 1e-10 of the largest diagonal (singular: folds
 * not connected by the rows).
 */
function invertPositiveDefinite(a: Float64Array, K: number): Float64Array | undefined {
  const l = new Float64Array(K * K);
  let scale = 0;
  for (let i = 0; i < K; i++) scale = Math.max(scale, a[i * K + i] as number);
  for (let j = 0; j < K; j++) {
    let d = a[j * K + j] as number;
    for (let k = 0; k < j; k++) d -= (l[j * K + k] as number) ** 2;
    if (!(d > 1e-10 * scale)) return undefined;
    const pivot = Math.sqrt(d);
    l[j * K + j] = pivot;
    for (let i = j + 1; i < K; i++) {
      let s = a[i * K + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * K + k] as number) * (l[j * K + k] as number);
      l[i * K + j] = s / pivot;
    }
  }
  // Column by column: solve L y = e_c, then Lᵀ x = y.
  const inverse = new Float64Array(K * K);
  const y = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < K; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= (l[i * K + k] as number) * (y[k] as number);
      y[i] = s / (l[i * K + i] as number);
    }
    for (let i = K - 1; i >= 0; i--) {
      let s = y[i] as number;
      for (let k = i + 1; k < K; k++) s -= (l[k * K + i] as number) * (inverse[k * K + c] as number);
      inverse[i * K + c] = s / (l[i * K + i] as number);
    }
  }
  // Symmetrise against rounding.
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      const m = ((inverse[i * K + j] as number) + (inverse[j * K + i] as number)) / 2;
      inverse[i * K + j] = m;
      inverse[j * K + i] = m;
    }
  }
  return inverse;
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
  const K = model.folds.length;
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
  const m = K - n;
  const level = sumAdjusted / n;
  // c_f = −1 on the missing folds, m/n on the observed: the forecast's error from the effects.
  const c = model.folds.map((f) => (observed.has(f) ? m / n : -1));
  let effectError = 0;
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) effectError += (c[i] as number) * (model.effectCovariance[i * K + j] as number) * (c[j] as number);
  return {
    mean: (sumObserved + sumMissingEffects + m * level) / K,
    scale: Math.sqrt((model.variance * (m * m / n + m + Math.max(0, effectError))) / (K * K)),
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
