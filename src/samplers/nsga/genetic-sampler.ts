import type { Distribution } from '../../space/distributions.js';
import { isSingleValue, sameDistribution } from '../../space/distributions.js';
import type { FrozenTrial } from '../../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../../policies/policies.js';
import { sampleUniform } from '../random.js';
import { Rng } from '../rng.js';
import { Generations } from './generations.js';
import type { CrossoverKind, GeneticSamplerOptions, GeneticSettings } from './options.js';
import { geneticSettings } from './options.js';
import type { Individual } from './population.js';
import type { VariationSettings } from './variation.js';
import { makeChild } from './variation.js';

/** What a genetic sampler keeps per study: all of it derivable again from the history. */
interface StudyState {
  readonly generations: Generations;
  readonly variation: VariationSettings;
  /** The parameters every COMPLETE trial has with the same distribution, over the trials in `seen`. */
  space: Record<string, Distribution> | null;
  readonly seen: Set<number>;
}

/**
 * The generational loop NSGA-II and NSGA-III share (Optuna's BaseGASampler): generation 0
 * is drawn at random; a later trial is a child of its generation's parents (crossover
 * and mutation over the parameters every COMPLETE trial has); a mutated parameter, one
 * outside that space and every parameter of generation 0 is drawn uniformly, from
 * (seed, trial number, name) as in `RandomSampler`. A subclass says how parents survive.
 */
export abstract class GeneticSampler implements Sampler {
  readonly seed: number;
  readonly populationSize: number;
  readonly mutationProb: number | null;
  readonly crossover: CrossoverKind;
  readonly crossoverProb: number;
  readonly swappingProb: number;
  /** null: 20 with several objectives, 2 with one (Optuna's defaults). */
  readonly sbxEta: number | null;
  private readonly studies = new Map<string, StudyState>();

  protected constructor(owner: string, options: GeneticSamplerOptions) {
    const settings: GeneticSettings = geneticSettings(owner, options);
    this.seed = settings.seed;
    this.populationSize = settings.populationSize;
    this.mutationProb = settings.mutationProb;
    this.crossover = settings.crossover;
    this.crossoverProb = settings.crossoverProb;
    this.swappingProb = settings.swappingProb;
    this.sbxEta = settings.sbxEta;
  }

  /**
   * Survival for one study: a function that picks `size` parents from the candidates of a
   * generation. Called once per study, on its first ask (so the number of objectives is known).
   */
  protected abstract survival(objectives: number): (candidates: readonly Individual[], size: number, rng: Rng) => Individual[];

  /** Assigns the trial's generation, then returns the parameters every COMPLETE trial shares. */
  inferRelativeSpace(study: StudyView, trial: FrozenTrial): SearchSpaceMap {
    const state = this.stateOf(study);
    state.generations.assign(study, trial);
    for (const t of study.getTrials(['COMPLETE'])) {
      if (state.seen.has(t.id)) continue;
      state.seen.add(t.id);
      if (state.space === null) {
        state.space = { ...t.distributions };
        continue;
      }
      for (const [name, dist] of Object.entries(state.space)) {
        const other = t.distributions[name];
        if (other === undefined || !sameDistribution(dist, other)) delete state.space[name];
      }
    }
    const out: Record<string, Distribution> = {};
    for (const [name, dist] of Object.entries(state.space ?? {})) if (!isSingleValue(dist)) out[name] = dist;
    return out;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    const state = this.stateOf(study);
    const generation = state.generations.assign(study, trial);
    const parents = state.generations.parents(study, generation);
    if (parents.length === 0) return {};
    return makeChild(parents, space, state.variation, Rng.derive(this.seed, 'nsga:child', trial.number));
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return sampleUniform(Rng.derive(this.seed, trial.number, name), distribution);
  }

  /** The generation of a trial as this sampler sees it (stored, or assigned in this process). */
  generationOf(study: StudyView, trial: FrozenTrial): number | undefined {
    return this.stateOf(study).generations.generationOf(trial);
  }

  /** The parents children of `generation` are made from, as computed from the study's history. */
  parentsOf(study: StudyView, generation: number): FrozenTrial[] {
    return this.stateOf(study).generations.parents(study, generation).map((p) => p.trial);
  }

  private stateOf(study: StudyView): StudyState {
    let state = this.studies.get(study.name);
    if (state === undefined) {
      const objectives = study.directions.length;
      const survive = this.survival(objectives);
      const select = (candidates: readonly Individual[], generation: number): Individual[] =>
        survive(candidates, this.populationSize, Rng.derive(this.seed, 'nsga:select', generation));
      state = {
        generations: new Generations(this.populationSize, study.directions, select),
        variation: {
          crossover: this.crossover,
          crossoverProb: this.crossoverProb,
          swappingProb: this.swappingProb,
          mutationProb: this.mutationProb,
          sbxEta: this.sbxEta ?? (objectives > 1 ? 20 : 2),
        },
        space: null,
        seen: new Set(),
      };
      this.studies.set(study.name, state);
    }
    return state;
  }
}
