import type { Distribution } from '../../space/distributions.js';
import { contains, snap } from '../../space/distributions.js';
import type { SearchSpaceMap } from '../../policies/policies.js';
import type { Rng } from '../rng.js';
import type { CrossoverKind } from './options.js';
import type { Individual } from './population.js';
import { constrainedDominates } from './population.js';

/** How a child is made from the parent population. */
export interface VariationSettings {
  readonly crossover: CrossoverKind;
  readonly crossoverProb: number;
  readonly swappingProb: number;
  /** null: 1 / (number of parameters). */
  readonly mutationProb: number | null;
  /** SBX distribution index. */
  readonly sbxEta: number;
}

/**
 * Binary tournament: two members drawn at random (with replacement), the one that
 * constrained-dominates the other wins; otherwise the second. `skip` (an index) is left
 * out of the draw when the pool has another member.
 */
export function tournament(pool: readonly Individual[], rng: Rng, skip = -1): number {
  const n = skip >= 0 && pool.length > 1 ? pool.length - 1 : pool.length;
  const draw = (): number => {
    const i = rng.int(n);
    return skip >= 0 && pool.length > 1 && i >= skip ? i + 1 : i;
  };
  const a = draw();
  const b = draw();
  return constrainedDominates(pool[a] as Individual, pool[b] as Individual) ? a : b;
}

/**
 * A child's internal values over `space`, from parents chosen by tournament: crossover
 * with probability `crossoverProb` (otherwise a copy of one parent), then mutation: each
 * parameter is left out with probability `mutationProb`, so that the study draws it
 * afresh. Every value returned lies inside its distribution; a parameter a parent lacks
 * is left out too.
 */
export function makeChild(pool: readonly Individual[], space: SearchSpaceMap, settings: VariationSettings, rng: Rng): Record<string, number> {
  const names = Object.keys(space).sort();
  const child: Record<string, number> = {};
  if (pool.length === 0 || names.length === 0) return child;
  if (rng.float() < settings.crossoverProb) {
    const first = tournament(pool, rng);
    const second = tournament(pool, rng, first);
    crossover((pool[first] as Individual).trial.internalParams, (pool[second] as Individual).trial.internalParams, names, space, settings, rng, child);
  } else {
    const parent = (pool[rng.int(pool.length)] as Individual).trial.internalParams;
    for (const name of names) {
      const v = parent[name];
      if (v !== undefined) child[name] = v;
    }
  }
  const mutation = settings.mutationProb ?? 1 / names.length;
  const out: Record<string, number> = {};
  for (const name of names) {
    const mutate = rng.float() < mutation;
    const v = child[name];
    if (!mutate && v !== undefined && contains(space[name] as Distribution, v)) out[name] = v;
  }
  return out;
}

function crossover(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
  names: readonly string[],
  space: SearchSpaceMap,
  settings: VariationSettings,
  rng: Rng,
  child: Record<string, number>,
): void {
  for (const name of names) {
    const dist = space[name] as Distribution;
    const x = a[name];
    const y = b[name];
    if (x === undefined || y === undefined) continue;
    if (settings.crossover === 'sbx' && dist.kind !== 'categorical') {
      child[name] = sbxGene(dist, x, y, settings.sbxEta, rng);
    } else {
      child[name] = rng.float() < settings.swappingProb ? y : x;
    }
  }
}

/** The continuous coordinate a numeric distribution is searched in: log for log ranges, padded by half a step where values are discrete. */
export function searchCoordinate(dist: Exclude<Distribution, { kind: 'categorical' }>): { low: number; high: number; to: (v: number) => number; from: (x: number) => number } {
  const half = dist.step === null ? 0 : dist.log ? 0.5 : dist.step / 2;
  if (dist.log) return { low: Math.log(dist.low - half), high: Math.log(dist.high + half), to: Math.log, from: Math.exp };
  const identity = (v: number): number => v;
  return { low: dist.low - half, high: dist.high + half, to: identity, from: identity };
}

/** Chance SBX takes a child gene rather than one of the parents' genes (Optuna's `use_child_gene_prob`). */
const SBX_CHILD_GENE_PROB = 0.5;

/**
 * Simulated binary crossover of one numeric gene (Deb & Agrawal 1995), in its bounded form
 * (the spread is scaled so children stay inside the bounds): with probability 1/2 one of the
 * two children, otherwise one of the parents, then snapped onto the distribution.
 */
export function sbxGene(dist: Exclude<Distribution, { kind: 'categorical' }>, x: number, y: number, eta: number, rng: Rng): number {
  const coord = searchCoordinate(dist);
  const u = rng.float();
  const useChild = rng.float() < SBX_CHILD_GENE_PROB;
  const pickSecond = rng.float() < 0.5;
  if (!useChild) return pickSecond ? y : x;
  const p = coord.to(x);
  const q = coord.to(y);
  const lo = Math.min(p, q);
  const hi = Math.max(p, q);
  const diff = Math.max(hi - lo, 1e-10);
  const spread = (beta: number): number => {
    const alpha = 2 - Math.pow(beta, -(eta + 1));
    return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
  };
  const c1 = 0.5 * (lo + hi - spread(1 + (2 * (lo - coord.low)) / diff) * diff);
  const c2 = 0.5 * (lo + hi + spread(1 + (2 * (coord.high - hi)) / diff) * diff);
  const c = Math.min(coord.high, Math.max(coord.low, pickSecond ? c2 : c1));
  return snap(dist, coord.from(c));
}
