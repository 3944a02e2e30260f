import { OptionError } from '../../errors.js';
import type { Rng } from '../rng.js';
import { GeneticSampler } from './genetic-sampler.js';
import type { NSGAIIISamplerOptions } from './options.js';
import { NSGA3_OPTION_KEYS, checkDividingParameter, checkKnownKeys, checkReferencePoints } from './options.js';
import type { Individual } from './population.js';
import { dasDennisPoints, selectByReferencePoints } from './reference-points.js';

/**
 * NSGA-III (Deb & Jain 2014): as NSGA-II, but the front that does not fit whole is niched
 * against reference directions (Das–Dennis points by default) instead of by crowding
 * distance, which keeps the parents spread when there are three or more objectives.
 */
export class NSGAIIISampler extends GeneticSampler {
  /** The reference points given, or null for Das–Dennis points over the study's objectives. */
  readonly referencePoints: readonly (readonly number[])[] | null;
  readonly dividingParameter: number;

  constructor(options: NSGAIIISamplerOptions = {}) {
    const owner = 'NSGAIIISampler';
    checkKnownKeys(owner, options, NSGA3_OPTION_KEYS);
    super(owner, options);
    if (options.referencePoints !== undefined && options.dividingParameter !== undefined) {
      throw new OptionError(`${owner}: give referencePoints or dividingParameter, not both`);
    }
    this.referencePoints = options.referencePoints === undefined ? null : checkReferencePoints(owner, options.referencePoints);
    this.dividingParameter = checkDividingParameter(owner, options.dividingParameter ?? 3);
  }

  protected survival(objectives: number): (candidates: readonly Individual[], size: number, rng: Rng) => Individual[] {
    const given = this.referencePoints;
    if (given !== null && (given[0] as readonly number[]).length !== objectives) {
      throw new OptionError(`NSGAIIISampler: referencePoints have ${(given[0] as readonly number[]).length} coordinates but the study has ${objectives} objectives`);
    }
    const references = given ?? dasDennisPoints(objectives, this.dividingParameter);
    return (candidates, size, rng) => selectByReferencePoints(candidates, size, references, rng);
  }
}
