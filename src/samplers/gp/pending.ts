/**
 * Log expected improvement of a point asked while other trials are still running: the
 * improvement of the whole batch {running points, x} over the best value, as Optuna 5's
 * qLogEI and BoTorch's pending points define it, instead of a made-up value at the
 * running points (a constant liar).
 *
 * The running points' latent values are fantasised jointly from the posterior with fixed
 * quasi-random normals: fₛ = μᵣ + C·zₛ, C·Cᵀ = Σᵣᵣ. Given fantasy s, f(x) is normal with
 * mean mₛ = μₓ + cᵀΣᵣᵣ⁻¹(fₛ − μᵣ) and variance v = σₓ² − cᵀΣᵣᵣ⁻¹c, where c is the posterior
 * covariance between x and the running points. The batch improves on `best` by
 * max(τₛ, f(x)) − best with τₛ = max(best, maxⱼ fₛⱼ): a constant plus EI(mₛ, √v, τₛ).
 * So, exactly in x and without sampling f(x) itself, the acquisition is
 * log (1/S · Σₛ EI(mₛ, √v, τₛ)), the improvement x adds to what the running trials are
 * expected to bring; near a running point v vanishes and so does the value.
 */
import type { AcquisitionFunction } from './acquisition-functions.js';
import { qmcNormalSamples } from './acquisition-functions.js';
import { choleskyWithJitter, solveLower, solveUpperTransposed } from './cholesky.js';
import type { CholeskyFactor } from './cholesky.js';
import type { GaussianProcess } from './gp-model.js';
import { crossKernelWithDerivative, matern52, matern52DerivativeR2, squaredDistance } from './kernel.js';
import { logExpectedImprovement, logExpectedImprovementValue } from './special.js';

/** Fantasies of the running points (Optuna uses as many). */
export const PENDING_SAMPLES = 128;

export class LogExpectedImprovementWithPending implements AcquisitionFunction {
  private readonly r: number;
  /** Running points, row-major r × d. */
  private readonly pending: Float64Array;
  /** K⁻¹·k(X, xᵣ) for each running point: n × r, row-major. */
  private readonly weights: Float64Array;
  /** Cholesky factor of the posterior covariance of the running points. */
  private readonly pendingFactor: CholeskyFactor;
  /** Σᵣᵣ⁻¹(fₛ − μᵣ) = C⁻ᵀzₛ per fantasy: S × r. */
  private readonly directions: Float64Array;
  /** τₛ = max(best, maxⱼ fₛⱼ) per fantasy. */
  private readonly thresholds: Float64Array;
  /** ‖zₛ‖ per fantasy. */
  private readonly normalNorms: Float64Array;
  private readonly minVariance: number;
  private readonly k: Float64Array;
  private readonly dk: Float64Array;

  constructor(
    private readonly gp: GaussianProcess,
    private readonly best: number,
    pending: readonly Float64Array[],
    seed: number,
    samples = PENDING_SAMPLES,
  ) {
    const { n, d } = gp.inputs;
    const r = pending.length;
    this.r = r;
    this.pending = new Float64Array(r * d);
    pending.forEach((row, j) => this.pending.set(row, j * d));
    this.minVariance = 1e-10 * gp.params.signalVariance;
    this.k = new Float64Array(n);
    this.dk = new Float64Array(n);

    // Posterior mean and covariance of the running points: μᵣ = Kᵣₓα, Σᵣᵣ = Kᵣᵣ − VᵀV with V = L⁻¹Kₓᵣ.
    const v = new Float64Array(r * n);
    const mean = new Float64Array(r);
    this.weights = new Float64Array(n * r);
    for (let j = 0; j < r; j++) {
      const kj = this.kernelToTraining(this.pending.subarray(j * d, (j + 1) * d), new Float64Array(n));
      let m = 0;
      for (let i = 0; i < n; i++) m += (kj[i] as number) * (gp.alpha[i] as number);
      mean[j] = m;
      const vj = solveLower(gp.factor, kj);
      v.set(vj, j * n);
      const wj = solveUpperTransposed(gp.factor, vj);
      for (let i = 0; i < n; i++) this.weights[i * r + j] = wj[i] as number;
    }
    const covariance = new Float64Array(r * r);
    for (let a = 0; a < r; a++) {
      for (let b = 0; b <= a; b++) {
        let c = this.priorCovariance(a, b);
        for (let i = 0; i < n; i++) c -= (v[a * n + i] as number) * (v[b * n + i] as number);
        covariance[a * r + b] = c;
        covariance[b * r + a] = c;
      }
    }
    // Running points may coincide (or sit on trained ones): jitter keeps the factor defined.
    this.pendingFactor = choleskyWithJitter(covariance, r, 1e-8);

    const normals = qmcNormalSamples(samples, r, seed);
    this.directions = new Float64Array(samples * r);
    this.thresholds = new Float64Array(samples);
    this.normalNorms = new Float64Array(samples);
    const l = this.pendingFactor.lower;
    for (let s = 0; s < samples; s++) {
      const z = normals.subarray(s * r, (s + 1) * r);
      let top = best;
      for (let a = 0; a < r; a++) {
        let f = mean[a] as number;
        for (let b = 0; b <= a; b++) f += (l[a * r + b] as number) * (z[b] as number);
        top = Math.max(top, f);
      }
      this.thresholds[s] = top;
      this.normalNorms[s] = Math.hypot(...z);
      this.directions.set(solveUpperTransposed(this.pendingFactor, z), s * r);
    }
  }

  value(point: Float64Array): number {
    return this.evaluate(point, null).value;
  }

  /**
   * EI grows with the mean and the standard deviation. The conditional variance is at most
   * σₓ², itself at most the GP's cheap bound; a fantasy moves the mean by
   * cᵀΣᵣᵣ⁻¹(fₛ − μᵣ) = (C⁻¹c)ᵀzₛ, at most σₓ·‖zₛ‖ since ‖C⁻¹c‖² ≤ σₓ².
   */
  bound(point: Float64Array): number {
    const b = this.gp.predictBound(point);
    const sd = Math.sqrt(b.variance);
    const samples = this.thresholds.length;
    const terms = new Float64Array(samples);
    let top = -Infinity;
    for (let s = 0; s < samples; s++) {
      const t = logExpectedImprovementValue(b.mean + sd * (this.normalNorms[s] as number), sd, this.thresholds[s] as number);
      terms[s] = t;
      top = Math.max(top, t);
    }
    let sum = 0;
    for (const t of terms) sum += Math.exp(t - top);
    return top + Math.log(sum / samples);
  }

  valueAndGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    return this.evaluate(point, free) as { value: number; gradient: Float64Array };
  }

  private evaluate(point: Float64Array, free: Uint8Array | null): { value: number; gradient: Float64Array | null } {
    const { x, n, d } = this.gp.inputs;
    const r = this.r;
    const rho = this.gp.params.inverseSquaredLengthscales;
    const s2 = this.gp.params.signalVariance;
    const withGradient = free === null ? null : this.gp.predictWithGradient(point, free);
    const p = withGradient ?? this.gp.predict(point);

    // c = k(x, Xᵣ) − k(X, x)ᵀ·K⁻¹k(X, Xᵣ), the posterior covariance of x with each running point.
    crossKernelWithDerivative(this.gp.inputs, this.gp.params, point, this.k, this.dk);
    const c = new Float64Array(r);
    for (let j = 0; j < r; j++) c[j] = s2 * matern52(squaredDistance(this.pending, j * d, point, 0, rho, this.gp.inputs.categorical, d));
    for (let i = 0; i < n; i++) {
      const ki = this.k[i] as number;
      for (let j = 0; j < r; j++) c[j] = (c[j] as number) - ki * (this.weights[i * r + j] as number);
    }
    const u = solveLower(this.pendingFactor, c);
    let explained = 0;
    for (let j = 0; j < r; j++) explained += (u[j] as number) ** 2;
    const rawVariance = p.variance - explained;
    const variance = Math.max(this.minVariance, rawVariance);
    const sd = Math.sqrt(variance);

    const samples = this.thresholds.length;
    const logs = new Float64Array(samples);
    const dMeans = new Float64Array(samples);
    const dSds = new Float64Array(samples);
    let top = -Infinity;
    for (let s = 0; s < samples; s++) {
      let m = p.mean;
      for (let j = 0; j < r; j++) m += (c[j] as number) * (this.directions[s * r + j] as number);
      if (free === null) {
        const value = logExpectedImprovementValue(m, sd, this.thresholds[s] as number);
        logs[s] = value;
        top = Math.max(top, value);
        continue;
      }
      const ei = logExpectedImprovement(m, sd, this.thresholds[s] as number);
      logs[s] = ei.value;
      dMeans[s] = ei.dMean;
      dSds[s] = ei.dSd;
      top = Math.max(top, ei.value);
    }
    let sum = 0;
    for (let s = 0; s < samples; s++) sum += Math.exp((logs[s] as number) - top);
    const value = top + Math.log(sum / samples);
    if (free === null || withGradient === null) return { value, gradient: null };

    // dc/dxₗ = ∂k(x, Xᵣ)/∂xₗ − Σᵢ ∂k(Xᵢ, x)/∂xₗ·Wᵢ, with ∂k/∂xₗ = s·k'(r²)·2ρₗ(xₗ − yₗ).
    const dc = new Float64Array(d * r);
    for (let j = 0; j < r; j++) {
      const off = j * d;
      const dkj = s2 * matern52DerivativeR2(squaredDistance(this.pending, off, point, 0, rho, this.gp.inputs.categorical, d));
      for (let l = 0; l < d; l++) if (free[l]) dc[l * r + j] = dkj * 2 * (rho[l] as number) * ((point[l] as number) - (this.pending[off + l] as number));
    }
    for (let i = 0; i < n; i++) {
      const dki = this.dk[i] as number;
      if (dki === 0) continue;
      for (let l = 0; l < d; l++) {
        if (!free[l]) continue;
        const g = dki * 2 * (rho[l] as number) * ((point[l] as number) - (x[i * d + l] as number));
        for (let j = 0; j < r; j++) dc[l * r + j] = (dc[l * r + j] as number) - g * (this.weights[i * r + j] as number);
      }
    }
    // v = σ² − |C⁻¹c|²: dv = dσ² − 2·(C⁻ᵀC⁻¹c)·dc.
    const q = solveUpperTransposed(this.pendingFactor, u);
    const gradient = new Float64Array(d);
    for (let l = 0; l < d; l++) {
      if (!free[l]) continue;
      let dv = withGradient.dVariance[l] as number;
      for (let j = 0; j < r; j++) dv -= 2 * (q[j] as number) * (dc[l * r + j] as number);
      const dSd = rawVariance > this.minVariance ? dv / (2 * sd) : 0;
      let g = 0;
      for (let s = 0; s < samples; s++) {
        let dm = withGradient.dMean[l] as number;
        for (let j = 0; j < r; j++) dm += (dc[l * r + j] as number) * (this.directions[s * r + j] as number);
        g += Math.exp((logs[s] as number) - top) * ((dMeans[s] as number) * dm + (dSds[s] as number) * dSd);
      }
      gradient[l] = g / sum;
    }
    return { value, gradient };
  }

  /** k(X, p) for the training inputs. */
  private kernelToTraining(point: Float64Array, out: Float64Array): Float64Array {
    crossKernelWithDerivative(this.gp.inputs, this.gp.params, point, out, this.dk);
    return out;
  }

  /** Prior covariance of running points a and b (latent, no noise). */
  private priorCovariance(a: number, b: number): number {
    const { d, categorical } = this.gp.inputs;
    const rho = this.gp.params.inverseSquaredLengthscales;
    return this.gp.params.signalVariance * matern52(squaredDistance(this.pending, a * d, this.pending, b * d, rho, categorical, d));
  }
}
