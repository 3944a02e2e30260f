import { OptionError } from '../errors.js';

/**
 * Seeded pseudo-random numbers (xoshiro128**). Samplers derive one generator per
 * trial from (seed, trial number, …) so that a study is reproducible whatever the
 * order in which parallel workers ask.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands one seed into four well-mixed state words.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator keyed by a seed and any labels: same inputs, same stream. */
  static derive(seed: number, ...labels: (string | number)[]): Rng {
    return new Rng(hashLabels(seed, labels));
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] as number;
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The lowbias32 avalanche: every input bit moves about half the output bits. */
function avalanche(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * 32-bit hash of a seed and labels: the seed avalanched (both halves of a 53-bit seed),
 * then FNV-1a over the labels' text, then a final avalanche. The seed is mixed before the
 * text, not XORed into FNV's first byte, so that (seed 0, trial 3) and (seed 1, trial 2)
 * do not start from the same state: every seed draws its own stream.
 */
export function hashLabels(seed: number, labels: readonly (string | number)[]): number {
  let h = avalanche(avalanche((seed >>> 0) ^ 0x9e3779b9) ^ Math.floor(seed / 4294967296)) ^ 0x811c9dc5;
  const text = labels.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return avalanche(h);
}

/** A fresh seed for when the user gave none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

/** A seed option: undefined (draw one) or a non-negative safe integer; anything else is refused. */
export function checkSeed(seed: unknown, owner: string): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new OptionError(`${owner}: seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  return seed;
}
