import type { Rng } from '../rng.js';
import { selectByCrowding } from './crowding.js';
import { GeneticSampler } from './genetic-sampler.js';
import type { NSGAIISamplerOptions } from './options.js';
import { NSGA2_OPTION_KEYS, checkKnownKeys } from './options.js';
import type { Individual } from './population.js';

/**
 * NSGA-II (Deb et al. 2002): parents survive by constrained non-dominated sorting, the
 * front that does not fit whole by crowding distance. Works with any number of
 * objectives (with one it is a plain elitist genetic algorithm); constraints are read
 * from the trials' `constraints:<name>` system attributes.
 */
export class NSGAIISampler extends GeneticSampler {
  constructor(options: NSGAIISamplerOptions = {}) {
    checkKnownKeys('NSGAIISampler', options, NSGA2_OPTION_KEYS);
    super('NSGAIISampler', options);
  }

  protected survival(): (candidates: readonly Individual[], size: number, rng: Rng) => Individual[] {
    return (candidates, size) => selectByCrowding(candidates, size);
  }
}
