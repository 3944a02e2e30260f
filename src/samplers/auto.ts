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
}

/** Every option a space file may set for `kind: auto`. */
export const AUTO_OPTION_KEYS: readonly string[] = ['seed', 'gpMaxTrials', 'gpMaxDimension', 'tpe', 'gp'];

export type AutoChoice = 'gp' | 'tpe';

/** The system attribute that records which sampler proposed a trial. */
export const AUTO_CHOICE_ATTR = 'sodate:auto_sampler';

/** What the choice depends on: the space's shape, as declared or as the trials so far show it. */
export interface SpaceShape {
  /** Parameters (the most any trial has). */
  readonly dimension: number;
  /** Every parameter is a float or an int (categoricals, even numeric ones, are not). */
  readonly numeric: boolean;
  /** Some parameter exists only for some values of another. */
  readonly conditional: boolean;
}

/**
 * Picks GP or TPE for each trial from the space and the study's size:
 * GP for numeric, unconditional spaces of at most `gpMaxDimension` parameters while fewer
 * than `gpMaxTrials` trials have finished (test/bench/samplers.bench.ts: GP is first on
 * every continuous problem up to 10 dimensions); TPE for spaces with categorical or
 * conditional parameters, larger ones, and long studies. The shape is the declared space's
 * when the study has one (a space file), else the finished trials'; with neither yet, the
 * first trials are TPE's random startup. Each trial's choice is stored in its system
 * attributes (`sodate:auto_sampler`), so reports can tell who proposed what.
 *
 * The rule is the same for studies with several objectives or with constraints: both
 * samplers handle them (GP by log expected hypervolume improvement over the feasible
 * Pareto front with one GP per objective, times the probability of feasibility from one
 * GP per constraint; TPE by MOTPE and c-TPE splits), so such a study gets GP on small
 * numeric spaces and TPE elsewhere, exactly as a single-objective one does.
 */
export class AutoSampler implements Sampler {
  readonly seed: number;
  readonly gpMaxTrials: number;
  readonly gpMaxDimension: number;
  private readonly tpe: TPESampler;
  private readonly gp: GPSampler;
  private readonly declared: SpaceShape | null;
  /** The choice made for each trial in progress (by study and trial number): one sampler answers all of a trial's calls. */
  private readonly chosen = new Map<string, AutoChoice>();

  constructor(options: AutoSamplerOptions = {}, space?: SearchSpace) {
    this.seed = options.seed ?? randomSeed();
    this.gpMaxTrials = positiveInteger('gpMaxTrials', options.gpMaxTrials ?? 500);
    this.gpMaxDimension = positiveInteger('gpMaxDimension', options.gpMaxDimension ?? 12);
    this.tpe = nested('tpe', () => new TPESampler({ ...knownKeys('tpe', options.tpe, TPE_OPTION_KEYS), seed: this.seed }));
    this.gp = nested('gp', () => new GPSampler({ ...knownKeys('gp', options.gp, GP_OPTION_KEYS), seed: this.seed }));
    this.declared = space === undefined || space.params.length === 0 ? null : declaredShape(space);
  }

  /** The sampler this rule picks for a space of `shape` after `finished` trials (null shape: not known yet). */
  choose(shape: SpaceShape | null, finished: number): AutoChoice {
    if (shape === null) return 'tpe';
    const gpFits = shape.numeric && !shape.conditional && shape.dimension <= this.gpMaxDimension;
    return gpFits && finished < this.gpMaxTrials ? 'gp' : 'tpe';
  }

  inferRelativeSpace(study: StudyView, trial: FrozenTrial): SearchSpaceMap {
    const sampler = this.samplerFor(study, trial);
    return sampler.inferRelativeSpace?.(study, trial) ?? {};
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    return this.samplerFor(study, trial).sampleRelative?.(study, trial, space) ?? {};
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return this.samplerFor(study, trial).sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState): void {
    this.chosen.delete(`${study.name}\u0001${trial.number}`);
    this.gp.afterTrial(study, trial, state);
  }

  private samplerFor(study: StudyView, trial: FrozenTrial): Sampler {
    const key = `${study.name}\u0001${trial.number}`;
    let choice = this.chosen.get(key);
    if (choice === undefined) {
      const finished = study.getTrials(['COMPLETE', 'PRUNED']);
      choice = this.choose(this.declared ?? observedShape(finished), finished.length);
      this.chosen.set(key, choice);
      study.setTrialSystemAttr(trial.id, AUTO_CHOICE_ATTR, choice);
    }
    return choice === 'gp' ? this.gp : this.tpe;
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

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}
