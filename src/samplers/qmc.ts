import { OptionError } from '../errors.js';
import type { Distribution } from '../space/distributions.js';
import { cardinality, isSingleValue, snap } from '../space/distributions.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../policies/policies.js';
import { sampleUniform } from './random.js';
import { Rng, randomSeed } from './rng.js';
import { SOBOL_MAX_DIMENSION, sobolDirections } from './sobol-directions.js';

export type QmcType = 'sobol' | 'halton';

/** Option keys a space file may give `kind: qmc`. */
export const QMC_OPTION_KEYS: readonly string[] = ['seed', 'scramble', 'qmcType'];

export interface QMCSamplerOptions {
  /** Seed of the scrambling and of the independent fallback. Default: a fresh random seed. */
  seed?: number;
  /** Scramble the sequence (linear matrix scrambling + digital shift for Sobol, random digit permutations for Halton). Default true. */
  scramble?: boolean;
  /** Which low-discrepancy sequence. Default 'sobol'. */
  qmcType?: QmcType;
}

/** A low-discrepancy sequence in [0, 1)^d, addressed by index so that any worker can compute any point. */
export interface QmcSequence {
  /** Coordinates of point `index` (0, 1, 2…) in its first `dimension` dimensions. */
  point(index: number, dimension: number): Float64Array;
}

const TWO_POW_32 = 4294967296;

function popcountParity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Sobol' points from the Joe–Kuo direction numbers (up to 64 dimensions, 2^32 points).
 * Scrambling is scipy's: a random lower-triangular binary matrix applied to each
 * dimension's direction numbers (linear matrix scrambling), then a random digital shift.
 * Each dimension's scrambling depends only on (seed, dimension index). Points come in
 * Gray-code order, like scipy's `Sobol(scramble=False)`.
 */
export class SobolSequence implements QmcSequence {
  private readonly directions: Uint32Array[] = [];
  private readonly shifts: number[] = [];

  constructor(
    private readonly seed: number,
    private readonly scramble: boolean,
  ) {}

  private ensure(dimension: number): void {
    if (dimension > SOBOL_MAX_DIMENSION) {
      throw new OptionError(`Sobol points are available for up to ${SOBOL_MAX_DIMENSION} parameters, got ${dimension}; use qmcType 'halton'`);
    }
    if (this.directions.length >= dimension) return;
    const all = sobolDirections(dimension);
    for (let j = this.directions.length; j < dimension; j++) {
      const v = all[j] as Uint32Array;
      if (!this.scramble) {
        this.directions.push(v);
        this.shifts.push(0);
        continue;
      }
      const rng = Rng.derive(this.seed, 'sobol-scramble', j);
      // Row i (output digit i, bit 31-i) has its diagonal bit set and random bits on the earlier digits.
      const rows = new Uint32Array(32);
      for (let i = 0; i < 32; i++) {
        const higher = i === 0 ? 0 : ~((1 << (32 - i)) - 1) >>> 0;
        rows[i] = ((1 << (31 - i)) | (rng.nextUint32() & higher)) >>> 0;
      }
      const scrambled = new Uint32Array(32);
      for (let k = 0; k < 32; k++) {
        let out = 0;
        for (let i = 0; i < 32; i++) if (popcountParity((rows[i] as number) & (v[k] as number))) out |= 1 << (31 - i);
        scrambled[k] = out >>> 0;
      }
      this.directions.push(scrambled);
      this.shifts.push(rng.nextUint32());
    }
  }

  point(index: number, dimension: number): Float64Array {
    if (!Number.isInteger(index) || index < 0 || index >= TWO_POW_32) throw new RangeError(`Sobol index must be an integer in [0, 2^32), got ${index}`);
    this.ensure(dimension);
    const out = new Float64Array(dimension);
    for (let j = 0; j < dimension; j++) {
      const v = this.directions[j] as Uint32Array;
      let x = this.shifts[j] as number;
      // Gray-code order (as scipy and Joe–Kuo): the same points, each differing from the last by one direction.
      let rest = (index ^ Math.floor(index / 2)) >>> 0;
      for (let b = 0; rest > 0; b++) {
        if (rest % 2 === 1) x ^= v[b] as number;
        rest = Math.floor(rest / 2);
      }
      out[j] = (x >>> 0) / TWO_POW_32;
    }
    return out;
  }
}

function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let n = 2; primes.length < count; n++) if (primes.every((p) => n % p !== 0 || p * p > n)) primes.push(n);
  return primes;
}

/**
 * Halton points: the radical inverse of the index in the j-th prime base. Scrambled
 * with an independent random permutation of the digits at every digit position
 * (Owen-style random permutations), carried far enough to fill a double.
 */
export class HaltonSequence implements QmcSequence {
  private readonly permutations: Uint16Array[][] = [];
  private primes: number[] = [];

  constructor(
    private readonly seed: number,
    private readonly scramble: boolean,
  ) {}

  private ensure(dimension: number): void {
    if (this.primes.length < dimension) this.primes = firstPrimes(dimension);
    for (let j = this.permutations.length; j < dimension; j++) {
      const base = this.primes[j] as number;
      const digits = Math.ceil(53 / Math.log2(base));
      const rng = Rng.derive(this.seed, 'halton-scramble', j);
      const perms: Uint16Array[] = [];
      for (let k = 0; k < digits; k++) {
        const perm = new Uint16Array(base);
        for (let i = 0; i < base; i++) perm[i] = i;
        if (this.scramble) {
          for (let i = base - 1; i > 0; i--) {
            const r = rng.int(i + 1);
            const t = perm[i] as number;
            perm[i] = perm[r] as number;
            perm[r] = t;
          }
        }
        perms.push(perm);
      }
      this.permutations.push(perms);
    }
  }

  point(index: number, dimension: number): Float64Array {
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`Halton index must be a non-negative integer, got ${index}`);
    this.ensure(dimension);
    const out = new Float64Array(dimension);
    for (let j = 0; j < dimension; j++) {
      const base = this.primes[j] as number;
      const perms = this.permutations[j] as Uint16Array[];
      let rest = index;
      let scale = 1 / base;
      let x = 0;
      for (const perm of perms) {
        const digit = rest % base;
        rest = Math.floor(rest / base);
        x += (perm[digit] as number) * scale;
        scale /= base;
        if (!this.scramble && rest === 0) break;
      }
      out[j] = Math.min(x, 1 - Number.EPSILON / 2);
    }
    return out;
  }
}

export function createQmcSequence(type: QmcType, seed: number, scramble: boolean): QmcSequence {
  return type === 'sobol' ? new SobolSequence(seed, scramble) : new HaltonSequence(seed, scramble);
}

/**
 * The internal value at quantile-like position u ∈ [0, 1) of a distribution: uniform
 * (log-uniform for log ranges), each grid value and choice getting an equal share.
 */
export function fromUnitInterval(dist: Distribution, u: number): number {
  if (isSingleValue(dist)) return dist.kind === 'categorical' ? 0 : dist.low;
  if (dist.kind === 'categorical') return Math.min(dist.choices.length - 1, Math.floor(u * dist.choices.length));
  if (dist.log) {
    const pad = dist.kind === 'int' ? 0.5 : 0;
    const lo = Math.log(dist.low - pad);
    const hi = Math.log(dist.high + pad);
    return snap(dist, Math.exp(lo + u * (hi - lo)));
  }
  const n = cardinality(dist);
  if (Number.isFinite(n)) return snap(dist, dist.low + Math.min(n - 1, Math.floor(u * n)) * (dist.step as number));
  return snap(dist, dist.low + u * (dist.high - dist.low));
}

/**
 * Quasi-Monte Carlo sampling: trial n gets point n of a (scrambled) Sobol' or Halton
 * sequence over the search space of the first completed trial, so parallel workers get
 * distinct, well-spread points without talking to each other. Parameters outside that
 * space (and everything before a trial completes) are sampled independently and uniformly.
 */
export class QMCSampler implements Sampler {
  readonly seed: number;
  readonly scramble: boolean;
  readonly qmcType: QmcType;
  private readonly sequence: QmcSequence;

  constructor(options: QMCSamplerOptions = {}) {
    this.seed = options.seed ?? randomSeed();
    this.scramble = options.scramble ?? true;
    this.qmcType = options.qmcType ?? 'sobol';
    if (this.qmcType !== 'sobol' && this.qmcType !== 'halton') {
      throw new OptionError(`qmcType must be 'sobol' or 'halton', got ${JSON.stringify(this.qmcType)}`);
    }
    if (typeof this.scramble !== 'boolean') throw new OptionError(`scramble must be true or false, got ${JSON.stringify(this.scramble)}`);
    this.sequence = createQmcSequence(this.qmcType, this.seed, this.scramble);
  }

  inferRelativeSpace(study: StudyView): SearchSpaceMap {
    const first = study.getTrials(['COMPLETE'])[0];
    if (first === undefined) return {};
    const space: Record<string, Distribution> = {};
    for (const name of Object.keys(first.distributions).sort()) {
      const dist = first.distributions[name] as Distribution;
      if (!isSingleValue(dist)) space[name] = dist;
    }
    return space;
  }

  sampleRelative(_study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    return this.samplePoint(trial.number, space);
  }

  /** Point `index` of the sequence mapped onto `space` (parameters in name order). */
  samplePoint(index: number, space: SearchSpaceMap): Record<string, number> {
    const names = Object.keys(space).sort();
    const dims = this.qmcType === 'sobol' ? Math.min(names.length, SOBOL_MAX_DIMENSION) : names.length;
    const u = this.sequence.point(index, dims);
    const out: Record<string, number> = {};
    names.forEach((name, j) => {
      const dist = space[name] as Distribution;
      // Past the tabled Sobol' dimensions, fall back to seeded uniform numbers.
      const uj = j < dims ? (u[j] as number) : Rng.derive(this.seed, 'qmc-extra', index, name).float();
      out[name] = fromUnitInterval(dist, uj);
    });
    return out;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return sampleUniform(Rng.derive(this.seed, trial.number, name), distribution);
  }
}
