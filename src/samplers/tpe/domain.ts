/**
 * Where a parameter's kernels live. Numeric parameters are modelled on a line: the value
 * itself, or its log for log ranges. Discrete numeric parameters (a step, or an int) are
 * a grid of K cells on that line, each value owning the interval around it, so that the
 * estimator gives each value a probability mass rather than a density.
 *
 * A categorical list of three or more distinct numbers (`batch_size: { choice: [16, 32,
 * 64, 128] }`) is ordinal: it is modelled as a grid over the ranks of its values, so that a
 * good batch size of 64 also raises 32 and 128 instead of nothing. Other categoricals get
 * Aitchison–Aitken kernels over unordered choices.
 */
import type { Distribution } from '../../space/distributions.js';
import { cardinality, contains, snap } from '../../space/distributions.js';

/** A numeric parameter's model line: [low, high] (log space for log ranges), optionally cut into cells. */
export interface NumericDomain {
  readonly kind: 'numeric';
  readonly low: number;
  readonly high: number;
  /** Null for a continuous parameter. */
  readonly grid: Grid | null;
  readonly distribution: Distribution;
}

export interface CategoricalDomain {
  readonly kind: 'categorical';
  readonly size: number;
  readonly distribution: Distribution;
}

export type Domain = NumericDomain | CategoricalDomain;

/** K values on the model line; value k owns [edges[k], edges[k+1]]. */
export interface Grid {
  readonly size: number;
  /** The values, on the model line. */
  readonly points: Float64Array;
  readonly edges: Float64Array;
  /** Value k of the grid as an internal (external-scale) value. */
  internal(k: number): number;
  /** The cell of an internal value (clamped to the grid). */
  cellOf(internal: number): number;
  /** The cell whose interval holds a point of the model line (clamped to the grid). */
  cellAt(x: number): number;
}

/** Grids larger than this are modelled as continuous lines and snapped afterwards. */
const MAX_GRID = 4096;

/**
 * @param ordinalChoices model categoricals of three or more distinct numbers on a grid of
 *   their ranks (see above); false treats every categorical as unordered
 */
export function domainOf(dist: Distribution, ordinalChoices = true): Domain {
  if (dist.kind === 'categorical') {
    const ranks = ordinalChoices ? choiceRanks(dist.choices) : null;
    if (ranks === null) return { kind: 'categorical', size: dist.choices.length, distribution: dist };
    const grid = rankGrid(ranks);
    return { kind: 'numeric', low: grid.edges[0] as number, high: grid.edges[grid.size] as number, grid, distribution: dist };
  }
  const discrete = dist.kind === 'int' || dist.step !== null;
  const k = cardinality(dist);
  if (!discrete || k > MAX_GRID) {
    if (dist.log) {
      const pad = dist.kind === 'int' ? 0.5 : 0;
      return { kind: 'numeric', low: Math.log(dist.low - pad), high: Math.log(dist.high + pad), grid: null, distribution: dist };
    }
    const pad = discrete ? 0.5 * (dist.step ?? 1) : 0;
    return { kind: 'numeric', low: dist.low - pad, high: dist.high + pad, grid: null, distribution: dist };
  }
  const grid = dist.log ? logIntGrid(dist.low, k) : linearGrid(dist, k);
  return { kind: 'numeric', low: grid.edges[0] as number, high: grid.edges[k] as number, grid, distribution: dist };
}

function linearGrid(dist: Distribution & { kind: 'int' | 'float' }, size: number): Grid {
  const step = dist.step ?? 1;
  const points = new Float64Array(size);
  const edges = new Float64Array(size + 1);
  for (let k = 0; k < size; k++) {
    points[k] = dist.low + k * step;
    edges[k] = dist.low + (k - 0.5) * step;
  }
  edges[size] = dist.low + (size - 0.5) * step;
  return {
    size,
    points,
    edges,
    internal: (k) => snap(dist, dist.low + k * step),
    cellOf: (v) => Math.min(size - 1, Math.max(0, Math.round((v - dist.low) / step))),
    cellAt: (x) => Math.min(size - 1, Math.max(0, Math.round((x - dist.low) / step))),
  };
}

function logIntGrid(low: number, size: number): Grid {
  const points = new Float64Array(size);
  const edges = new Float64Array(size + 1);
  for (let k = 0; k < size; k++) {
    points[k] = Math.log(low + k);
    edges[k] = Math.log(low + k - 0.5);
  }
  edges[size] = Math.log(low + size - 0.5);
  return {
    size,
    points,
    edges,
    internal: (k) => low + k,
    cellOf: (v) => Math.min(size - 1, Math.max(0, Math.round(v) - low)),
    cellAt: (x) => Math.min(size - 1, Math.max(0, Math.round(Math.exp(x)) - low)),
  };
}

/**
 * For a list of three or more distinct finite numbers, each choice's rank by value;
 * otherwise null (strings, booleans, repeats, or two choices, where order says nothing).
 */
export function choiceRanks(choices: readonly unknown[]): Int32Array | null {
  if (choices.length < 3 || !choices.every((c) => typeof c === 'number' && Number.isFinite(c))) return null;
  const values = choices as readonly number[];
  const byValue = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Int32Array(values.length);
  for (let r = 0; r < byValue.length; r++) {
    if (r > 0 && values[byValue[r] as number] === values[byValue[r - 1] as number]) return null;
    ranks[byValue[r] as number] = r;
  }
  return ranks;
}

/** The grid of an ordinal categorical: cell k is the choice of rank k, at point k of the line. */
function rankGrid(ranks: Int32Array): Grid {
  const size = ranks.length;
  const points = new Float64Array(size);
  const edges = new Float64Array(size + 1);
  const choiceOfRank = new Int32Array(size);
  for (let i = 0; i < size; i++) choiceOfRank[ranks[i] as number] = i;
  for (let k = 0; k < size; k++) {
    points[k] = k;
    edges[k] = k - 0.5;
  }
  edges[size] = size - 0.5;
  const clamp = (k: number): number => Math.min(size - 1, Math.max(0, k));
  return {
    size,
    points,
    edges,
    internal: (k) => choiceOfRank[clamp(k)] as number,
    cellOf: (choice) => ranks[clamp(Math.round(choice))] as number,
    cellAt: (x) => clamp(Math.round(x)),
  };
}

/** An observed internal value as a kernel centre: a point on the model line, or a choice index. */
export function observationCoordinate(domain: Domain, internal: number): number {
  if (domain.kind === 'categorical') return internal;
  if (domain.grid !== null) return domain.grid.points[domain.grid.cellOf(internal)] as number;
  return domain.distribution.kind !== 'categorical' && domain.distribution.log ? Math.log(internal) : internal;
}

/** A sampled candidate (a point on the line, or a cell / choice index) as an internal value inside the distribution. */
export function candidateToInternal(domain: Domain, x: number): number {
  const dist = domain.distribution;
  if (domain.kind === 'categorical') return x;
  if (domain.grid !== null) return domain.grid.internal(x);
  if (dist.kind === 'categorical') throw new Error('a categorical is modelled on a grid or as choices');
  return snap(dist, dist.log ? Math.exp(x) : x);
}

/** Inside the distribution's bounds (grids are snapped, so off-grid values from an older step still count). */
export function inRange(dist: Distribution, v: number): boolean {
  if (Number.isNaN(v)) return false;
  if (dist.kind === 'categorical') return contains(dist, v);
  return v >= dist.low && v <= dist.high;
}
