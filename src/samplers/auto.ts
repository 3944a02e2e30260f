import { OptionError } from '../errors.js';
import type { Distribution } from '../space/distributions.js';
import { isSingleValue } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';
import type { FrozenTrial, TrialState } from '../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../policies/policies.js';
import type { GPSamplerOptions } from './gp/index.js';
import { GP_OPTION_KEYS, GPSampler } from './gp/index.js';
import { randomSeed } from './rng.js';
import type { TPESamplerOptions } from './tpe/index.js';
import { TPE_OPTION_KEYS, TPESampler } from './tpe/index.js';
import { AUTO_CHOICE_ATTR } from '../storage/metadata.js';
import { isOwnTrial, isWarmStarted, ownNumber } from './warm-trials.js';

export interface AutoSamplerOptions {
  /** Seed of both samplers it chooses between. Default: a fresh random seed. */
  seed?: number;
  /** GP while fewer trials than this have finished, TPE from then on (a GP ask grows with n³). Default: 500. */
  gpMaxTrials?: number;
  /** GP only for spaces of at most this many parameters. Default: 12. */
  gpMaxDimension?: number;
  /** Options of the TPE sampler (its seed is `seed`). */
  tpe?: Omit<TPESamplerOptions, 'seed'>;
  /** Options of the GP sampler (its seed is `seed`). */
  gp?: Omit<GPSamplerOptions, 'seed'>;
  /** The rule itself (API only, for comparing rules in benchmarks). Default: `autoRule`. */
  rule?: AutoRule;
  /**
   * In a warm-started study, TPE (which learns from the earlier study's trials) samples the
   * study's own trials numbered below this (the enqueued best, trial 0, among them); then the
   * rule chooses as in a cold study, and GP models the old and the study's own trials jointly
   * (`gp: { warmStartModel }`). Default: 0: GP follows the warm start's enqueued best (the
   * warm-start bench, seeds 0–9: with 10, the new trials stayed near the old best and GP then
   * stayed in the old study's basin, hartmann6+1 and the slice at regret 0.119).
   */
  warmStartTpeTrials?: number;
}

/** Every option a space file may set for `kind: auto`. */
export const AUTO_OPTION_KEYS: readonly string[] = ['seed', 'gpMaxTrials', 'gpMaxDimension', 'warmStartTpeTrials', 'tpe', 'gp'];

/**
 * Who samples a trial: GP, TPE, or GP for the parameters every trial has and TPE (one
 * parameter at a time) for those only some trials have.
 */
export type AutoChoice = 'gp' | 'tpe' | 'gp+tpe';

/** What the choice depends on: the space's shape, as declared or as the trials so far show it. */
export interface SpaceShape {
  /** Parameters in all (a conditional space counts every branch's). */
  readonly dimension: number;
  /** Every parameter is a float or an int (categoricals, even numeric ones, are not); the rules benchmarked against the default read it. */
  readonly numeric: boolean;
  /** Some parameter exists only for some values of another. */
  readonly conditional: boolean;
}

/** What a rule weighs besides the space: the study's size and objectives, and the sampler's limits. */
export interface AutoContext {
  /** Trials finished (COMPLETE or PRUNED) so far; in a warm-started study, its own only. */
  readonly finished: number;
  readonly objectives: number;
  readonly gpMaxTrials: number;
  readonly gpMaxDimension: number;
}

/** A rule: the sampler for the next trial of a space of `shape` (null: not known yet). */
export type AutoRule = (shape: SpaceShape | null, context: AutoContext) => AutoChoice;

/**
 * The default rule (the evidence: `npm run bench -- samplers`, README "How auto chooses"):
 * - before the space is known (no declared space, no finished trial): TPE's random startup;
 * - several objectives: TPE (MOTPE). On 3-objective DTLZ2 (12 variables, 100 trials, 3 seeds)
 *   its hypervolume is twice GP's (0.199 vs 0.100; NSGA-II 0.058) at a hundredth of the time;
 * - more than `gpMaxDimension` parameters, or `gpMaxTrials` finished: TPE (a GP ask grows with n³);
 * - otherwise, an unconditional space: GP, categorical parameters included (GP ranks ahead
 *   of TPE on the categorical tables);
 * - otherwise, a conditional space: GP+TPE, GP for the parameters every trial has and TPE
 *   for the branch parameters, which GP alone draws uniformly (on image-mixed it beats both).
 */
export const autoRule: AutoRule = (shape, context) => {
  if (shape === null || context.objectives > 1) return 'tpe';
  if (shape.dimension > context.gpMaxDimension || context.finished >= context.gpMaxTrials) return 'tpe';
  return shape.conditional ? 'gp+tpe' : 'gp';
};

/**
 * Picks GP, TPE or GP+TPE for each trial by a rule (`autoRule` unless given) of the space's
 * shape and the study's size. The shape is the declared space's when the study has one (a
 * space file), else the finished trials'; with neither yet, the first trials are TPE's
 * random startup. Each trial's choice is stored in its system attributes
 * (`sodate:auto_sampler`), so reports can tell who proposed what. One choice answers all of
 * a trial's calls: under GP+TPE, GP the relative space and TPE each parameter outside it.
 *
 * Constraints do not change the choice: both samplers handle them (GP by the probability
 * of feasibility from one GP per constraint, TPE by c-TPE splits).
 */
export class AutoSampler implements Sampler {
  readonly seed: number;
  readonly gpMaxTrials: number;
  readonly gpMaxDimension: number;
  readonly warmStartTpeTrials: number;
  private readonly rule: AutoRule;
  private readonly tpe: TPESampler;
  private readonly gp: GPSampler;
  private readonly declared: SpaceShape | null;
  /** The choice made for each trial in progress (by study and trial number): one sampler answers all of a trial's calls. */
  private readonly chosen = new Map<string, AutoChoice>();

  constructor(options: AutoSamplerOptions = {}, space?: SearchSpace) {
    this.seed = options.seed ?? randomSeed();
    this.gpMaxTrials = positiveInteger('gpMaxTrials', options.gpMaxTrials ?? 500);
    this.gpMaxDimension = positiveInteger('gpMaxDimension', options.gpMaxDimension ?? 12);
    this.warmStartTpeTrials = nonNegativeInteger('warmStartTpeTrials', options.warmStartTpeTrials ?? 0);
    this.rule = options.rule ?? autoRule;
    this.tpe = nested('tpe', () => new TPESampler({ ...knownKeys('tpe', options.tpe, TPE_OPTION_KEYS), seed: this.seed }));
    this.gp = nested('gp', () => new GPSampler({ ...knownKeys('gp', options.gp, GP_OPTION_KEYS), seed: this.seed }));
    this.declared = space === undefined || space.params.length === 0 ? null : declaredShape(space);
  }

  /** One line for `sodate tune`'s log of a warm-started study: what the old trials do under this sampler. */
  describeWarmStart(): string {
    const tpe = this.warmStartTpeTrials > 0 ? `; TPE samples its first ${this.warmStartTpeTrials} trial(s) with them` : '';
    return `auto sampler: ${this.gp.warmStartRole()}${tpe}; TPE (several objectives, branch parameters, large spaces) reads them`;
  }

  /** The sampler the rule picks for a space of `shape` (null: not known yet) after `finished` trials. */
  choose(shape: SpaceShape | null, finished: number, objectives = 1): AutoChoice {
    return this.rule(shape, { finished, objectives, gpMaxTrials: this.gpMaxTrials, gpMaxDimension: this.gpMaxDimension });
  }

  inferRelativeSpace(study: StudyView, trial: FrozenTrial): SearchSpaceMap {
    return this.choiceFor(study, trial) === 'tpe' ? this.tpe.inferRelativeSpace(study, trial) : this.gp.inferRelativeSpace(study);
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    return this.choiceFor(study, trial) === 'tpe' ? this.tpe.sampleRelative(study, trial, space) : this.gp.sampleRelative(study, trial, space);
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return this.choiceFor(study, trial) === 'gp' ? this.gp.sampleIndependent(study, trial, name, distribution) : this.tpe.sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState): void {
    this.chosen.delete(`${study.name}\u0001${trial.number}`);
    this.gp.afterTrial(study, trial, state);
  }

  private choiceFor(study: StudyView, trial: FrozenTrial): AutoChoice {
    const key = `${study.name}\u0001${trial.number}`;
    let choice = this.chosen.get(key);
    if (choice === undefined) {
      const finished = study.getTrials(['COMPLETE', 'PRUNED']);
      const warm = isWarmStarted(study);
      // The shape and the study's size from its own trials: what GP fits (an old study without
      // a knob added since would make the space look conditional). Without a declared space a
      // conditional one then shows only once its own trials do.
      const own = warm ? finished.filter(isOwnTrial) : finished;
      // A warm start's first own trials (by number, so as many whatever the workers): TPE, which learns from the old ones.
      choice = warm && ownNumber(study, trial) < this.warmStartTpeTrials ? 'tpe' : this.choose(this.declared ?? observedShape(own), own.length, study.directions.length);
      this.chosen.set(key, choice);
      study.setTrialSystemAttr(trial.id, AUTO_CHOICE_ATTR, choice);
    }
    return choice;
  }
}

function isNumeric(dist: Distribution): boolean {
  return dist.kind !== 'categorical';
}

/** A parameter with one possible value is a constant: it says nothing of the space's shape. */
function declaredShape(space: SearchSpace): SpaceShape {
  const params = space.params.filter((p) => !isSingleValue(p.distribution));
  return {
    dimension: params.length,
    numeric: params.every((p) => isNumeric(p.distribution)),
    conditional: params.some((p) => p.when !== null),
  };
}

/** The shape the finished trials show, or null before any. */
export function observedShape(finished: readonly FrozenTrial[]): SpaceShape | null {
  if (finished.length === 0) return null;
  const seen = new Map<string, Distribution>();
  let most = 0;
  for (const trial of finished) {
    const names = Object.keys(trial.distributions).filter((name) => !isSingleValue(trial.distributions[name] as Distribution));
    most = Math.max(most, names.length);
    for (const name of names) seen.set(name, trial.distributions[name] as Distribution);
  }
  // A trial without a parameter another trial has: that parameter is conditional.
  const conditional = finished.some((t) => Object.keys(t.distributions).filter((name) => seen.has(name)).length < seen.size);
  return { dimension: Math.max(most, seen.size), numeric: [...seen.values()].every(isNumeric), conditional };
}

/** A nested options object (`tpe: {…}`, `gp: {…}`) with only keys its sampler knows (no seed: the auto sampler's own). */
function knownKeys<T extends object>(name: string, options: T | undefined, keys: readonly string[]): T | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new OptionError(`${name} must be a mapping of ${name} options, got ${JSON.stringify(options)}`);
  for (const key of Object.keys(options)) {
    if (key === 'seed') throw new OptionError(`${name}: no seed of its own; the auto sampler's seed seeds both samplers`);
    if (!keys.includes(key)) throw new OptionError(`${name}: unknown option "${key}"; use: ${keys.filter((k) => k !== 'seed').join(', ')}`);
  }
  return options;
}

/** Build a nested sampler, its option errors prefixed with where they are (`tpe.nStartupTrials …`). */
function nested<T>(name: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof OptionError && !error.message.startsWith(`${name}:`)) throw new OptionError(`${name}.${error.message}`);
    throw error;
  }
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new OptionError(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}
