/**
 * The components of a Parzen estimator: kernel centres and widths per numeric dimension
 * (Hyperopt's neighbour-gap rule or Scott's, with the magic clip), Aitchison–Aitken
 * weights per categorical one, and drawing one value from a component.
 */
import type { Rng } from '../rng.js';
import { logGaussMass, ndtr, truncnormPpf } from '../../numerics/truncnorm.js';
import type { CategoricalDomain, NumericDomain } from './domain.js';
import type { WorkArrays } from './work-arrays.js';

export type BandwidthRule = 'neighbor' | 'scott';

export interface EstimatorSettings {
  /** Weight of the prior component (uniform-ish over the domain), relative to an observation of weight 1. */
  readonly priorWeight: number;
  /** Floor kernel widths at `max(minBandwidthFactor, 1/(1 + components))` of the range. */
  readonly magicClip: boolean;
  readonly minBandwidthFactor: number;
  readonly bandwidth: BandwidthRule;
  /** Probability a categorical kernel puts off its observed choice; 'auto' shrinks with the number of observations. */
  readonly categoricalBandwidth: number | 'auto';
}

export interface NumericKernels {
  readonly kind: 'numeric';
  readonly domain: NumericDomain;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /**
   * log mass of [low, high] under each component (the truncation normaliser); NaN where
   * it is deferred until needed: read it with `logNormOf`.
   */
  readonly logNorm: Float64Array;
}

export interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly domain: CategoricalDomain;
  /** Observed choice of each component; -1 for the prior (uniform). */
  readonly choices: Int32Array;
  readonly logHit: Float64Array;
  readonly logMiss: Float64Array;
}

export type Kernels = NumericKernels | CategoricalKernels;

/**
 * The kernels of one numeric dimension; their arrays come from `work`. `observed` is the
 * number of components before equal observations were merged (it sets the magic clip).
 */
export function numericKernels(
  domain: NumericDomain,
  obs: Float64Array,
  withPrior: boolean,
  observed: number,
  dims: number,
  settings: EstimatorSettings,
  order: Int32Array | null,
  work: WorkArrays,
): NumericKernels {
  const n = obs.length;
  const m = n + (withPrior ? 1 : 0);
  const { low, high } = domain;
  const range = high - low;
  const mus = work.float64(m);
  mus.set(obs);
  const sigmas = settings.bandwidth === 'neighbor' ? neighborBandwidths(obs, low, high, m, order, work) : scottBandwidths(obs, dims, m, order, work);
  const floorFactor = settings.magicClip ? Math.max(settings.minBandwidthFactor, 1 / (1 + observed)) : 1e-12;
  const minSigma = floorFactor * range;
  for (let i = 0; i < n; i++) {
    const s = sigmas[i] as number;
    sigmas[i] = s < minSigma || Number.isNaN(s) ? minSigma : s > range ? range : s;
  }
  if (withPrior) {
    mus[n] = 0.5 * (low + high);
    sigmas[n] = range;
  }
  const logNorm = work.float64(m);
  for (let i = 0; i < m; i++) {
    const mu = mus[i] as number;
    const inv = 1 / (sigmas[i] as number);
    logNorm[i] = eagerLogNorm((low - mu) * inv, (high - mu) * inv);
  }
  return { kind: 'numeric', domain, mus, sigmas, logNorm };
}

/** A bound on −log Z for a deferred normaliser Z: see `eagerLogNorm`. */
const DEFERRED_NEG_LOG_NORM_BOUND = 2;

/**
 * The normaliser log(Φ(b) − Φ(a)) when it costs nothing: exactly 0 for a kernel whose tails
 * beyond both ends are negligible, as for most of them. A kernel near an end would need a
 * normal tail, which only the few kernels that matter at a point get evaluated for: its
 * normaliser is deferred (NaN) when the interval holds the centre and is at least half a
 * width long, so that Z ≥ Φ(½) − Φ(0) ≈ 0.19 > e^-2.
 */
function eagerLogNorm(a: number, b: number): number {
  if (a < -8.5 && b > 8.5) return 0;
  if (a <= 0 && b >= 0 && b - a >= 0.5) return NaN;
  return logCentralMass(a, b);
}

/** Component i's normaliser log Z, computed on first use. */
export function logNormOf(k: NumericKernels, i: number): number {
  const known = k.logNorm[i] as number;
  if (!Number.isNaN(known)) return known;
  const mu = k.mus[i] as number;
  const inv = 1 / (k.sigmas[i] as number);
  const logNorm = logCentralMass((k.domain.low - mu) * inv, (k.domain.high - mu) * inv);
  k.logNorm[i] = logNorm;
  return logNorm;
}

/** An upper bound on −log Z of component i that computes no tail. */
export function negLogNormBound(k: NumericKernels, i: number): number {
  const known = k.logNorm[i] as number;
  return Number.isNaN(known) ? DEFERRED_NEG_LOG_NORM_BOUND : -known;
}

/**
 * log(Φ(b) − Φ(a)) for a ≤ 0 ≤ b, the case of every kernel (its centre lies in the
 * domain): one minus two tails, each skipped when below 1e-17.
 */
function logCentralMass(a: number, b: number): number {
  if (a > 0 || b < 0) return logGaussMass(a, b);
  const left = a < -8.5 ? 0 : ndtr(a);
  const right = b > 8.5 ? 0 : ndtr(-b);
  return left === 0 && right === 0 ? 0 : Math.log1p(-left - right);
}

/**
 * Hyperopt's rule: each kernel as wide as the larger gap to its neighbours among the
 * observations (equal values count as one point; the extremes use their inner gap).
 */
function neighborBandwidths(obs: Float64Array, low: number, high: number, m: number, given: Int32Array | null, work: WorkArrays): Float64Array {
  const n = obs.length;
  const sigmas = work.float64(m);
  if (n === 0) return sigmas;
  if (n === 1) {
    const x = obs[0] as number;
    sigmas[0] = Math.max(x - low, high - x);
    return sigmas;
  }
  const order = given ?? argsort(obs, low, high, work);
  const sorted = work.float64(n);
  for (let r = 0; r < n; r++) sorted[r] = obs[order[r] as number] as number;
  // Walk runs of equal values in sorted order; each run shares the larger of its outer gaps.
  let start = 0;
  while (start < n) {
    const x = sorted[start] as number;
    let end = start + 1;
    while (end < n && sorted[end] === x) end++;
    let sigma: number;
    if (start === 0 && end === n) sigma = Math.max(x - low, high - x);
    else if (start === 0) sigma = (sorted[end] as number) - x;
    else if (end === n) sigma = x - (sorted[start - 1] as number);
    else sigma = Math.max(x - (sorted[start - 1] as number), (sorted[end] as number) - x);
    for (let r = start; r < end; r++) sigmas[order[r] as number] = sigma;
    start = end;
  }
  return sigmas;
}

/**
 * Indices of `values` (all within [low, high]) in increasing order. Values are quantised
 * to 2^40 levels of the range and packed with their index into one double, so that the
 * native numeric sort of a Float64Array does the work; exact comparison beyond that.
 */
function argsort(values: Float64Array, low: number, high: number, work: WorkArrays): Int32Array {
  const n = values.length;
  const order = work.int32(n);
  if (n > 8192 || !(high > low)) {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => (values[a] as number) - (values[b] as number));
    return order;
  }
  const levels = 2 ** 40 - 1;
  const scale = levels / (high - low);
  const keys = work.float64(n);
  for (let i = 0; i < n; i++) {
    const q = Math.min(levels, Math.max(0, Math.floor(((values[i] as number) - low) * scale)));
    keys[i] = q * 8192 + i;
  }
  keys.sort();
  for (let i = 0; i < n; i++) {
    const key = keys[i] as number;
    order[i] = key - Math.floor(key / 8192) * 8192; // exact: 8192 is a power of two
  }
  // Neighbours within one quantisation level may be out of order: fix with insertion steps.
  for (let i = 1; i < n; i++) {
    const cur = order[i] as number;
    const v = values[cur] as number;
    let j = i - 1;
    while (j >= 0 && (values[order[j] as number] as number) > v) {
      order[j + 1] = order[j] as number;
      j--;
    }
    order[j + 1] = cur;
  }
  return order;
}

/** Scott's rule for a product kernel in `dims` dimensions, robust to outliers (min of std and IQR/1.34). */
function scottBandwidths(obs: Float64Array, dims: number, m: number, given: Int32Array | null, work: WorkArrays): Float64Array {
  const n = obs.length;
  const sigmas = work.float64(m);
  if (n === 0) return sigmas;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += obs[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((obs[i] as number) - mean) ** 2;
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  // The sets' value orders are usually known already (see `neighborBandwidths`): no sort then.
  const sorted = work.float64(n);
  if (given === null) {
    sorted.set(obs);
    sorted.sort();
  } else {
    for (let k = 0; k < n; k++) sorted[k] = obs[given[k] as number] as number;
  }
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  const spread = iqr > 0 ? Math.min(std, iqr / 1.34) : std;
  sigmas.fill(1.059 * spread * Math.pow(n + 1, -1 / (dims + 4)), 0, n);
  return sigmas;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i] as number;
  return f === 0 ? a : a + f * ((sorted[i + 1] as number) - a);
}

/**
 * The kernels of one categorical dimension; their arrays come from `work`. `observed` is
 * the number of components before equal observations were merged (the 'auto' width shrinks with it).
 */
export function categoricalKernels(domain: CategoricalDomain, obs: Float64Array, withPrior: boolean, observed: number, settings: EstimatorSettings, work: WorkArrays): CategoricalKernels {
  const n = obs.length;
  const m = n + (withPrior ? 1 : 0);
  const size = domain.size;
  const choices = work.int32(m);
  const logHit = work.float64(m);
  const logMiss = work.float64(m);
  let hit: number;
  let miss: number;
  if (size === 1) {
    hit = 1;
    miss = 0;
  } else if (settings.categoricalBandwidth === 'auto') {
    // Optuna-style: the observed choice gets 1, every choice prior/m; normalised.
    const spread = Math.max(settings.priorWeight, 1e-3) / observed;
    hit = (1 + spread) / (1 + size * spread);
    miss = spread / (1 + size * spread);
  } else {
    const b = settings.categoricalBandwidth;
    hit = 1 - b;
    miss = b / (size - 1);
  }
  choices.set(obs);
  logHit.fill(Math.log(hit), 0, n);
  logMiss.fill(Math.log(miss), 0, n);
  if (withPrior) {
    choices[n] = -1;
    logHit[n] = -Math.log(size);
    logMiss[n] = -Math.log(size);
  }
  return { kind: 'categorical', domain, choices, logHit, logMiss };
}

export function sampleNumeric(k: NumericKernels, i: number, rng: Rng): number {
  const { low, high, grid } = k.domain;
  const mu = k.mus[i] as number;
  const sigma = k.sigmas[i] as number;
  const z = truncnormPpf(rng.float(), (low - mu) / sigma, (high - mu) / sigma);
  const x = Math.min(high, Math.max(low, mu + sigma * z));
  return grid === null ? x : grid.cellAt(x);
}

export function sampleCategorical(k: CategoricalKernels, i: number, rng: Rng): number {
  const size = k.domain.size;
  const observed = k.choices[i] as number;
  if (observed < 0) return rng.int(size);
  if (rng.float() < Math.exp(k.logHit[i] as number)) return observed;
  const r = rng.int(size - 1);
  return r < observed ? r : r + 1;
}
