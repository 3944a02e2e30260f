/**
 * The log density of a Parzen mixture at a batch of points, evaluating only the
 * components that can matter. At a point, component i contributes
 * v_i = log w_i + Σ_d term_d(i), and log Σ_i exp(v_i) keeps only the v_i within
 * NEGLIGIBLE of the largest: with hundreds of components in several dimensions, one or
 * two of them. So each component first gets a cheap upper bound on v_i (every term at its
 * peak, less the exact Gaussian penalties of the continuous dimensions); the exact value
 * of the component with the best bound is a lower bound on the largest v_i, and only the
 * components whose bound reaches within NEGLIGIBLE of it are evaluated. Those are
 * evaluated term by term in dimension order and summed in component order, exactly as a
 * full evaluation would, so the result is the same to the last bit.
 */
import { logGaussMass, LOG_SQRT_2PI, ndtr } from '../../numerics/truncnorm.js';
import type { Grid } from './domain.js';
import type { CategoricalKernels, Kernels, NumericKernels } from './kernels.js';
import { logNormOf, negLogNormBound } from './kernels.js';
import { WorkArrays } from './work-arrays.js';

/** Terms this far below the largest add less than e^-36 ≈ 2e-16 of it: left out of the sum. */
export const NEGLIGIBLE = 36;

/**
 * A bound and the exact value are sums of the same terms in different orders, so they
 * may differ in the last bits: peaks are raised by a relative 1e-9, penalties shrunk by as
 * much, and a component is skipped only when its bound is a further nat below the cut.
 */
const RAISE = 1e-9;
const SHRINK = 1 - 1e-9;
const MARGIN = 1;

/** One dimension's factor of the product kernel, in the form its per-component term is read. */
type Term = GaussianTerm | ChoiceTerm | CellTableTerm | CellTerm;

/** Continuous: log φ(z) − log σ − log Z with z = (x − μ)/σ, computed as `gaussianConstant − 0.5 z²`. */
interface GaussianTerm {
  readonly kind: 'gaussian';
  readonly kernels: NumericKernels;
  readonly mus: Float64Array;
  readonly inv: Float64Array;
  /** An upper bound on the term at the centre, −log σ − log √(2π) − log Z. */
  readonly peak: Float64Array;
  /**
   * The term at the centre, computed when a component is first evaluated (NaN until then):
   * wide kernels (Scott's rule) leave most components above the screen's cut, and each
   * would otherwise take a logarithm per point.
   */
  readonly constant: Float64Array;
}

interface ChoiceTerm {
  readonly kind: 'choice';
  readonly kernels: CategoricalKernels;
}

/** A grid no larger than the batch: the log mass of each cell under each distinct kernel, tabulated. */
interface CellTableTerm {
  readonly kind: 'cell-table';
  readonly size: number;
  /** Row r · size + cell: log mass of the cell under the kernels of row r, less their normaliser. */
  readonly rows: Float64Array;
  /** Each component's row (equal kernels share one). */
  readonly rowOf: Int32Array;
  readonly rowMax: Float64Array;
}

/** A grid larger than the batch: each cell mass computed when a component needs it. */
interface CellTerm {
  readonly kind: 'cell';
  readonly kernels: NumericKernels;
}

/** An estimator's terms prepared for one batch size. */
interface Mixture {
  readonly logWeights: Float64Array;
  readonly terms: readonly Term[];
  /** Per component, an upper bound on v_i anywhere: its log weight and every term's peak, raised. */
  readonly ceiling: Float64Array;
  /** The dimensions of the Gaussian terms. */
  readonly screenDims: readonly number[];
  /** (i · screenDims.length + s) · 2: the centre of component i in Gaussian dimension s; + 1: its 1/σ. */
  readonly screen: Float64Array;
}

/**
 * log Σ_i exp(logWeights[i] + Σ_d term_d(i, points[d][c])) for each of `count` points
 * (per dimension, model coordinates: cell and choice indices for discrete dimensions).
 */
export function mixtureLogDensity(kernels: readonly Kernels[], logWeights: Float64Array, points: readonly Float64Array[], count: number): Float64Array {
  work.reset();
  const mixture = mixtureOf(kernels, logWeights, count);
  const dims = kernels.length;
  const xs = work.float64(dims);
  const screenXs = work.float64(mixture.screenDims.length);
  const bounds = work.float64(logWeights.length);
  const values = work.float64(logWeights.length);
  const out = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    for (let d = 0; d < dims; d++) xs[d] = (points[d] as Float64Array)[c] as number;
    mixture.screenDims.forEach((d, s) => (screenXs[s] = xs[d] as number));
    const best = boundAll(mixture, screenXs, bounds);
    const cut = componentLogDensity(mixture, best, xs) - NEGLIGIBLE - MARGIN;
    out[c] = logSumExpAbove(mixture, xs, bounds, values, cut);
  }
  return out;
}

/**
 * Each component's bound at a point (its ceiling less the Gaussian penalties at the
 * point's coordinates `xs` in the screen dimensions) into `bounds`; returns the component
 * with the largest.
 */
function boundAll(mixture: Mixture, xs: Float64Array, bounds: Float64Array): number {
  const { ceiling, screen } = mixture;
  const n = xs.length;
  const m = ceiling.length;
  const half = 0.5 * SHRINK;
  let best = 0;
  let largest = -Infinity;
  for (let i = 0, at = 0; i < m; i++) {
    // Σ z² in two interleaved sums, so that each waits on half as many additions (a bound
    // needs no particular order).
    let even = 0;
    let odd = 0;
    let s = 0;
    for (; s + 1 < n; s += 2, at += 4) {
      const z0 = ((xs[s] as number) - (screen[at] as number)) * (screen[at + 1] as number);
      const z1 = ((xs[s + 1] as number) - (screen[at + 2] as number)) * (screen[at + 3] as number);
      even += z0 * z0;
      odd += z1 * z1;
    }
    if (s < n) {
      const z = ((xs[s] as number) - (screen[at] as number)) * (screen[at + 1] as number);
      even += z * z;
      at += 2;
    }
    const b = (ceiling[i] as number) - half * (even + odd);
    bounds[i] = b;
    if (b > largest) {
      largest = b;
      best = i;
    }
  }
  return best;
}

/**
 * log Σ exp(v_i) over the components whose bound is not below `cut` (a NaN bound is not),
 * evaluated exactly (into `values`) and summed in component order, terms more than
 * NEGLIGIBLE below the largest left out.
 */
function logSumExpAbove(mixture: Mixture, xs: Float64Array, bounds: Float64Array, values: Float64Array, cut: number): number {
  const m = mixture.logWeights.length;
  let n = 0;
  let max = -Infinity;
  for (let i = 0; i < m; i++) {
    if ((bounds[i] as number) < cut) continue;
    const v = componentLogDensity(mixture, i, xs);
    values[n++] = v;
    if (v > max) max = v;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const v = (values[k] as number) - max;
    if (v > -NEGLIGIBLE) sum += Math.exp(v);
  }
  return max + Math.log(sum);
}

/** v_i at one point, accumulated in dimension order (`xs[d]` the point's coordinate in dimension d). */
function componentLogDensity(mixture: Mixture, i: number, xs: Float64Array): number {
  const terms = mixture.terms;
  let v = mixture.logWeights[i] as number;
  for (let d = 0; d < terms.length; d++) {
    const term = terms[d] as Term;
    const x = xs[d] as number;
    switch (term.kind) {
      case 'gaussian': {
        const z = (x - (term.mus[i] as number)) * (term.inv[i] as number);
        let c = term.constant[i] as number;
        if (Number.isNaN(c)) c = term.constant[i] = gaussianConstant(term.kernels, i);
        v = v + c - 0.5 * z * z;
        break;
      }
      case 'choice': {
        const k = term.kernels;
        v = v + (x === k.choices[i] ? (k.logHit[i] as number) : (k.logMiss[i] as number));
        break;
      }
      case 'cell-table':
        v = v + (term.rows[(term.rowOf[i] as number) * term.size + x] as number);
        break;
      case 'cell':
        v = v + (cellLogMass(term.kernels, i, x) - logNormOf(term.kernels, i));
        break;
    }
  }
  return v;
}

/** The log density of a continuous kernel at its centre: −log σ − log √(2π) − log Z. */
function gaussianConstant(k: NumericKernels, i: number): number {
  return -Math.log(k.sigmas[i] as number) - LOG_SQRT_2PI - logNormOf(k, i);
}

function mixtureOf(kernels: readonly Kernels[], logWeights: Float64Array, count: number): Mixture {
  const m = logWeights.length;
  const terms = kernels.map((k) => termOf(k, count));
  const ceiling = work.float64(m);
  const magnitude = work.float64(m);
  for (let i = 0; i < m; i++) {
    ceiling[i] = logWeights[i] as number;
    magnitude[i] = Math.abs(logWeights[i] as number);
  }
  for (const term of terms) addPeaks(term, ceiling, magnitude);
  for (let i = 0; i < m; i++) ceiling[i] = (ceiling[i] as number) + RAISE * (magnitude[i] as number);
  const screenDims = terms.flatMap((t, d) => (t.kind === 'gaussian' ? [d] : []));
  return { logWeights, terms, ceiling, screenDims, screen: interleave(screenDims.map((d) => terms[d] as GaussianTerm), m) };
}

function termOf(k: Kernels, count: number): Term {
  if (k.kind === 'categorical') return { kind: 'choice', kernels: k };
  const grid = k.domain.grid;
  if (grid === null) return gaussianTerm(k);
  // A table costs a row per distinct kernel; worth it only when the batch visits as many cells.
  return grid.size <= count ? cellTableTerm(k, grid) : { kind: 'cell', kernels: k };
}

function gaussianTerm(k: NumericKernels): GaussianTerm {
  const m = k.mus.length;
  const inv = work.float64(m);
  const peak = work.float64(m);
  // Most widths are the clip's floor: take the log once per run of equal widths.
  let sigma = NaN;
  let logSigma = NaN;
  for (let i = 0; i < m; i++) {
    if (k.sigmas[i] !== sigma) {
      sigma = k.sigmas[i] as number;
      logSigma = Math.log(sigma);
    }
    inv[i] = 1 / sigma;
    peak[i] = -logSigma - LOG_SQRT_2PI + negLogNormBound(k, i);
  }
  return { kind: 'gaussian', kernels: k, mus: k.mus, inv, peak, constant: work.float64(m).fill(NaN) };
}

/**
 * The table of a grid dimension. Kernels on a grid repeat (centres are grid points, and
 * equal centres get equal widths), so each distinct (centre, width) gets one row.
 */
function cellTableTerm(k: NumericKernels, grid: Grid): CellTableTerm {
  const size = grid.size;
  const m = k.mus.length;
  const rowOf = work.int32(m);
  // The latest row made for a kernel centred on each grid point, and off the grid (the prior).
  const latest = work.int32(size + 1).fill(-1);
  const rowKernel: number[] = [];
  for (let i = 0; i < m; i++) {
    const mu = k.mus[i] as number;
    const at = pointIndex(grid.points, mu);
    const r = latest[at] as number;
    const j = r < 0 ? -1 : (rowKernel[r] as number);
    if (j >= 0 && k.mus[j] === mu && k.sigmas[j] === k.sigmas[i]) {
      rowOf[i] = r;
      continue;
    }
    latest[at] = rowKernel.length;
    rowOf[i] = rowKernel.length;
    rowKernel.push(i);
  }
  const rows = work.float64(rowKernel.length * size);
  const rowMax = work.float64(rowKernel.length);
  rowKernel.forEach((i, r) => (rowMax[r] = cellLogMasses(k, i, grid, rows.subarray(r * size, (r + 1) * size))));
  return { kind: 'cell-table', size, rows, rowOf, rowMax };
}

/** The index of `x` among the increasing `points`, or points.length when it is none of them. */
function pointIndex(points: Float64Array, x: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return points[lo] === x ? lo : points.length;
}

/** Each cell's log mass under component i, less its normaliser, into `out`; returns the largest. */
function cellLogMasses(k: NumericKernels, i: number, grid: Grid, out: Float64Array): number {
  const size = grid.size;
  const mu = k.mus[i] as number;
  const inv = 1 / (k.sigmas[i] as number);
  const norm = logNormOf(k, i);
  const z = work.float64(size + 1);
  const tail = work.float64(size + 1);
  for (let j = 0; j <= size; j++) {
    const zj = ((grid.edges[j] as number) - mu) * inv;
    z[j] = zj;
    tail[j] = ndtr(-Math.abs(zj));
  }
  let max = -Infinity;
  for (let c = 0; c < size; c++) {
    const a = z[c] as number;
    const b = z[c + 1] as number;
    // Φ(b) − Φ(a) from the tails Φ(−|a|), Φ(−|b|); in log space when it underflows.
    let mass: number;
    if (b <= 0) mass = (tail[c + 1] as number) - (tail[c] as number);
    else if (a >= 0) mass = (tail[c] as number) - (tail[c + 1] as number);
    else mass = 1 - (tail[c] as number) - (tail[c + 1] as number);
    const v = (mass > 1e-280 ? Math.log(mass) : logGaussMass(a, b)) - norm;
    out[c] = v;
    if (v > max) max = v;
  }
  return max;
}

/** log mass of grid cell `cell` under component i, before its normaliser. */
function cellLogMass(k: NumericKernels, i: number, cell: number): number {
  const grid = k.domain.grid as Grid;
  const sigma = k.sigmas[i] as number;
  const mu = k.mus[i] as number;
  const lo = grid.edges[cell] as number;
  const hi = grid.edges[cell + 1] as number;
  const width = hi - lo;
  if (sigma >= 3 * width) {
    // The cell is narrow against the kernel: mass ≈ density × width (error < 0.5%).
    const z = ((grid.points[cell] as number) - mu) / sigma;
    return -0.5 * z * z - LOG_SQRT_2PI + Math.log(width) - Math.log(sigma);
  }
  return logGaussMass((lo - mu) / sigma, (hi - mu) / sigma);
}

/**
 * Adds each component's largest possible term to `ceiling`, and its size to `magnitude`:
 * a Gaussian's centre, the likelier of hit and miss, the heaviest cell; a cell's mass
 * never exceeds the whole domain's, so its term is at most −log Z.
 */
function addPeaks(term: Term, ceiling: Float64Array, magnitude: Float64Array): void {
  const peaks = peaksOf(term, magnitude.length);
  for (let i = 0; i < ceiling.length; i++) {
    const peak = peaks[i] as number;
    ceiling[i] = (ceiling[i] as number) + peak;
    magnitude[i] = (magnitude[i] as number) + Math.abs(peak);
  }
}

/** Each component's peak term, into a work array: one loop per kind, so that no double is boxed on the way. */
function peaksOf(term: Term, m: number): Float64Array {
  if (term.kind === 'gaussian') return term.peak;
  const peaks = work.float64(m);
  switch (term.kind) {
    case 'choice': {
      const { logHit, logMiss } = term.kernels;
      for (let i = 0; i < m; i++) peaks[i] = Math.max(logHit[i] as number, logMiss[i] as number);
      break;
    }
    case 'cell-table':
      for (let i = 0; i < m; i++) peaks[i] = term.rowMax[term.rowOf[i] as number] as number;
      break;
    case 'cell':
      for (let i = 0; i < m; i++) peaks[i] = negLogNormBound(term.kernels, i);
      break;
  }
  return peaks;
}

/** The Gaussian terms' centres and inverse widths, interleaved component-major (the layout of `Mixture.screen`). */
function interleave(gaussians: readonly GaussianTerm[], m: number): Float64Array {
  const n = gaussians.length;
  const out = work.float64(2 * n * m);
  gaussians.forEach(({ mus, inv }, s) => {
    for (let i = 0, at = 2 * s; i < m; i++, at += 2 * n) {
      out[at] = mus[i] as number;
      out[at + 1] = inv[i] as number;
    }
  });
  return out;
}

/** Every array of an evaluation but its result: reset as each evaluation starts. */
const work = new WorkArrays();
