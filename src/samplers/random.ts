import type { Distribution } from '../space/distributions.js';
import { snap } from '../space/distributions.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Sampler, StudyView } from '../policies/policies.js';
import { Rng, checkSeed, randomSeed } from './rng.js';

/** Option keys a space file may give `kind: random`. */
export const RANDOM_OPTION_KEYS: readonly string[] = ['seed'];

export interface RandomSamplerOptions {
  /** Seed of the study's random stream. Default: a fresh random seed. */
  seed?: number;
}

/**
 * Independent uniform sampling (log-uniform for log ranges). Each value depends only on
 * (seed, trial number, parameter name), so a conditional parameter that is absent in one
 * trial shifts nothing else, and parallel workers reproduce the sequential study.
 */
export class RandomSampler implements Sampler {
  readonly seed: number;

  constructor(options: RandomSamplerOptions = {}) {
    this.seed = checkSeed(options.seed, 'RandomSampler') ?? randomSeed();
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return sampleUniform(Rng.derive(this.seed, trial.number, name), distribution);
  }
}

/** One uniform draw from a distribution, as an internal value. */
export function sampleUniform(rng: Rng, dist: Distribution): number {
  switch (dist.kind) {
    case 'categorical':
      return rng.int(dist.choices.length);
    case 'int':
    case 'float': {
      if (dist.log) {
        // Widen integer bounds by half a unit so the end values get their fair share after rounding.
        const pad = dist.kind === 'int' ? 0.5 : 0;
        const lo = Math.log(dist.low - pad);
        const hi = Math.log(dist.high + pad);
        return snap(dist, Math.exp(rng.uniform(lo, hi)));
      }
      const step = dist.step;
      if (step !== null) {
        const n = Math.round((dist.high - dist.low) / step) + 1;
        return snap(dist, dist.low + rng.int(n) * step);
      }
      return dist.low === dist.high ? dist.low : snap(dist, rng.uniform(dist.low, dist.high));
    }
  }
}
