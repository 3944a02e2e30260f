/**
 * The Matérn-5/2 kernel with automatic relevance determination: one inverse squared
 * lengthscale ρⱼ per input dimension. Numeric dimensions contribute ρⱼ·(xⱼ − yⱼ)² to the
 * squared distance r², categorical ones (coded as the choice's index) ρⱼ·[xⱼ ≠ yⱼ], a
 * Hamming distance. k(x, y) = s·(1 + √5·r + 5/3·r²)·exp(−√5·r).
 */

/** √5 of the Matérn-5/2 formula, written out where a loop needs its value and its r²-derivative together (fit.ts too). */
export const SQRT5 = Math.sqrt(5);

export interface KernelParams {
  /** ρⱼ = 1/ℓⱼ², one per dimension. */
  readonly inverseSquaredLengthscales: Float64Array;
  /** s, the prior variance of the function. */
  readonly signalVariance: number;
  /** Variance of the observation noise, added on the diagonal of the training kernel. */
  readonly noiseVariance: number;
}

/** Points in the encoded input space, row-major. */
export interface EncodedInputs {
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  /** 1 where a dimension is categorical (Hamming distance), 0 where numeric. */
  readonly categorical: Uint8Array;
}

/** Matérn-5/2 correlation at squared distance r². */
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/** d matern52 / d r², smooth at r = 0: −5/6·(1 + √5·r)·exp(−√5·r). */
export function matern52DerivativeR2(r2: number): number {
  const r = Math.sqrt(r2);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** Weighted squared distance between row `i` of `a` and the point `b` at offset `bOffset`. */
export function squaredDistance(
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
  rho: Float64Array,
  categorical: Uint8Array,
  d: number,
): number {
  let r2 = 0;
  for (let j = 0; j < d; j++) {
    const diff = (a[aOffset + j] as number) - (b[bOffset + j] as number);
    r2 += categorical[j] ? (diff !== 0 ? (rho[j] as number) : 0) : (rho[j] as number) * diff * diff;
  }
  return r2;
}

/**
 * K[i, j] = k(xᵢ, xⱼ) over the training inputs, plus `noiseVariance` on the diagonal.
 * Each entry is computed once and written to both halves.
 */
export function kernelMatrix(inputs: EncodedInputs, params: KernelParams, withNoise = true): Float64Array {
  const { x, n, d, categorical } = inputs;
  const rho = params.inverseSquaredLengthscales;
  const s = params.signalVariance;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = s + (withNoise ? params.noiseVariance : 0);
    for (let j = 0; j < i; j++) {
      const v = s * matern52(squaredDistance(x, i * d, x, j * d, rho, categorical, d));
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

/** Rows `from`…n − 1 of `kernelMatrix(inputs, params)`, as an (n − from) × n row-major block. */
export function kernelRows(inputs: EncodedInputs, params: KernelParams, from: number): Float64Array {
  const { x, n, d, categorical } = inputs;
  const rho = params.inverseSquaredLengthscales;
  const s = params.signalVariance;
  const out = new Float64Array((n - from) * n);
  for (let i = from; i < n; i++) {
    const row = (i - from) * n;
    for (let j = 0; j < n; j++) out[row + j] = i === j ? s + params.noiseVariance : s * matern52(squaredDistance(x, i * d, x, j * d, rho, categorical, d));
  }
  return out;
}

/** Whether any dimension is categorical (the kernels' loops then take the Hamming branch). */
function anyCategorical(categorical: Uint8Array): boolean {
  for (let j = 0; j < categorical.length; j++) if (categorical[j]) return true;
  return false;
}

/**
 * k(xᵢ, p) for every training input xᵢ and one point p (length d, at `offset` in `point`).
 * Without categorical dimensions the distance loop is inlined without its branch (the same
 * operations in the same order: the values do not change), which halves the cost.
 */
export function crossKernel(inputs: EncodedInputs, params: KernelParams, point: Float64Array, offset = 0, out: Float64Array = new Float64Array(inputs.n)): Float64Array {
  const { x, n, d, categorical } = inputs;
  const rho = params.inverseSquaredLengthscales;
  const s = params.signalVariance;
  if (anyCategorical(categorical)) {
    for (let i = 0; i < n; i++) out[i] = s * matern52(squaredDistance(x, i * d, point, offset, rho, categorical, d));
    return out;
  }
  for (let i = 0, row = 0; i < n; i++, row += d) {
    let r2 = 0;
    for (let j = 0; j < d; j++) {
      const diff = (x[row + j] as number) - (point[offset + j] as number);
      r2 += (rho[j] as number) * diff * diff;
    }
    const r = Math.sqrt(r2);
    out[i] = s * ((1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r));
  }
  return out;
}

/**
 * `crossKernel` into `k`, and into `dk` each entry's derivative with respect to r²
 * (s·matern52DerivativeR2), sharing the distance, square root and exponential.
 */
export function crossKernelWithDerivative(inputs: EncodedInputs, params: KernelParams, point: Float64Array, k: Float64Array, dk: Float64Array): void {
  const { x, n, d, categorical } = inputs;
  const rho = params.inverseSquaredLengthscales;
  const s = params.signalVariance;
  const hamming = anyCategorical(categorical);
  for (let i = 0, row = 0; i < n; i++, row += d) {
    let r2 = 0;
    if (hamming) r2 = squaredDistance(x, row, point, 0, rho, categorical, d);
    else {
      for (let j = 0; j < d; j++) {
        const diff = (x[row + j] as number) - (point[j] as number);
        r2 += (rho[j] as number) * diff * diff;
      }
    }
    const r = Math.sqrt(r2);
    const e = Math.exp(-SQRT5 * r);
    // The same operations in the same order as s·matern52 and s·matern52DerivativeR2, so that
    // values with and without gradients agree to the last bit.
    k[i] = s * ((1 + SQRT5 * r + (5 / 3) * r2) * e);
    dk[i] = s * ((-5 / 6) * (1 + SQRT5 * r) * e);
  }
}
