/**
 * Fitting the kernel hyperparameters: maximise log marginal likelihood + log prior over
 * θ = (log ρ₁…log ρ_d, log s, log noise) with L-BFGS and analytic gradients
 * ½·tr((ααᵀ − K⁻¹)·∂K/∂θ). The priors follow Optuna's GP sampler: −(0.1/ρ + 0.1·ρ) per
 * inverse squared lengthscale, Gamma(2, 1) on the signal variance, Gamma(1.1, 30) on the
 * noise variance; they keep the fit sane with few points.
 */
import { choleskySolve, choleskyWithJitter, inverseFromCholesky, logDeterminant } from './cholesky.js';
import type { EncodedInputs, KernelParams } from './kernel.js';
import { SQRT5, squaredDistance } from './kernel.js';
import { minimizeLbfgs } from './lbfgs.js';

/** Smallest noise variance (of standardised outputs) the fit may choose. */
export const MINIMUM_NOISE_VARIANCE = 1e-6;
const LOG_2PI = Math.log(2 * Math.PI);

export interface FitOptions {
  /** Where to start (warm start from the previous fit); default ρ = 1, s = 1, noise = 0.01. */
  initial?: KernelParams;
  /** Objective evaluations allowed. */
  maxEvaluations: number;
  /** Fix the noise at its minimum (a deterministic objective). Default false. */
  deterministic?: boolean;
}

export interface FitResult {
  readonly params: KernelParams;
  /** Log marginal likelihood + log prior at `params`. */
  readonly logPosterior: number;
  readonly evaluations: number;
}

export function defaultKernelParams(d: number): KernelParams {
  return { inverseSquaredLengthscales: new Float64Array(d).fill(1), signalVariance: 1, noiseVariance: 0.01 };
}

function toTheta(p: KernelParams, d: number): Float64Array {
  const theta = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) theta[j] = Math.log(p.inverseSquaredLengthscales[j] as number);
  theta[d] = Math.log(p.signalVariance);
  theta[d + 1] = Math.log(p.noiseVariance);
  return theta;
}

function fromTheta(theta: Float64Array, d: number): KernelParams {
  return {
    inverseSquaredLengthscales: Float64Array.from(theta.subarray(0, d), Math.exp),
    signalVariance: Math.exp(theta[d] as number),
    noiseVariance: Math.exp(theta[d + 1] as number),
  };
}

/** log p(ρ, s, noise) up to a constant, and its gradient with respect to θ. */
function logPrior(p: KernelParams, d: number, gradient: Float64Array): number {
  let value = 0;
  for (let j = 0; j < d; j++) {
    const rho = p.inverseSquaredLengthscales[j] as number;
    value -= 0.1 / rho + 0.1 * rho;
    gradient[j] = 0.1 / rho - 0.1 * rho;
  }
  const s = p.signalVariance;
  value += Math.log(s) - s;
  gradient[d] = 1 - s;
  const noise = p.noiseVariance;
  value += 0.1 * Math.log(noise) - 30 * noise;
  gradient[d + 1] = 0.1 - 30 * noise;
  return value;
}


/**
 * K = k(X, X) + noise·I as `kernelMatrix` builds it, and for each pair a < b the Matérn
 * correlation matern52(r²) at [a·n + b] and its r²-derivative at [b·n + a] of `parts`: the
 * gradient reuses them instead of taking each pair's square root and exponentials again.
 */
function kernelMatrixWithParts(inputs: EncodedInputs, params: KernelParams, k: Float64Array, parts: Float64Array): void {
  const { x, n, d, categorical } = inputs;
  const rho = params.inverseSquaredLengthscales;
  const s = params.signalVariance;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = s + params.noiseVariance;
    for (let j = 0; j < i; j++) {
      const r2 = squaredDistance(x, i * d, x, j * d, rho, categorical, d);
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      // The operations of matern52 and matern52DerivativeR2.
      const correlation = (1 + SQRT5 * r + (5 / 3) * r2) * e;
      const v = s * correlation;
      k[i * n + j] = v;
      k[j * n + i] = v;
      parts[j * n + i] = correlation;
      parts[i * n + j] = (-5 / 6) * (1 + SQRT5 * r) * e;
    }
  }
}

/** n×n buffers one fit's evaluations share (each would otherwise allocate five). */
export interface FitWorkspace {
  readonly n: number;
  readonly kernel: Float64Array;
  readonly parts: Float64Array;
  readonly factor: Float64Array;
  readonly inverse: Float64Array;
  readonly scratch: Float64Array;
}

export function fitWorkspace(n: number): FitWorkspace {
  const buffer = () => new Float64Array(n * n);
  return { n, kernel: buffer(), parts: buffer(), factor: buffer(), inverse: buffer(), scratch: buffer() };
}

/**
 * Log marginal likelihood of standardised outputs `y` plus log prior, with its gradient
 * with respect to θ. Returns −∞ if the kernel matrix cannot be factorised.
 */
export function logPosteriorAndGradient(inputs: EncodedInputs, y: Float64Array, params: KernelParams, workspace: FitWorkspace = fitWorkspace(inputs.n)): { value: number; gradient: Float64Array } {
  const { n, d } = inputs;
  if (workspace.n !== n) throw new RangeError(`a workspace for ${workspace.n} points used for ${n}`);
  const gradient = new Float64Array(d + 2);
  const prior = logPrior(params, d, gradient);
  const k = workspace.kernel;
  const parts = workspace.parts;
  kernelMatrixWithParts(inputs, params, k, parts);
  let factor;
  try {
    factor = choleskyWithJitter(k, n, 1e-10, 4, workspace.factor);
  } catch {
    return { value: -Infinity, gradient };
  }
  const alpha = choleskySolve(factor, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += (y[i] as number) * (alpha[i] as number);
  const value = -0.5 * fit - 0.5 * logDeterminant(factor) - 0.5 * n * LOG_2PI + prior;
  const w = inverseFromCholesky(factor, workspace.inverse, workspace.scratch);
  addLikelihoodGradient(inputs, params, alpha, w, parts, gradient);
  return { value, gradient };
}

/**
 * Adds ½ Σ W ∘ ∂K/∂θ to `gradient`, with W = ααᵀ − K⁻¹ (off-diagonal pairs count twice, so
 * they get weight 1). A function of its own so that its n²·d loop is optimised on its own,
 * early, rather than run slowly until the whole log posterior is.
 */
function addLikelihoodGradient(inputs: EncodedInputs, params: KernelParams, alpha: Float64Array, inverse: Float64Array, parts: Float64Array, gradient: Float64Array): void {
  const { x, n, d, categorical } = inputs;
  const rho = params.inverseSquaredLengthscales;
  const s = params.signalVariance;
  let gradSignal = 0;
  let traceW = 0;
  for (let a = 0; a < n; a++) {
    const aa = alpha[a] as number;
    const rowA = a * n;
    traceW += aa * aa - (inverse[rowA + a] as number);
    for (let b = 0; b < a; b++) {
      const wab = aa * (alpha[b] as number) - (inverse[rowA + b] as number);
      const offA = a * d;
      const offB = b * d;
      gradSignal += wab * s * (parts[b * n + a] as number);
      const common = wab * s * (parts[rowA + b] as number);
      if (common === 0) continue;
      for (let j = 0; j < d; j++) {
        const diff = (x[offA + j] as number) - (x[offB + j] as number);
        const sq = categorical[j] ? (diff !== 0 ? 1 : 0) : diff * diff;
        gradient[j] = (gradient[j] as number) + common * (rho[j] as number) * sq;
      }
    }
  }
  gradient[d] = (gradient[d] as number) + gradSignal + 0.5 * s * traceW;
  gradient[d + 1] = (gradient[d + 1] as number) + 0.5 * params.noiseVariance * traceW;
}

/** Maximise the log posterior of the hyperparameters from `options.initial` (or the defaults). */
export function fitKernelParams(inputs: EncodedInputs, y: Float64Array, options: FitOptions): FitResult {
  const d = inputs.d;
  const deterministic = options.deterministic ?? false;
  const start = options.initial ?? defaultKernelParams(d);
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) {
    lower[j] = Math.log(1e-3);
    upper[j] = Math.log(1e4);
  }
  lower[d] = Math.log(1e-2);
  upper[d] = Math.log(1e2);
  lower[d + 1] = Math.log(MINIMUM_NOISE_VARIANCE);
  upper[d + 1] = deterministic ? Math.log(MINIMUM_NOISE_VARIANCE) : 0;
  const theta0 = toTheta(deterministic ? { ...start, noiseVariance: MINIMUM_NOISE_VARIANCE } : start, d);
  const workspace = fitWorkspace(inputs.n);
  const objective = (theta: Float64Array): { value: number; gradient: Float64Array } => {
    const r = logPosteriorAndGradient(inputs, y, fromTheta(theta, d), workspace);
    for (let i = 0; i < r.gradient.length; i++) r.gradient[i] = -(r.gradient[i] as number);
    return { value: -r.value, gradient: r.gradient };
  };
  const result = minimizeLbfgs(objective, theta0, { maxEvaluations: options.maxEvaluations, lower, upper, gradientTolerance: 1e-4 });
  return { params: fromTheta(result.x, d), logPosterior: -result.value, evaluations: result.evaluations };
}

/**
 * At most `size` of the points, evenly spaced in their order (a study's trials in the order
 * they finished: early, spread-out ones and late ones near the optimum alike); all of them
 * when there are no more than `size`.
 */
export function evenlySpacedSubset(inputs: EncodedInputs, y: Float64Array, size: number): { inputs: EncodedInputs; y: Float64Array } {
  const { x, n, d } = inputs;
  if (n <= size) return { inputs, y };
  const xs = new Float64Array(size * d);
  const ys = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const from = Math.floor((i * n) / size);
    xs.set(x.subarray(from * d, (from + 1) * d), i * d);
    ys[i] = y[from] as number;
  }
  return { inputs: { x: xs, n: size, d, categorical: inputs.categorical }, y: ys };
}

/**
 * A fit without a warm start on more than twice this many trials first fits this many of
 * them (each evaluation ~1/64 the cost at 200): from there half the evaluations reach the
 * log posterior a whole cold budget did (Hartmann-6, 300 trials), and the first ask of a
 * resumed study, which has nothing to warm-start from, is that much cheaper.
 */
const COARSE_FIT_SIZE = 50;
const COARSE_FIT_EVALUATIONS = 40;

/** Evaluations a fit on `n` points gets: each costs ~n³/2 flops, so fewer as n grows (4 to 60). */
export function fitEvaluationBudget(n: number): number {
  return Math.max(4, Math.min(60, Math.floor(1.2e8 / (n * n * n))));
}

/** MAP hyperparameters from the default start; past 2·COARSE_FIT_SIZE points, from a fit on COARSE_FIT_SIZE of them with half the budget. */
export function fitKernelParamsAfresh(inputs: EncodedInputs, y: Float64Array, options: { readonly maxEvaluations: number; readonly deterministic: boolean }): FitResult {
  const { maxEvaluations: budget, deterministic } = options;
  if (inputs.n <= 2 * COARSE_FIT_SIZE) return fitKernelParams(inputs, y, { maxEvaluations: budget, deterministic });
  const coarse = evenlySpacedSubset(inputs, y, COARSE_FIT_SIZE);
  const start = fitKernelParams(coarse.inputs, coarse.y, { maxEvaluations: COARSE_FIT_EVALUATIONS, deterministic });
  const fit = fitKernelParams(inputs, y, { initial: start.params, maxEvaluations: Math.max(4, Math.ceil(budget / 2)), deterministic });
  // A coarse start the full data cannot factor (rare): the default start instead.
  return Number.isFinite(fit.logPosterior) ? fit : fitKernelParams(inputs, y, { maxEvaluations: budget, deterministic });
}
