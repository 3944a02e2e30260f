/**
 * The GP posterior given fitted hyperparameters: K = k(X, X) + noise·I is factorised once,
 * α = K⁻¹y by two triangular solves; predictions reuse the factor.
 */
import type { CholeskyFactor } from './cholesky.js';
import { choleskySolve, choleskyWithJitter, extendCholesky, SOLVE_WIDTH, solveLower, solveLowerFour, solveUpperTransposed, solveUpperTransposedFour } from './cholesky.js';
import type { EncodedInputs, KernelParams } from './kernel.js';
import { crossKernel, crossKernelWithDerivative, kernelMatrix, kernelRows } from './kernel.js';

export interface Prediction {
  mean: number;
  variance: number;
}

export interface PredictionWithGradient extends Prediction {
  /** ∂mean/∂xⱼ (0 on dimensions not asked for). */
  readonly dMean: Float64Array;
  /** ∂variance/∂xⱼ. */
  readonly dVariance: Float64Array;
}

/** What an acquisition function reads of a posterior: a GP's, or one with a prior mean (prior-mean.ts). */
export interface Posterior {
  predict(point: Float64Array): Prediction;
  predictMany(points: readonly Float64Array[]): Prediction[];
  /** The exact mean and an upper bound on the variance, cheaply. */
  predictBound(point: Float64Array): Prediction;
  predictWithGradient(point: Float64Array, free: Uint8Array): PredictionWithGradient;
  predictWithGradientMany(points: readonly Float64Array[], free: Uint8Array): PredictionWithGradient[];
}

// The loops over the training points live in small functions of their own: V8 optimises each
// soon after it first runs hot, instead of running it slowly until a whole caller is compiled
// (which is most of a fresh process's first asks).

/** Σᵢ a[i]·b[i] over i < n, in order. */
function dotProduct(a: Float64Array, b: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Σᵢ v[offset + stride·i]² over i < n, in order. */
function sumOfSquares(v: Float64Array, n: number, offset: number, stride: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const vi = v[offset + stride * i] as number;
    sum += vi * vi;
  }
  return sum;
}

/** Σᵢ k[i]·alpha[i] (as `dotProduct`), copying k into entries `column + SOLVE_WIDTH·i` of `four`. */
function meanAndInterleave(k: Float64Array, alpha: Float64Array, n: number, four: Float64Array, column: number): number {
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const ki = k[i] as number;
    mean += ki * (alpha[i] as number);
    four[SOLVE_WIDTH * i + column] = ki;
  }
  return mean;
}

export class GaussianProcess implements Posterior {
  readonly inputs: EncodedInputs;
  readonly params: KernelParams;
  readonly factor: CholeskyFactor;
  readonly alpha: Float64Array;
  private readonly kStar: Float64Array;
  private readonly v: Float64Array;
  private readonly dk: Float64Array;
  private readonly minVariance: number;

  /** `factor`, when given, must factor k(X, X) + noise·I of these inputs and params (see `extendedBy`). */
  constructor(inputs: EncodedInputs, y: Float64Array, params: KernelParams, factor?: CholeskyFactor) {
    this.inputs = inputs;
    this.params = params;
    this.factor = factor ?? choleskyWithJitter(kernelMatrix(inputs, params), inputs.n);
    this.alpha = choleskySolve(this.factor, y);
    this.kStar = new Float64Array(inputs.n);
    this.v = new Float64Array(inputs.n);
    this.dk = new Float64Array(inputs.n);
    this.minVariance = 1e-10 * params.signalVariance;
  }

  /**
   * The GP with the same hyperparameters on `inputs`, whose first rows are this GP's inputs,
   * and targets `y`: this factor is extended by the new rows in O(n²) each rather than
   * factored afresh in O(n³).
   */
  extendedBy(inputs: EncodedInputs, y: Float64Array): GaussianProcess {
    const m = inputs.n - this.inputs.n;
    const factor = m === 0 ? this.factor : extendCholesky(this.factor, kernelRows(inputs, this.params, this.inputs.n), m);
    return new GaussianProcess(inputs, y, this.params, factor ?? undefined);
  }

  /** Posterior mean and variance (of the latent function, without noise) at one point. */
  predict(point: Float64Array, offset = 0): Prediction {
    const n = this.inputs.n;
    const k = crossKernel(this.inputs, this.params, point, offset, this.kStar);
    const mean = dotProduct(k, this.alpha, n);
    const v = solveLower(this.factor, k, this.v);
    const explained = sumOfSquares(v, n, 0, 1);
    return { mean, variance: Math.max(this.minVariance, this.params.signalVariance - explained) };
  }

  /** `predict` at each of `points`, four at a time sharing each pass over the factor (equal up to rounding). */
  predictMany(points: readonly Float64Array[]): Prediction[] {
    const n = this.inputs.n;
    const width = SOLVE_WIDTH;
    const out: Prediction[] = [];
    const kFour = new Float64Array(width * n);
    for (let start = 0; start < points.length; start += width) {
      const count = Math.min(width, points.length - start);
      if (count === 1) {
        out.push(this.predict(points[start] as Float64Array));
        continue;
      }
      kFour.fill(0);
      const means: number[] = [];
      for (let r = 0; r < count; r++) {
        const k = crossKernel(this.inputs, this.params, points[start + r] as Float64Array, 0, this.kStar);
        means.push(meanAndInterleave(k, this.alpha, n, kFour, r));
      }
      const v = solveLowerFour(this.factor, kFour, kFour);
      for (let r = 0; r < count; r++) {
        const explained = sumOfSquares(v, n, r, width);
        out.push({ mean: means[r] as number, variance: Math.max(this.minVariance, this.params.signalVariance - explained) });
      }
    }
    return out;
  }

  /**
   * The exact posterior mean and an upper bound on the variance, for n·d work instead of
   * n²: conditioning on one training point xᵢ alone leaves s − k(xᵢ, p)²/Kᵢᵢ, and more
   * data never raises the variance. Lets a search skip points that cannot win.
   */
  predictBound(point: Float64Array, offset = 0): Prediction {
    const n = this.inputs.n;
    const k = crossKernel(this.inputs, this.params, point, offset, this.kStar);
    const diagonal = this.params.signalVariance + this.params.noiseVariance + this.factor.jitter;
    let mean = 0;
    let largest = 0;
    for (let i = 0; i < n; i++) {
      const ki = k[i] as number;
      mean += ki * (this.alpha[i] as number);
      if (ki * ki > largest) largest = ki * ki;
    }
    return { mean, variance: Math.max(this.minVariance, this.params.signalVariance - largest / diagonal) };
  }

  /** Prediction with gradients along the numeric dimensions flagged in `free`. */
  predictWithGradient(point: Float64Array, free: Uint8Array): PredictionWithGradient {
    const n = this.inputs.n;
    const k = this.kStar;
    const dk = this.dk;
    crossKernelWithDerivative(this.inputs, this.params, point, k, dk);
    const mean = dotProduct(k, this.alpha, n);
    const v = solveLower(this.factor, k, this.v);
    const explained = sumOfSquares(v, n, 0, 1);
    const beta = solveUpperTransposed(this.factor, v, v); // K⁻¹k*
    return this.withGradient(point, free, mean, this.params.signalVariance - explained, dk, beta, 0, 1);
  }

  /**
   * `predictWithGradient` at each of `points`, four at a time: the four share each pass over
   * the Cholesky factor (the triangular solves are most of the work past a few hundred
   * trials). Agrees with `predictWithGradient` up to rounding.
   */
  predictWithGradientMany(points: readonly Float64Array[], free: Uint8Array): PredictionWithGradient[] {
    const n = this.inputs.n;
    const out: PredictionWithGradient[] = [];
    const width = SOLVE_WIDTH;
    const kFour = new Float64Array(width * n);
    const dkAll = new Float64Array(width * n);
    const means = new Float64Array(width);
    for (let start = 0; start < points.length; start += width) {
      const count = Math.min(width, points.length - start);
      if (count === 1) {
        out.push(this.predictWithGradient(points[start] as Float64Array, free));
        continue;
      }
      kFour.fill(0);
      for (let r = 0; r < count; r++) {
        const dk = dkAll.subarray(r * n, (r + 1) * n);
        crossKernelWithDerivative(this.inputs, this.params, points[start + r] as Float64Array, this.kStar, dk);
        means[r] = meanAndInterleave(this.kStar, this.alpha, n, kFour, r);
      }
      const v = solveLowerFour(this.factor, kFour, kFour);
      const explained = new Float64Array(width);
      for (let r = 0; r < count; r++) explained[r] = sumOfSquares(v, n, r, width);
      const beta = solveUpperTransposedFour(this.factor, v, v);
      for (let r = 0; r < count; r++) {
        const rawVariance = this.params.signalVariance - (explained[r] as number);
        out.push(this.withGradient(points[start + r] as Float64Array, free, means[r] as number, rawVariance, dkAll.subarray(r * n, (r + 1) * n), beta, r, width));
      }
    }
    return out;
  }

  /** The prediction from its mean, raw variance, dk/dr² and β = K⁻¹k* (entry i at `offset + stride·i`). */
  private withGradient(point: Float64Array, free: Uint8Array, mean: number, rawVariance: number, dk: Float64Array, beta: Float64Array, offset: number, stride: number): PredictionWithGradient {
    const { x, n, d } = this.inputs;
    const rho = this.params.inverseSquaredLengthscales;
    const dMean = new Float64Array(d);
    const dVariance = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const a = (this.alpha[i] as number) * (dk[i] as number);
      const b = -2 * (beta[offset + stride * i] as number) * (dk[i] as number);
      const row = i * d;
      for (let j = 0; j < d; j++) {
        if (!free[j]) continue;
        // ∂r²/∂pⱼ = 2ρⱼ(pⱼ − xᵢⱼ)
        const dr2 = 2 * (rho[j] as number) * ((point[j] as number) - (x[row + j] as number));
        dMean[j] = (dMean[j] as number) + a * dr2;
        dVariance[j] = (dVariance[j] as number) + b * dr2;
      }
    }
    if (rawVariance <= this.minVariance) dVariance.fill(0);
    return { mean, variance: Math.max(this.minVariance, rawVariance), dMean, dVariance };
  }
}
