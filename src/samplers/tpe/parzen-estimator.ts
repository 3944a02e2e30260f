/**
 * A Parzen (kernel density) estimator over one or several parameters: a weighted
 * mixture of product kernels, one component per observation plus a broad prior.
 * Numeric parameters get truncated Gaussians on their model line (log space for log
 * ranges), discrete ones the Gaussian mass of each value's cell, categorical ones an
 * Aitchison–Aitken kernel. All arrays are flat `Float64Array`s; densities are in log space.
 */
import type { Rng } from '../rng.js';
import { logGaussMass, LOG_SQRT_2PI, ndtr } from '../numerics/truncnorm.js';
import type { Domain, NumericDomain } from './domain.js';
import type { CategoricalKernels, EstimatorSettings, Kernels, NumericKernels } from './kernels.js';
import { categoricalKernels, numericKernels, sampleCategorical, sampleNumeric } from './kernels.js';

export type { BandwidthRule, EstimatorSettings } from './kernels.js';

export class ParzenEstimator {
  /** Number of mixture components (observations plus the prior, if any). */
  readonly size: number;
  private readonly kernels: Kernels[];
  private readonly logWeights: Float64Array;
  private readonly cumulativeWeights: Float64Array;

  /**
   * @param domains one per dimension
   * @param observations per dimension, the observations' model coordinates (all the same length n)
   * @param weights n non-negative observation weights (not all zero when n > 0)
   */
  /**
   * @param orders optionally, per dimension, the observations' indices in increasing order
   *   of value (saves a sort when the caller keeps its data sorted)
   */
  constructor(domains: readonly Domain[], observations: readonly Float64Array[], weights: Float64Array, settings: EstimatorSettings, orders?: readonly (Uint32Array | null)[]) {
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
    this.logWeights = new Float64Array(m);
    this.cumulativeWeights = new Float64Array(m);
    let running = 0;
    for (let i = 0; i < m; i++) {
      const w = (i < n ? (weights[i] as number) : priorWeight) / total;
      this.logWeights[i] = Math.log(w);
      running += w;
      this.cumulativeWeights[i] = running;
    }
    const dims = domains.length;
    this.kernels = domains.map((domain, d) =>
      domain.kind === 'categorical'
        ? categoricalKernels(domain, observations[d] as Float64Array, withPrior, settings)
        : numericKernels(domain, observations[d] as Float64Array, withPrior, dims, settings, orders?.[d] ?? null),
    );
  }

  /** Draw `count` points; per dimension, model coordinates (cell / choice indices for discrete ones). */
  sample(rng: Rng, count: number): Float64Array[] {
    const out = this.kernels.map(() => new Float64Array(count));
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

  /** log density (mass, for discrete dimensions) of each of `count` points given per dimension. */
  logDensity(points: readonly Float64Array[], count: number): Float64Array {
    const m = this.size;
    const only = this.kernels.length === 1 ? (this.kernels[0] as Kernels) : null;
    if (only !== null && only.kind === 'numeric' && only.domain.grid === null) return this.logDensityContinuous1d(only, points[0] as Float64Array, count);
    // Component-major work array: acc[i·count + c], so each kernel's parameters are loaded
    // once and applied to every candidate in a short contiguous loop.
    const acc = scratch(count * m);
    // The first dimension starts from the log weights (no separate fill pass).
    for (let d = 0; d < this.kernels.length; d++) {
      const k = this.kernels[d] as Kernels;
      const x = points[d] as Float64Array;
      const init = d === 0 ? this.logWeights : null;
      if (k.kind === 'categorical') addCategorical(k, x, count, acc, init);
      else if (k.domain.grid === null) addContinuous(k, x, count, acc, init);
      else addGrid(k, x, count, acc, init);
    }
    if (this.kernels.length === 0) for (let i = 0; i < m; i++) acc.fill(this.logWeights[i] as number, i * count, (i + 1) * count);
    // Maxima first (a tight pass), then the sum of the terms that count, per candidate in
    // component order.
    const max = new Float64Array(count).fill(-Infinity);
    for (let i = 0; i < m; i++) {
      const base = i * count;
      for (let c = 0; c < count; c++) {
        const v = acc[base + c] as number;
        if (v > (max[c] as number)) max[c] = v;
      }
    }
    const sum = new Float64Array(count);
    for (let i = 0; i < m; i++) {
      const base = i * count;
      for (let c = 0; c < count; c++) {
        const v = (acc[base + c] as number) - (max[c] as number);
        if (v > -NEGLIGIBLE) sum[c] = (sum[c] as number) + Math.exp(v);
      }
    }
    const out = new Float64Array(count);
    for (let c = 0; c < count; c++) out[c] = max[c] === -Infinity ? -Infinity : (max[c] as number) + Math.log(sum[c] as number);
    return out;
  }

  /** The one-dimensional continuous case, fused: no work array, exps only for terms that count. */
  private logDensityContinuous1d(k: NumericKernels, x: Float64Array, count: number): Float64Array {
    const m = this.size;
    const { mus, sigmas, logNorm } = k;
    const inv = scratch(2 * m);
    for (let i = 0; i < m; i++) {
      const sigma = sigmas[i] as number;
      inv[i] = 1 / sigma;
      inv[m + i] = (this.logWeights[i] as number) - Math.log(sigma) - LOG_SQRT_2PI - (logNorm[i] as number);
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

/** Terms this far below the largest add less than e^-36 ≈ 2e-16 of it: skipped, saving their exp. */
const NEGLIGIBLE = 36;

let scratchBuffer = new Float64Array(1 << 14);

/** A reusable work array of at least `size` elements (sampling is synchronous, so one suffices). */
function scratch(size: number): Float64Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float64Array(Math.max(size, 2 * scratchBuffer.length));
  return scratchBuffer;
}

function addContinuous(k: NumericKernels, x: Float64Array, count: number, acc: Float64Array, init: Float64Array | null): void {
  const m = k.mus.length;
  const { mus, sigmas, logNorm } = k;
  for (let i = 0; i < m; i++) {
    const mu = mus[i] as number;
    const sigma = sigmas[i] as number;
    const inv = 1 / sigma;
    const constant = -Math.log(sigma) - LOG_SQRT_2PI - (logNorm[i] as number);
    const base = i * count;
    if (init !== null) {
      const w = init[i] as number;
      for (let c = 0; c < count; c++) {
        const z = ((x[c] as number) - mu) * inv;
        acc[base + c] = w + constant - 0.5 * z * z;
      }
      continue;
    }
    for (let c = 0; c < count; c++) {
      const z = ((x[c] as number) - mu) * inv;
      acc[base + c] = (acc[base + c] as number) + constant - 0.5 * z * z;
    }
  }
}

function addCategorical(k: CategoricalKernels, x: Float64Array, count: number, acc: Float64Array, init: Float64Array | null): void {
  const m = k.choices.length;
  const { choices, logHit, logMiss } = k;
  for (let i = 0; i < m; i++) {
    const choice = choices[i] as number;
    const hit = logHit[i] as number;
    const miss = logMiss[i] as number;
    const base = i * count;
    if (init !== null) {
      const w = init[i] as number;
      for (let c = 0; c < count; c++) acc[base + c] = w + (x[c] === choice ? hit : miss);
      continue;
    }
    for (let c = 0; c < count; c++) acc[base + c] = (acc[base + c] as number) + (x[c] === choice ? hit : miss);
  }
}

/** Log mass of each grid cell under each component, minus the component's normaliser: m × K, component-major. */
function gridTable(k: NumericKernels): Float64Array {
  const grid = k.domain.grid as NonNullable<NumericDomain['grid']>;
  const size = grid.size;
  const m = k.mus.length;
  const table = new Float64Array(size * m);
  const edges = grid.edges;
  const z = new Float64Array(size + 1);
  const tail = new Float64Array(size + 1);
  // Kernels on a grid repeat (equal observations get equal widths): compute each distinct
  // (centre, width) row once and copy it.
  const seen = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const mu = k.mus[i] as number;
    const sigma = k.sigmas[i] as number;
    const earlier = seen.get(mu);
    if (earlier !== undefined && k.sigmas[earlier] === sigma) {
      table.copyWithin(i * size, earlier * size, (earlier + 1) * size);
      continue;
    }
    seen.set(mu, i);
    const inv = 1 / sigma;
    const norm = k.logNorm[i] as number;
    for (let j = 0; j <= size; j++) {
      const zj = ((edges[j] as number) - mu) * inv;
      z[j] = zj;
      tail[j] = ndtr(-Math.abs(zj));
    }
    for (let c = 0; c < size; c++) {
      const a = z[c] as number;
      const b = z[c + 1] as number;
      let mass: number;
      if (b <= 0) mass = (tail[c + 1] as number) - (tail[c] as number);
      else if (a >= 0) mass = (tail[c] as number) - (tail[c + 1] as number);
      else mass = 1 - (tail[c] as number) - (tail[c + 1] as number);
      const logMass = mass > 1e-280 ? Math.log(mass) : logGaussMass(a, b);
      table[i * size + c] = logMass - norm;
    }
  }
  return table;
}

function addGrid(k: NumericKernels, x: Float64Array, count: number, acc: Float64Array, init: Float64Array | null): void {
  if (init !== null) for (let i = 0; i < k.mus.length; i++) acc.fill(init[i] as number, i * count, (i + 1) * count);
  const grid = k.domain.grid as NonNullable<NumericDomain['grid']>;
  const m = k.mus.length;
  if (grid.size <= count) {
    const size = grid.size;
    const table = gridTable(k);
    for (let i = 0; i < m; i++) {
      const row = i * size;
      const base = i * count;
      for (let c = 0; c < count; c++) acc[base + c] = (acc[base + c] as number) + (table[row + (x[c] as number)] as number);
    }
    return;
  }
  const { mus, sigmas, logNorm } = k;
  for (let i = 0; i < m; i++) {
    const sigma = sigmas[i] as number;
    const mu = mus[i] as number;
    const logSigma = Math.log(sigma);
    const norm = logNorm[i] as number;
    const base = i * count;
    for (let c = 0; c < count; c++) {
      const cell = x[c] as number;
      const lo = grid.edges[cell] as number;
      const hi = grid.edges[cell + 1] as number;
      const width = hi - lo;
      let v: number;
      if (sigma >= 3 * width) {
        // The cell is narrow against the kernel: mass ≈ density × width (error < 0.5%).
        const z = ((grid.points[cell] as number) - mu) / sigma;
        v = -0.5 * z * z - LOG_SQRT_2PI + Math.log(width) - logSigma;
      } else {
        v = logGaussMass((lo - mu) / sigma, (hi - mu) / sigma);
      }
      acc[base + c] = (acc[base + c] as number) + (v - norm);
    }
  }
}
