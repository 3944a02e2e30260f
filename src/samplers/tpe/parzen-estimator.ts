/**
 * A Parzen (kernel density) estimator over one or several parameters: a weighted
 * mixture of product kernels, one component per observation plus a broad prior.
 * Numeric parameters get truncated Gaussians on their model line (log space for log
 * ranges), discrete ones the Gaussian mass of each value's cell, categorical ones an
 * Aitchison–Aitken kernel. All arrays are flat `Float64Array`s; densities are in log space.
 */
import type { Rng } from '../rng.js';
import { LOG_SQRT_2PI } from '../../numerics/truncnorm.js';
import type { Domain } from './domain.js';
import type { EstimatorSettings, Kernels, NumericKernels } from './kernels.js';
import { categoricalKernels, logNormOf, numericKernels, sampleCategorical, sampleNumeric } from './kernels.js';
import { mixtureLogDensity, NEGLIGIBLE } from './mixture-density.js';
import type { WorkArrays } from './work-arrays.js';

export type { BandwidthRule, EstimatorSettings } from './kernels.js';

export class ParzenEstimator {
  /** Number of mixture components (observations plus the prior, if any). */
  readonly size: number;
  private readonly kernels: Kernels[];
  private readonly logWeights: Float64Array;
  private readonly cumulativeWeights: Float64Array;

  private readonly work: WorkArrays;

  /**
   * @param domains one per dimension
   * @param observations per dimension, the observations' model coordinates (all the same length n)
   * @param weights n non-negative observation weights (not all zero when n > 0)
   * @param work where the estimator's arrays (and its samples) come from: it is usable
   *   until the owner of `work` resets it
   * @param orders optionally, per dimension, the observations' indices in increasing order
   *   of value (saves a sort when the caller keeps its data sorted)
   */
  constructor(
    domains: readonly Domain[],
    observations: readonly Float64Array[],
    weights: Float64Array,
    settings: EstimatorSettings,
    work: WorkArrays,
    orders?: readonly (Int32Array | null)[],
  ) {
    this.work = work;
    // Kernel widths depend on how many observations there are (the magic clip, the 'auto'
    // categorical bandwidth): counted before equal ones are merged below.
    const observed = weights.length + (settings.priorWeight > 0 || weights.length === 0 ? 1 : 0);
    const only = domains.length === 1 ? (domains[0] as Domain) : null;
    if (only !== null && (only.kind === 'categorical' || only.grid !== null)) {
      // One discrete dimension: equal observations make identical kernels (the bandwidth
      // rules give equal values equal widths), so merge them and add up their weights.
      [observations, weights] = mergeEqual(observations[0] as Float64Array, weights);
      orders = undefined;
    }
    const n = weights.length;
    const withPrior = settings.priorWeight > 0 || n === 0;
    const m = n + (withPrior ? 1 : 0);
    this.size = m;
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i] as number;
    const priorWeight = withPrior ? (n === 0 ? 1 : settings.priorWeight) : 0;
    total += priorWeight;
    this.logWeights = work.float64(m);
    this.cumulativeWeights = work.float64(m);
    let running = 0;
    // Weights are mostly equal: take the log once per run of equal ones.
    let w = NaN;
    let logW = NaN;
    for (let i = 0; i < m; i++) {
      const next = (i < n ? (weights[i] as number) : priorWeight) / total;
      if (next !== w) {
        w = next;
        logW = Math.log(w);
      }
      this.logWeights[i] = logW;
      running += w;
      this.cumulativeWeights[i] = running;
    }
    const dims = domains.length;
    this.kernels = domains.map((domain, d) =>
      domain.kind === 'categorical'
        ? categoricalKernels(domain, observations[d] as Float64Array, withPrior, observed, settings, work)
        : numericKernels(domain, observations[d] as Float64Array, withPrior, observed, dims, settings, orders?.[d] ?? null, work),
    );
  }

  /** Draw `count` points; per dimension, model coordinates (cell / choice indices for discrete ones). */
  sample(rng: Rng, count: number): Float64Array[] {
    const out = this.kernels.map(() => this.work.float64(count));
    const m = this.size;
    const cumulative = this.cumulativeWeights;
    for (let c = 0; c < count; c++) {
      const r = rng.float() * (cumulative[m - 1] as number);
      let lo = 0;
      let hi = m - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cumulative[mid] as number) > r) hi = mid;
        else lo = mid + 1;
      }
      const i = lo;
      for (let d = 0; d < this.kernels.length; d++) {
        const k = this.kernels[d] as Kernels;
        (out[d] as Float64Array)[c] = k.kind === 'numeric' ? sampleNumeric(k, i, rng) : sampleCategorical(k, i, rng);
      }
    }
    return out;
  }

  /**
   * log density (mass, for discrete dimensions) of each of `count` points given per
   * dimension. One continuous dimension has its own fused loop: there, the bound that lets
   * the general evaluation skip components would be the exact value itself.
   */
  logDensity(points: readonly Float64Array[], count: number): Float64Array {
    const only = this.kernels.length === 1 ? (this.kernels[0] as Kernels) : null;
    if (only !== null && only.kind === 'numeric' && only.domain.grid === null) return this.logDensityContinuous1d(only, points[0] as Float64Array, count);
    return mixtureLogDensity(this.kernels, this.logWeights, points, count);
  }

  /** The one-dimensional continuous case, fused: no work array, exps only for terms that count. */
  private logDensityContinuous1d(k: NumericKernels, x: Float64Array, count: number): Float64Array {
    const m = this.size;
    const { mus, sigmas } = k;
    const inv = scratch(2 * m);
    for (let i = 0; i < m; i++) {
      const sigma = sigmas[i] as number;
      inv[i] = 1 / sigma;
      inv[m + i] = (this.logWeights[i] as number) - Math.log(sigma) - LOG_SQRT_2PI - logNormOf(k, i);
    }
    const out = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const xc = x[c] as number;
      let max = -Infinity;
      for (let i = 0; i < m; i++) {
        const z = (xc - (mus[i] as number)) * (inv[i] as number);
        const v = (inv[m + i] as number) - 0.5 * z * z;
        if (v > max) max = v;
      }
      if (max === -Infinity) {
        out[c] = -Infinity;
        continue;
      }
      const cut = max - NEGLIGIBLE;
      let sum = 0;
      for (let i = 0; i < m; i++) {
        const z = (xc - (mus[i] as number)) * (inv[i] as number);
        const v = (inv[m + i] as number) - 0.5 * z * z;
        if (v > cut) sum += Math.exp(v - max);
      }
      out[c] = max + Math.log(sum);
    }
    return out;
  }
}

/**
 * The observations of one dimension with equal values merged (first-seen order), their
 * weights summed; every weight of a run counts, whatever its order.
 */
function mergeEqual(values: Float64Array, weights: Float64Array): [Float64Array[], Float64Array] {
  const index = new Map<number, number>();
  const merged: number[] = [];
  const summed: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const at = index.get(v);
    if (at === undefined) {
      index.set(v, merged.length);
      merged.push(v);
      summed.push(weights[i] as number);
    } else {
      summed[at] = (summed[at] as number) + (weights[i] as number);
    }
  }
  return [[Float64Array.from(merged)], Float64Array.from(summed)];
}

let scratchBuffer = new Float64Array(1 << 14);

/** A reusable work array of at least `size` elements (sampling is synchronous, so one suffices). */
function scratch(size: number): Float64Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float64Array(Math.max(size, 2 * scratchBuffer.length));
  return scratchBuffer;
}
