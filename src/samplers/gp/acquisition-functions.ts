/**
 * The acquisition functions the GP sampler maximises, all in log form and all in the
 * GPs' standardised units: log expected improvement (one objective), log expected
 * hypervolume improvement over a box decomposition (several, as Optuna's LogEHVI), and
 * log probability of feasibility per constraint, added to either (Optuna's
 * ConstrainedLogEI / ConstrainedLogEHVI) or maximised alone while nothing is feasible.
 */
import { SobolSequence } from '../qmc.js';
import { ndtri } from '../../numerics/truncnorm.js';
import type { BoxDecomposition } from './box-decomposition.js';
import type { GaussianProcess, Posterior, PredictionWithGradient } from './gp-model.js';
import { logExpectedImprovement, logExpectedImprovementValue, logNormalCdf } from './special.js';

/** What the acquisition optimiser needs of a function of the encoded point. */
export interface AcquisitionFunction {
  value(point: Float64Array): number;
  /**
   * A cheap upper bound on `value` (exact mean, bounded variance), letting the search skip
   * candidates that cannot win. Absent when no such bound holds.
   */
  bound?(point: Float64Array): number;
  /** The value and its gradient along the dimensions flagged in `free` (0 elsewhere). */
  valueAndGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array };
  /** `value` at each of `points`, where evaluating them together is cheaper. */
  values?(points: readonly Float64Array[]): number[];
  /** `valueAndGradient` at each of `points`, where evaluating them together is cheaper. */
  valuesAndGradients?(points: readonly Float64Array[], free: Uint8Array): { value: number; gradient: Float64Array }[];
}

/** log EI of one GP above `best`, maximising. */
export class LogExpectedImprovement implements AcquisitionFunction {
  constructor(
    private readonly gp: Posterior,
    private readonly best: number,
  ) {}

  value(point: Float64Array): number {
    const p = this.gp.predict(point);
    return logExpectedImprovementValue(p.mean, Math.sqrt(p.variance), this.best);
  }

  values(points: readonly Float64Array[]): number[] {
    return this.gp.predictMany(points).map((p) => logExpectedImprovementValue(p.mean, Math.sqrt(p.variance), this.best));
  }

  /** EI grows with the standard deviation, so an upper bound on the variance bounds it. */
  bound(point: Float64Array): number {
    const b = this.gp.predictBound(point);
    return logExpectedImprovementValue(b.mean, Math.sqrt(b.variance), this.best);
  }

  valueAndGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    return this.fromPrediction(this.gp.predictWithGradient(point, free), free);
  }

  valuesAndGradients(points: readonly Float64Array[], free: Uint8Array): { value: number; gradient: Float64Array }[] {
    return this.gp.predictWithGradientMany(points, free).map((p) => this.fromPrediction(p, free));
  }

  private fromPrediction(p: PredictionWithGradient, free: Uint8Array): { value: number; gradient: Float64Array } {
    const sd = Math.sqrt(p.variance);
    const ei = logExpectedImprovement(p.mean, sd, this.best);
    const gradient = new Float64Array(free.length);
    for (let j = 0; j < free.length; j++) {
      if (!free[j]) continue;
      const dSd = (p.dVariance[j] as number) / (2 * sd);
      gradient[j] = ei.dMean * (p.dMean[j] as number) + ei.dSd * dSd;
    }
    return { value: ei.value, gradient };
  }
}

/** log P(c(x) ≤ threshold) for a GP of a constraint (standardised; lower is feasible). */
export class LogProbabilityOfFeasibility implements AcquisitionFunction {
  constructor(
    private readonly gp: GaussianProcess,
    private readonly threshold: number,
  ) {}

  value(point: Float64Array): number {
    const p = this.gp.predict(point);
    return logNormalCdf((this.threshold - p.mean) / Math.sqrt(p.variance)).value;
  }

  /** Below the threshold the probability falls with the variance (bound: certainty, 0); above it it rises. */
  bound(point: Float64Array): number {
    const b = this.gp.predictBound(point);
    if (b.mean <= this.threshold) return 0;
    return logNormalCdf((this.threshold - b.mean) / Math.sqrt(b.variance)).value;
  }

  valueAndGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    const p = this.gp.predictWithGradient(point, free);
    const sd = Math.sqrt(p.variance);
    const z = (this.threshold - p.mean) / sd;
    const { value, derivative } = logNormalCdf(z);
    const gradient = new Float64Array(point.length);
    for (let j = 0; j < point.length; j++) {
      if (!free[j]) continue;
      const dSd = (p.dVariance[j] as number) / (2 * sd);
      // dz/dμ = −1/σ, dz/dσ = −z/σ
      gradient[j] = (derivative * (-(p.dMean[j] as number) - z * dSd)) / sd;
    }
    return { value, gradient };
  }
}

/** Below this a factor of a box volume counts as this (Optuna's ε): the log stays finite, its gradient defined. */
const VOLUME_FLOOR = 1e-12;

/**
 * `count` standard normal vectors of `dimension` coordinates from a scrambled Sobol'
 * sequence through the normal quantile: fixed for a given seed, so that the Monte-Carlo
 * acquisition built on them is a deterministic, smooth function of the point.
 */
export function qmcNormalSamples(count: number, dimension: number, seed: number): Float64Array {
  const sobol = new SobolSequence(seed, true);
  const out = new Float64Array(count * dimension);
  const half = 0.5 / 2 ** 32;
  for (let s = 0; s < count; s++) {
    const u = sobol.point(s, dimension);
    for (let j = 0; j < dimension; j++) out[s * dimension + j] = ndtri(Math.min(1 - half, Math.max(half, u[j] as number)));
  }
  return out;
}

/**
 * log EHVI: independent GPs, one per objective, each maximising its standardised
 * objective (loss = −y). With fixed normal samples εₛ, yₛⱼ = μⱼ + σⱼ·εₛⱼ, and
 * log EHVI = log (1/S · Σₛ Σₖ Πⱼ clamp(uₖⱼ + yₛⱼ, ε, uₖⱼ − lₖⱼ)), the boxes [l, u] being
 * the loss-space decomposition of the region the front leaves open.
 */
export class LogExpectedHypervolumeImprovement implements AcquisitionFunction {
  private readonly m: number;
  private readonly samples: number;
  private readonly mean: Float64Array;
  private readonly sd: Float64Array;
  private readonly y: Float64Array;
  private readonly upper: Float64Array;
  /** uₖⱼ − lₖⱼ; Infinity where a box is unbounded below. */
  private readonly width: Float64Array;

  constructor(
    private readonly gps: readonly GaussianProcess[],
    private readonly boxes: BoxDecomposition,
    private readonly normals: Float64Array,
  ) {
    this.m = gps.length;
    if (boxes.objectives !== this.m) throw new RangeError(`${this.m} GPs but boxes of ${boxes.objectives} objectives`);
    this.samples = normals.length / this.m;
    this.mean = new Float64Array(this.m);
    this.sd = new Float64Array(this.m);
    this.y = new Float64Array(this.m);
    this.upper = boxes.upper;
    this.width = Float64Array.from(boxes.upper, (u, i) => u - (boxes.lower[i] as number));
  }

  value(point: Float64Array): number {
    for (let j = 0; j < this.m; j++) {
      const p = (this.gps[j] as GaussianProcess).predict(point);
      this.mean[j] = p.mean;
      this.sd[j] = Math.sqrt(p.variance);
    }
    return this.integrate(null, null);
  }

  valueAndGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    const predictions = this.gps.map((gp) => gp.predictWithGradient(point, free));
    predictions.forEach((p, j) => {
      this.mean[j] = p.mean;
      this.sd[j] = Math.sqrt(p.variance);
    });
    const dMean = new Float64Array(this.m);
    const dSd = new Float64Array(this.m);
    const value = this.integrate(dMean, dSd);
    const gradient = new Float64Array(point.length);
    predictions.forEach((p, j) => {
      const sd = this.sd[j] as number;
      for (let t = 0; t < point.length; t++) {
        if (!free[t]) continue;
        gradient[t] = (gradient[t] as number) + (dMean[j] as number) * (p.dMean[t] as number) + ((dSd[j] as number) * (p.dVariance[t] as number)) / (2 * sd);
      }
    });
    return { value, gradient };
  }

  /** log EHVI at the current mean and sd; with `dMean`/`dSd`, also its derivatives with respect to them. */
  private integrate(dMean: Float64Array | null, dSd: Float64Array | null): number {
    if (this.m === 2) return this.integrate2(dMean, dSd);
    const { m, samples, normals, mean, sd, y, upper, width } = this;
    const count = this.boxes.count;
    let total = 0;
    for (let s = 0; s < samples; s++) {
      for (let j = 0; j < m; j++) y[j] = (mean[j] as number) + (sd[j] as number) * (normals[s * m + j] as number);
      for (let k = 0; k < count; k++) {
        let volume = 1;
        for (let j = 0; j < m; j++) {
          const side = (upper[k * m + j] as number) + (y[j] as number);
          const w = width[k * m + j] as number;
          volume *= side <= VOLUME_FLOOR ? VOLUME_FLOOR : side >= w ? w : side;
        }
        total += volume;
        if (dMean === null || dSd === null) continue;
        for (let j = 0; j < m; j++) {
          const side = (upper[k * m + j] as number) + (y[j] as number);
          if (side <= VOLUME_FLOOR || side >= (width[k * m + j] as number)) continue;
          const share = volume / side;
          dMean[j] = (dMean[j] as number) + share;
          dSd[j] = (dSd[j] as number) + share * (normals[s * m + j] as number);
        }
      }
    }
    if (dMean !== null && dSd !== null) {
      for (let j = 0; j < m; j++) {
        dMean[j] = (dMean[j] as number) / total;
        dSd[j] = (dSd[j] as number) / total;
      }
    }
    return Math.log(total / samples);
  }

  /** Two objectives, the common case, unrolled. */
  private integrate2(dMean: Float64Array | null, dSd: Float64Array | null): number {
    const { samples, normals, mean, sd, upper, width } = this;
    const count = this.boxes.count;
    const mean0 = mean[0] as number;
    const mean1 = mean[1] as number;
    const sd0 = sd[0] as number;
    const sd1 = sd[1] as number;
    const gradient = dMean !== null && dSd !== null;
    let total = 0;
    let dMean0 = 0;
    let dMean1 = 0;
    let dSd0 = 0;
    let dSd1 = 0;
    for (let s = 0; s < samples; s++) {
      const e0 = normals[2 * s] as number;
      const e1 = normals[2 * s + 1] as number;
      const y0 = mean0 + sd0 * e0;
      const y1 = mean1 + sd1 * e1;
      // Σₖ of the volume and of its log-derivatives' numerators (volume/side where a side is not clamped).
      let sum = 0;
      let g0 = 0;
      let g1 = 0;
      for (let k = 0; k < count; k++) {
        const a = (upper[2 * k] as number) + y0;
        const b = (upper[2 * k + 1] as number) + y1;
        const wa = width[2 * k] as number;
        const wb = width[2 * k + 1] as number;
        const freeA = a > VOLUME_FLOOR && a < wa;
        const freeB = b > VOLUME_FLOOR && b < wb;
        const sideA = freeA ? a : a <= VOLUME_FLOOR ? VOLUME_FLOOR : wa;
        const sideB = freeB ? b : b <= VOLUME_FLOOR ? VOLUME_FLOOR : wb;
        sum += sideA * sideB;
        if (freeA) g0 += sideB;
        if (freeB) g1 += sideA;
      }
      total += sum;
      if (gradient) {
        dMean0 += g0;
        dMean1 += g1;
        dSd0 += g0 * e0;
        dSd1 += g1 * e1;
      }
    }
    if (gradient) {
      (dMean as Float64Array)[0] = dMean0 / total;
      (dMean as Float64Array)[1] = dMean1 / total;
      (dSd as Float64Array)[0] = dSd0 / total;
      (dSd as Float64Array)[1] = dSd1 / total;
    }
    return Math.log(total / samples);
  }
}

/**
 * A sum of log terms: an objective's acquisition (or none, while no trial is feasible)
 * plus log P(feasible) of each constraint, the constraints taken as independent.
 */
export class SumOfLogs implements AcquisitionFunction {
  readonly bound?: (point: Float64Array) => number;

  constructor(private readonly terms: readonly AcquisitionFunction[]) {
    if (terms.length === 0) throw new RangeError('an acquisition needs at least one term');
    if (terms.every((t) => t.bound !== undefined)) {
      this.bound = (point) => {
        let sum = 0;
        for (const t of terms) sum += (t.bound as (p: Float64Array) => number).call(t, point);
        return sum;
      };
    }
  }

  value(point: Float64Array): number {
    let sum = 0;
    for (const t of this.terms) sum += t.value(point);
    return sum;
  }

  valueAndGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    let value = 0;
    const gradient = new Float64Array(point.length);
    for (const t of this.terms) {
      const r = t.valueAndGradient(point, free);
      value += r.value;
      for (let j = 0; j < gradient.length; j++) gradient[j] = (gradient[j] as number) + (r.gradient[j] as number);
    }
    return { value, gradient };
  }
}
