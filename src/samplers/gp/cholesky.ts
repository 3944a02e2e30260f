/**
 * Cholesky factorisation of dense symmetric positive-definite matrices held row-major in
 * Float64Arrays, with triangular solves. Factors are lower-triangular (upper half zero).
 *
 * The O(n³) loops work on two rows against two rows at once (four dot products sharing
 * four loads), and the O(n²) ones keep four partial sums: both break the chain of
 * dependent additions that bounds a plain dot product, which is what makes a 1,000-point
 * GP affordable in JavaScript.
 */

/** Σₖ a[ao + k]·b[bo + k] for k < length, in four partial sums. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < length; k += 4) {
    s0 += (a[ao + k] as number) * (b[bo + k] as number);
    s1 += (a[ao + k + 1] as number) * (b[bo + k + 1] as number);
    s2 += (a[ao + k + 2] as number) * (b[bo + k + 2] as number);
    s3 += (a[ao + k + 3] as number) * (b[bo + k + 3] as number);
  }
  for (; k < length; k++) s0 += (a[ao + k] as number) * (b[bo + k] as number);
  return s0 + s1 + (s2 + s3);
}

/** Factor `a` (n×n, lower triangle read) in place into L with a = L·Lᵀ; false if a is not positive definite. */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  // Rows i and i + 1 together; when i + 1 is past the end, `rn` aliases row i and its results are dropped.
  for (let i = 0; i < n; i += 2) {
    const pair = i + 1 < n;
    const ri = i * n;
    const rn = pair ? ri + n : ri;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const rj = j * n;
      const rk = rj + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < j; k++) {
        const x0 = a[ri + k] as number;
        const x1 = a[rn + k] as number;
        const y0 = a[rj + k] as number;
        const y1 = a[rk + k] as number;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      const ljj = a[rj + j] as number;
      const lkj = a[rk + j] as number;
      const lkk = a[rk + j + 1] as number;
      const v0 = ((a[ri + j] as number) - s00) / ljj;
      const v1 = ((a[rn + j] as number) - s10) / ljj;
      const w0 = ((a[ri + j + 1] as number) - s01 - v0 * lkj) / lkk;
      const w1 = ((a[rn + j + 1] as number) - s11 - v1 * lkj) / lkk;
      a[ri + j] = v0;
      a[ri + j + 1] = w0;
      if (pair) {
        a[rn + j] = v1;
        a[rn + j + 1] = w1;
      }
    }
    if (j < i) {
      const rj = j * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < j; k++) {
        const y = a[rj + k] as number;
        s0 += (a[ri + k] as number) * y;
        s1 += (a[rn + k] as number) * y;
      }
      const ljj = a[rj + j] as number;
      const v0 = ((a[ri + j] as number) - s0) / ljj;
      const v1 = ((a[rn + j] as number) - s1) / ljj;
      a[ri + j] = v0;
      if (pair) a[rn + j] = v1;
    }
    // The 2×2 diagonal block.
    let s0 = 0;
    let s10 = 0;
    let s1 = 0;
    for (let k = 0; k < i; k++) {
      const x0 = a[ri + k] as number;
      const x1 = a[rn + k] as number;
      s0 += x0 * x0;
      s10 += x1 * x0;
      s1 += x1 * x1;
    }
    const d0 = (a[ri + i] as number) - s0;
    if (!(d0 > 0)) return false;
    const lii = Math.sqrt(d0);
    a[ri + i] = lii;
    a.fill(0, ri + i + 1, ri + n);
    if (pair) {
      const lni = ((a[rn + i] as number) - s10) / lii;
      const d1 = (a[rn + i + 1] as number) - s1 - lni * lni;
      if (!(d1 > 0)) return false;
      a[rn + i] = lni;
      a[rn + i + 1] = Math.sqrt(d1);
      a.fill(0, rn + i + 2, rn + n);
    }
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
 * Throws after `maxTries` retries (a NaN or wildly indefinite matrix). The factor is
 * written into `work` (n×n, any contents; a fresh array by default).
 */
export function choleskyWithJitter(a: Float64Array, n: number, initialJitter = 1e-10, maxTries = 8, work: Float64Array = new Float64Array(a.length)): CholeskyFactor {
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
    out[i] = ((b[i] as number) - dot(l, row, out, 0, i)) / (l[row + i] as number);
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

/** Right-hand sides the `…Four` solves take at once. */
export const SOLVE_WIDTH = 4;

/**
 * Solve L·X = B for four right-hand sides at once, held interleaved: entry i of right-hand
 * side r at 4·i + r (unused ones zero). One pass over L serves all four, which is what
 * pays when L no longer fits in a cache. Writes into `out` (may be b itself).
 */
export function solveLowerFour(factor: CholeskyFactor, b: Float64Array, out: Float64Array = new Float64Array(SOLVE_WIDTH * factor.n)): Float64Array {
  const { lower: l, n } = factor;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    // Two partial sums per right-hand side (even and odd k): two independent chains of
    // additions keep the floating-point units busy; the rounding differs from solveLower's
    // single sum, which is why the tests compare the two to 9 digits, not bit for bit.
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let k = 0;
    for (; k + 1 < i; k += 2) {
      const lk = l[row + k] as number;
      const lm = l[row + k + 1] as number;
      const o = 4 * k;
      a0 += lk * (out[o] as number);
      a1 += lk * (out[o + 1] as number);
      a2 += lk * (out[o + 2] as number);
      a3 += lk * (out[o + 3] as number);
      c0 += lm * (out[o + 4] as number);
      c1 += lm * (out[o + 5] as number);
      c2 += lm * (out[o + 6] as number);
      c3 += lm * (out[o + 7] as number);
    }
    if (k < i) {
      const lk = l[row + k] as number;
      const o = 4 * k;
      a0 += lk * (out[o] as number);
      a1 += lk * (out[o + 1] as number);
      a2 += lk * (out[o + 2] as number);
      a3 += lk * (out[o + 3] as number);
    }
    const lii = l[row + i] as number;
    const o = 4 * i;
    out[o] = ((b[o] as number) - (a0 + c0)) / lii;
    out[o + 1] = ((b[o + 1] as number) - (a1 + c1)) / lii;
    out[o + 2] = ((b[o + 2] as number) - (a2 + c2)) / lii;
    out[o + 3] = ((b[o + 3] as number) - (a3 + c3)) / lii;
  }
  return out;
}

/** Solve Lᵀ·X = B for four interleaved right-hand sides (as `solveLowerFour`); writes into `out` (may be b itself). */
export function solveUpperTransposedFour(factor: CholeskyFactor, b: Float64Array, out: Float64Array = new Float64Array(SOLVE_WIDTH * factor.n)): Float64Array {
  const { lower: l, n } = factor;
  if (out !== b) out.set(b.subarray(0, SOLVE_WIDTH * n));
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const lii = l[row + i] as number;
    const o = 4 * i;
    const x0 = (out[o] as number) / lii;
    const x1 = (out[o + 1] as number) / lii;
    const x2 = (out[o + 2] as number) / lii;
    const x3 = (out[o + 3] as number) / lii;
    out[o] = x0;
    out[o + 1] = x1;
    out[o + 2] = x2;
    out[o + 3] = x3;
    for (let k = 0; k < i; k++) {
      const lk = l[row + k] as number;
      const q = 4 * k;
      out[q] = (out[q] as number) - lk * x0;
      out[q + 1] = (out[q + 1] as number) - lk * x1;
      out[q + 2] = (out[q + 2] as number) - lk * x2;
      out[q + 3] = (out[q + 3] as number) - lk * x3;
    }
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
 * gradients, which need every entry; solve systems with `choleskySolve` instead. `out` and
 * `scratch` (n×n each, any contents) may be passed to reuse them.
 */
export function inverseFromCholesky(factor: CholeskyFactor, out: Float64Array = new Float64Array(factor.n * factor.n), scratch: Float64Array = new Float64Array(factor.n * factor.n)): Float64Array {
  // Two functions rather than one: each of V8's optimised versions comes sooner.
  invertTransposed(factor, scratch);
  return multiplyRowTails(scratch, factor.n, out);
}

/**
 * U = L⁻ᵀ held by rows into `u`: row a is column a of L⁻¹ (zero before a), from L·x = eₐ by
 * forward substitution, two columns at a time sharing the loads of L's rows. Only entries at
 * or after the diagonal are written (and read by `multiplyRowTails`).
 */
function invertTransposed(factor: CholeskyFactor, u: Float64Array): void {
  const { lower: l, n } = factor;
  for (let a = 0; a < n; a += 2) {
    const pair = a + 1 < n;
    const ra = a * n;
    const rb = pair ? ra + n : ra;
    u[ra + a] = 1 / (l[ra + a] as number);
    if (pair) {
      const lbb = l[rb + a + 1] as number;
      u[rb + a] = 0;
      u[rb + a + 1] = 1 / lbb;
      u[ra + a + 1] = (-(l[rb + a] as number) * (u[ra + a] as number)) / lbb;
    }
    for (let i = a + 2; i < n; i++) {
      const li = i * n;
      let s0 = 0;
      let s1 = 0;
      let t0 = 0;
      let t1 = 0;
      let k = a;
      for (; k + 1 < i; k += 2) {
        const lik = l[li + k] as number;
        const likNext = l[li + k + 1] as number;
        s0 += lik * (u[ra + k] as number);
        s1 += lik * (u[rb + k] as number);
        t0 += likNext * (u[ra + k + 1] as number);
        t1 += likNext * (u[rb + k + 1] as number);
      }
      if (k < i) {
        const lik = l[li + k] as number;
        s0 += lik * (u[ra + k] as number);
        s1 += lik * (u[rb + k] as number);
      }
      const lii = l[li + i] as number;
      u[ra + i] = -(s0 + t0) / lii;
      if (pair) u[rb + i] = -(s1 + t1) / lii;
    }
  }
}

/**
 * K⁻¹ = Uᵀ·U into `out`, by rows: K⁻¹[a, b] = Σ_{k ≥ max(a, b)} U[a, k]·U[b, k], a dot
 * product of two row tails; rows a, a + 1 against rows b, b + 1.
 */
function multiplyRowTails(u: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let a = 0; a < n; a += 2) {
    const pair = a + 1 < n;
    const ra = a * n;
    const rb = pair ? ra + n : ra;
    for (let b = 0; b < a; b += 2) {
      const rc = b * n;
      const rd = rc + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = a; k < n; k++) {
        const x0 = u[ra + k] as number;
        const x1 = u[rb + k] as number;
        const y0 = u[rc + k] as number;
        const y1 = u[rd + k] as number;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      out[ra + b] = s00;
      out[ra + b + 1] = s01;
      if (pair) {
        out[rb + b] = s10;
        out[rb + b + 1] = s11;
      }
    }
    let s0 = 0;
    let s10 = 0;
    let s1 = 0;
    for (let k = a; k < n; k++) {
      const x0 = u[ra + k] as number;
      const x1 = u[rb + k] as number;
      s0 += x0 * x0;
      s10 += x1 * x0;
      s1 += x1 * x1;
    }
    out[ra + a] = s0;
    if (pair) {
      out[rb + a] = s10;
      out[rb + a + 1] = s1;
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) out[b * n + a] = out[a * n + b] as number;
  return out;
}

/**
 * The factor of the matrix grown by `m` rows and columns, from the factor of its leading
 * n×n block: `rows` holds the new rows of the full matrix (m × (n + m), row-major, diagonal
 * included, without jitter; the old factor's jitter is added to the new diagonal entries).
 * O((n + m)²·m) instead of O((n + m)³). Null when a new pivot is not positive (factor afresh).
 */
export function extendCholesky(factor: CholeskyFactor, rows: Float64Array, m: number): CholeskyFactor | null {
  const { lower: old, n: n0 } = factor;
  const n = n0 + m;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n0; i++) l.set(old.subarray(i * n0, i * n0 + i + 1), i * n);
  for (let r = 0; r < m; r++) {
    const i = n0 + r;
    const li = i * n;
    const source = r * n;
    for (let j = 0; j < i; j++) l[li + j] = ((rows[source + j] as number) - dot(l, li, l, j * n, j)) / (l[j * n + j] as number);
    const pivot = (rows[source + i] as number) + factor.jitter - dot(l, li, l, li, i);
    if (!(pivot > 0)) return null;
    l[li + i] = Math.sqrt(pivot);
  }
  return { lower: l, n, jitter: factor.jitter };
}
