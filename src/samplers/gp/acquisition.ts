/**
 * Maximising an acquisition function (log EI, log EHVI, either plus log P(feasible)) over
 * the encoded space: score many scrambled-Sobol candidates and perturbations of the best
 * trials, then polish the top few with bounded L-BFGS on the continuous coordinates
 * alternated with neighbour moves on the discrete and categorical ones. Every point
 * scored lies on values the parameters can take.
 */
import { SOBOL_MAX_DIMENSION } from '../sobol-directions.js';
import { SobolSequence } from '../qmc.js';
import type { Rng } from '../rng.js';
import type { Encoding } from './encoding.js';
import { fromUnitCube, snapPoint } from './encoding.js';
import type { AcquisitionFunction } from './acquisition-functions.js';
import { LogExpectedImprovement } from './acquisition-functions.js';
import type { GaussianProcess } from './gp-model.js';
import type { LbfgsOptions } from './lbfgs.js';
import { minimizeLbfgsMany } from './lbfgs.js';

export interface AcquisitionOptions {
  /** Quasi-random candidates scored. */
  readonly candidates: number;
  /** Encoded points of the best trials, perturbed to make more candidates (local exploitation). */
  readonly anchors: readonly Float64Array[];
  /** Perturbations per anchor. */
  readonly perturbationsPerAnchor: number;
  /** Candidates polished by local search. */
  readonly localSearchStarts: number;
  /** Acquisition evaluations per L-BFGS run. */
  readonly localSearchEvaluations: number;
}

export interface AcquisitionResult {
  readonly point: Float64Array;
  /** The acquisition's value there. */
  readonly value: number;
}

/** log EI of the GP at a point, maximising above `best` (standardised units). */
export function logEIAt(gp: GaussianProcess, best: number, point: Float64Array): number {
  return new LogExpectedImprovement(gp, best).value(point);
}

/**
 * `v` folded back into [0, 1] at the bounds, as a mirror does (−0.1 → 0.1, 1.1 → 0.9). A
 * perturbation that steps past a bound lands inside, near it, rather than on it: clamped,
 * half the perturbations of an anchor on a bound piled up there, and trial after trial
 * stayed on the bound while the optimum sat just inside (Hartmann-6's x₆ = 0.04).
 */
export function reflectIntoUnitInterval(v: number): number {
  const folded = Math.abs(v) % 2;
  return folded > 1 ? 2 - folded : folded;
}

/** A random neighbour of `anchor`: numeric coordinates moved by N(0, scale²) and reflected at the bounds, categorical ones changed with probability 1/d; snapped. */
export function perturbAnchor(encoding: Encoding, anchor: Float64Array, scale: number, rng: Rng, out: Float64Array): Float64Array {
  for (let j = 0; j < encoding.d; j++) {
    const dim = encoding.dimensions[j];
    if (dim === undefined) continue;
    if (dim.kind === 'categorical') {
      out[j] = rng.float() < 1 / Math.max(2, encoding.d) ? rng.int(dim.size) : (anchor[j] as number);
    } else {
      out[j] = reflectIntoUnitInterval((anchor[j] as number) + scale * rng.normal());
    }
  }
  return snapPoint(encoding, out);
}

/** Moves over discrete and categorical coordinates: each choice, or ±1, ±2, ±4… grid steps. Returns the improved score. */
function neighbourSweep(acquisition: AcquisitionFunction, encoding: Encoding, point: Float64Array, score: number): number {
  const trial = Float64Array.from(point);
  for (let j = 0; j < encoding.d; j++) {
    const dim = encoding.dimensions[j];
    if (dim === undefined || dim.kind === 'continuous') continue;
    const options: number[] = [];
    if (dim.kind === 'categorical') {
      for (let c = 0; c < dim.size; c++) if (c !== point[j]) options.push(c);
    } else {
      const internal = dim.decode(point[j] as number);
      const step = dim.distribution.kind === 'categorical' ? 1 : (dim.distribution.step ?? 1);
      for (let m = 1; m < dim.size; m *= 2) {
        options.push(dim.encode(dim.decode(dim.encode(internal + m * step))));
        options.push(dim.encode(dim.decode(dim.encode(internal - m * step))));
      }
    }
    for (const value of options) {
      if (value === point[j]) continue;
      trial.set(point);
      trial[j] = value;
      const s = acquisition.value(trial);
      if (s > score) {
        score = s;
        point[j] = value;
      }
    }
  }
  return score;
}

/**
 * Bounded L-BFGS on the continuous coordinates of each start, the others held fixed; the
 * runs go in lockstep so that the acquisition can evaluate their points together. Updates
 * each start's point and score where the run improved on it.
 */
function continuousAscent(acquisition: AcquisitionFunction, encoding: Encoding, starts: readonly LocalSearch[], evaluations: number): void {
  const free = encoding.continuous;
  if (!free.some((f) => f === 1)) return;
  const runs = starts.map(({ point }) => {
    const lower = new Float64Array(encoding.d);
    const upper = new Float64Array(encoding.d);
    for (let j = 0; j < encoding.d; j++) {
      const fixed = !free[j];
      lower[j] = fixed ? (point[j] as number) : 0;
      upper[j] = fixed ? (point[j] as number) : 1;
    }
    const options: LbfgsOptions = { maxEvaluations: evaluations, lower, upper, gradientTolerance: 1e-6 };
    return { x0: point, options };
  });
  const objective = (xs: readonly Float64Array[]): { value: number; gradient: Float64Array }[] => {
    const results = acquisition.valuesAndGradients?.(xs, free) ?? xs.map((x) => acquisition.valueAndGradient(x, free));
    return results.map(({ value, gradient }) => {
      for (let j = 0; j < encoding.d; j++) gradient[j] = -(gradient[j] as number);
      return { value: -value, gradient };
    });
  };
  minimizeLbfgsMany(objective, runs).forEach((result, k) => {
    const start = starts[k] as LocalSearch;
    if (-result.value > start.score) {
      start.point.set(result.x);
      start.score = -result.value;
    }
  });
}

/** One local search's current point and score. */
interface LocalSearch {
  readonly point: Float64Array;
  score: number;
}

/** The encoded point with the highest log EI found. */
export function maximizeLogEI(gp: GaussianProcess, best: number, encoding: Encoding, rng: Rng, options: AcquisitionOptions): { point: Float64Array; logEI: number } {
  const { point, value } = maximizeAcquisition(new LogExpectedImprovement(gp, best), encoding, rng, options);
  return { point, logEI: value };
}

/** The encoded point with the highest acquisition value found. */
export function maximizeAcquisition(acquisition: AcquisitionFunction, encoding: Encoding, rng: Rng, options: AcquisitionOptions): AcquisitionResult {
  const d = encoding.d;
  const points: Float64Array[] = [];
  const sobol = d <= SOBOL_MAX_DIMENSION ? new SobolSequence(rng.nextUint32(), true) : null;
  const u = new Float64Array(d);
  for (let i = 0; i < options.candidates; i++) {
    if (sobol !== null) u.set(sobol.point(i, d));
    else for (let j = 0; j < d; j++) u[j] = rng.float();
    points.push(fromUnitCube(encoding, u, new Float64Array(d)));
  }
  const scales = [0.01, 0.03, 0.1, 0.2];
  for (const anchor of options.anchors) {
    for (let i = 0; i < options.perturbationsPerAnchor; i++) {
      points.push(perturbAnchor(encoding, anchor, scales[i % scales.length] as number, rng, new Float64Array(d)));
    }
  }
  const keep = Math.max(1, options.localSearchStarts);
  const exact = topCandidates(acquisition, points, keep);
  const scores = new Map(exact.map((e) => [e.index, e.score]));
  const order = exact.map((e) => e.index);

  let bestPoint = points[order[0] as number] as Float64Array;
  let bestScore = scores.get(order[0] as number) as number;
  const searches: LocalSearch[] = order.slice(0, options.localSearchStarts).map((index) => ({ point: Float64Array.from(points[index] as Float64Array), score: scores.get(index) as number }));
  let active = searches;
  for (let round = 0; round < 3 && active.length > 0; round++) {
    continuousAscent(acquisition, encoding, active, options.localSearchEvaluations);
    // Another continuous pass only pays when a discrete move changed the landscape.
    active = active.filter((search) => {
      const before = search.score;
      search.score = neighbourSweep(acquisition, encoding, search.point, search.score);
      return search.score > before + 1e-9;
    });
  }
  for (const search of searches) {
    if (search.score > bestScore) {
      bestScore = search.score;
      bestPoint = search.point;
    }
  }
  return { point: bestPoint, value: bestScore };
}

/**
 * The best `keep` candidates with their exact scores, best first. With a bound, rank by
 * it (exact mean, bounded variance) and score exactly only while a bound can still beat
 * the k-th best exact score; without one, score every candidate.
 */
function topCandidates(acquisition: AcquisitionFunction, points: readonly Float64Array[], keep: number): { index: number; score: number }[] {
  const bound = acquisition.bound;
  if (bound === undefined) {
    const scores = points.map((p) => acquisition.value(p));
    return scores
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, keep);
  }
  const bounds = points.map((p) => bound.call(acquisition, p));
  const byBound = bounds.map((_, i) => i).sort((a, b) => (bounds[b] as number) - (bounds[a] as number));
  const exact: { index: number; score: number }[] = [];
  // Scored four at a time where the acquisition shares work between points: a few more
  // candidates may be scored than one at a time would, never a different top `keep`.
  const chunk = acquisition.values === undefined ? 1 : 4;
  for (let next = 0; next < byBound.length; ) {
    const batch: number[] = [];
    while (batch.length < chunk && next < byBound.length) {
      const index = byBound[next] as number;
      if (exact.length + batch.length >= keep && (bounds[index] as number) <= (exact[Math.min(keep, exact.length) - 1]?.score ?? -Infinity)) break;
      batch.push(index);
      next++;
    }
    if (batch.length === 0) break;
    const scores = acquisition.values?.(batch.map((i) => points[i] as Float64Array)) ?? batch.map((i) => acquisition.value(points[i] as Float64Array));
    batch.forEach((index, k) => exact.push({ index, score: scores[k] as number }));
    exact.sort((a, b) => b.score - a.score);
  }
  return exact;
}
