/**
 * Densities on a fixed grid of [0, 1], as probability masses per grid point: what
 * PED-ANOVA compares. Working on a grid keeps the cost O(points · gridSize) and makes the
 * divergence a plain sum.
 */

/** Scott's rule bandwidth σ·n^(−1/5), never below `minBandwidth`. */
export function scottBandwidth(xs: ArrayLike<number>, minBandwidth: number): number {
  const n = xs.length;
  if (n < 2) return Math.max(minBandwidth, 0.1);
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i] as number;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((xs[i] as number) - m) ** 2;
  const sigma = Math.sqrt(v / (n - 1));
  return Math.max(minBandwidth, 1.059 * sigma * n ** -0.2);
}

/** Grid points: the centres of `size` equal cells of [0, 1]. */
export function unitGrid(size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, i) => (i + 0.5) / size);
}

/**
 * A Gaussian kernel density of `xs` (each in [0, 1]) evaluated at the grid points and
 * normalized to masses summing to 1, mixed with `priorWeight` of the uniform mass.
 * Points are first binned onto a fine histogram, so the cost is O(n + fine · grid).
 */
export function gridDensity(xs: ArrayLike<number>, grid: Float64Array, bandwidth: number, priorWeight: number): Float64Array {
  const fine = 512;
  const counts = new Float64Array(fine);
  for (let i = 0; i < xs.length; i++) counts[Math.min(fine - 1, Math.max(0, Math.floor((xs[i] as number) * fine)))]! += 1;
  const out = new Float64Array(grid.length);
  const inv = 1 / (2 * bandwidth * bandwidth);
  for (let b = 0; b < fine; b++) {
    const c = counts[b] as number;
    if (c === 0) continue;
    const x = (b + 0.5) / fine;
    for (let g = 0; g < grid.length; g++) {
      const d = (grid[g] as number) - x;
      out[g]! += c * Math.exp(-d * d * inv);
    }
  }
  return normalizeWithPrior(out, priorWeight);
}

/** Masses of a discrete variable with `size` values from integer codes, plus a uniform prior. */
export function discreteMasses(codes: ArrayLike<number>, size: number, priorWeight: number): Float64Array {
  const out = new Float64Array(size);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c >= 0 && c < size) out[c]! += 1;
  }
  return normalizeWithPrior(out, priorWeight);
}

function normalizeWithPrior(masses: Float64Array, priorWeight: number): Float64Array {
  let total = 0;
  for (const m of masses) total += m;
  const k = masses.length;
  for (let i = 0; i < k; i++) masses[i] = (1 - priorWeight) * (total > 0 ? (masses[i] as number) / total : 1 / k) + priorWeight / k;
  return masses;
}

/**
 * Pearson χ² divergence of `p` from `q`: Σ q·(p/q − 1)². Zero when equal; large when `p`
 * piles up where `q` is thin. `q` must be positive wherever `p` is.
 */
export function pearsonDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const qi = q[i] as number;
    if (qi <= 0) continue;
    const r = (p[i] as number) / qi - 1;
    d += qi * r * r;
  }
  return d;
}
