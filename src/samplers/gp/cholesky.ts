/**
 * Cholesky factorisation of dense symmetric positive-definite matrices held row-major in
 * Float64Arrays, with triangular solves. Factors are lower-triangular (upper half zero).
 */

/** Factor `a` (n×n, lower triangle read) in place into L with a = L·Lᵀ; false if a is not positive definite. */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let s = a[rowI + j] as number;
      for (let k = 0; k < j; k++) s -= (a[rowI + k] as number) * (a[rowJ + k] as number);
      if (i === j) {
        if (!(s > 0)) return false;
        a[rowI + i] = Math.sqrt(s);
      } else {
        a[rowI + j] = s / (a[rowJ + j] as number);
      }
    }
    for (let j = i + 1; j < n; j++) a[rowI + j] = 0;
  }
  return true;
}

export interface CholeskyFactor {
  /** Lower-triangular L, row-major n×n. */
  readonly lower: Float64Array;
  readonly n: number;
  /** Diagonal jitter that had to be added for the factorisation to succeed (0 if none). */
  readonly jitter: number;
}

/**
 * Factor a copy of `a`; when it is not numerically positive definite, add diagonal
 * jitter starting at `initialJitter`·(mean diagonal) and growing tenfold per retry.
 * Throws after `maxTries` retries (a NaN or wildly indefinite matrix).
 */
export function choleskyWithJitter(a: Float64Array, n: number, initialJitter = 1e-10, maxTries = 8): CholeskyFactor {
  const work = new Float64Array(a.length);
  work.set(a);
  if (choleskyInPlace(work, n)) return { lower: work, n, jitter: 0 };
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += Math.abs(a[i * n + i] as number) / n;
  if (!(meanDiagonal > 0) || !Number.isFinite(meanDiagonal)) meanDiagonal = 1;
  let jitter = initialJitter * meanDiagonal;
  for (let t = 0; t < maxTries; t++, jitter *= 10) {
    work.set(a);
    for (let i = 0; i < n; i++) work[i * n + i] = (work[i * n + i] as number) + jitter;
    if (choleskyInPlace(work, n)) return { lower: work, n, jitter };
  }
  throw new RangeError(`matrix is not positive definite even with diagonal jitter ${jitter / 10}`);
}

/** Solve L·x = b (forward substitution); writes into `out` (may be b itself). */
export function solveLower(factor: CholeskyFactor, b: ArrayLike<number>, out: Float64Array = new Float64Array(factor.n)): Float64Array {
  const { lower: l, n } = factor;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[row + k] as number) * (out[k] as number);
    out[i] = s / (l[row + i] as number);
  }
  return out;
}

/** Solve Lᵀ·x = b (back substitution); writes into `out` (may be b itself). */
export function solveUpperTransposed(factor: CholeskyFactor, b: ArrayLike<number>, out: Float64Array = new Float64Array(factor.n)): Float64Array {
  const { lower: l, n } = factor;
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i] as number;
  for (let i = n - 1; i >= 0; i--) {
    const xi = (out[i] as number) / (l[i * n + i] as number);
    out[i] = xi;
    // Column i of L below the diagonal is row i of Lᵀ: subtract its contribution from the earlier unknowns.
    const row = i * n;
    for (let k = 0; k < i; k++) out[k] = (out[k] as number) - (l[row + k] as number) * xi;
  }
  return out;
}

/** Solve (L·Lᵀ)·x = b. */
export function choleskySolve(factor: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const y = solveLower(factor, b);
  return solveUpperTransposed(factor, y, y);
}

/** log det(L·Lᵀ) = 2 Σ log Lᵢᵢ. */
export function logDeterminant(factor: CholeskyFactor): number {
  let s = 0;
  for (let i = 0; i < factor.n; i++) s += Math.log(factor.lower[i * factor.n + i] as number);
  return 2 * s;
}

/**
 * (L·Lᵀ)⁻¹ as a full symmetric matrix. Only for the trace terms of marginal-likelihood
 * gradients, which need every entry; solve systems with `choleskySolve` instead.
 */
export function inverseFromCholesky(factor: CholeskyFactor): Float64Array {
  const { lower: l, n } = factor;
  // M = L⁻¹ (lower), row by row: M[i, j] = −(Σ_{k=j}^{i−1} L[i,k]·M[k,j]) / L[i,i].
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let k = 0; k < i; k++) {
      const lik = l[rowI + k] as number;
      if (lik === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) m[rowI + j] = (m[rowI + j] as number) - lik * (m[rowK + j] as number);
    }
    const inv = 1 / (l[rowI + i] as number);
    for (let j = 0; j < i; j++) m[rowI + j] = (m[rowI + j] as number) * inv;
    m[rowI + i] = inv;
  }
  // K⁻¹ = Mᵀ·M: K⁻¹[a, b] = Σ_{k ≥ max(a, b)} M[k, a]·M[k, b].
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rowK = k * n;
    for (let a = 0; a <= k; a++) {
      const mka = m[rowK + a] as number;
      if (mka === 0) continue;
      const rowA = a * n;
      for (let b = 0; b <= a; b++) out[rowA + b] = (out[rowA + b] as number) + mka * (m[rowK + b] as number);
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) out[b * n + a] = out[a * n + b] as number;
  return out;
}
