import { OptionError } from '../errors.js';
import type { SearchSpace } from '../space/search-space.js';
import { checkKnownKeys } from '../policies/options.js';
import type { Sampler } from '../policies/policies.js';
import type { GPSamplerOptions } from './gp/index.js';
import { GP_OPTION_KEYS, GPSampler } from './gp/index.js';
import type { AutoSamplerOptions } from './auto.js';
import { AUTO_OPTION_KEYS, AutoSampler } from './auto.js';
import type { GridSamplerOptions } from './grid.js';
import { GRID_OPTION_KEYS, GridSampler } from './grid.js';
import type { NSGAIISamplerOptions, NSGAIIISamplerOptions } from './nsga/index.js';
import { NSGA2_OPTION_KEYS, NSGA3_OPTION_KEYS, NSGAIISampler, NSGAIIISampler } from './nsga/index.js';
import type { QMCSamplerOptions } from './qmc.js';
import { QMC_OPTION_KEYS, QMCSampler } from './qmc.js';
import { RANDOM_OPTION_KEYS, RandomSampler } from './random.js';
import type { TPESamplerOptions } from './tpe/index.js';
import { TPE_OPTION_KEYS, TPESampler } from './tpe/index.js';

/** What a sampler may need beyond its own options when built from a space file. */
export interface SamplerContext {
  /** The declared search space (a grid sampler enumerates it). */
  readonly space?: SearchSpace;
  /** The study seed (`--seed`), used when the options give none. */
  readonly seed?: number;
}

export interface SamplerEntry {
  readonly kind: string;
  /** One line for `sodate --help` and error messages. */
  readonly summary: string;
  /** Option keys a space file may set (besides `kind`); anything else is refused with its line. */
  readonly optionKeys: readonly string[];
  create(options: Record<string, unknown>, context: SamplerContext): Sampler;
}

/** Samplers selectable by name in space files and on the CLI. Each entry builds and validates one. */
export const SAMPLERS: readonly SamplerEntry[] = [
  {
    kind: 'auto',
    summary: 'GP for spaces of up to 12 parameters until 500 trials (GP+TPE where some parameters are conditional: TPE proposes those); TPE for larger spaces, longer studies and several objectives',
    optionKeys: AUTO_OPTION_KEYS,
    create: (options, context) => new AutoSampler(withSeed(options, context) as AutoSamplerOptions, context.space),
  },
  {
    kind: 'random',
    summary: 'independent uniform / log-uniform sampling',
    optionKeys: RANDOM_OPTION_KEYS,
    create: (options, context) => new RandomSampler(withSeed(options, context)),
  },
  {
    kind: 'tpe',
    summary: 'tree-structured Parzen estimator (multivariate over co-occurring groups; one parameter at a time with three or more objectives; constant liar for parallel workers)',
    optionKeys: TPE_OPTION_KEYS,
    create: (options, context) => new TPESampler(withSeed(options, context) as TPESamplerOptions),
  },
  {
    kind: 'gp',
    summary: 'Gaussian-process Bayesian optimisation (Matern-5/2 ARD, log expected improvement; Sobol startup; constant liar for parallel workers)',
    optionKeys: GP_OPTION_KEYS,
    create: (options, context) => new GPSampler(withSeed(options, context) as GPSamplerOptions),
  },
  {
    kind: 'nsga2',
    summary: 'NSGA-II genetic algorithm for several objectives (non-dominated sorting, crowding distance, constraints; random first generation)',
    optionKeys: NSGA2_OPTION_KEYS,
    create: (options, context) => new NSGAIISampler(withSeed(options, context) as NSGAIISamplerOptions),
  },
  {
    kind: 'nsga3',
    summary: 'NSGA-III genetic algorithm for three or more objectives (reference-point niching instead of crowding distance)',
    optionKeys: NSGA3_OPTION_KEYS,
    create: (options, context) => new NSGAIIISampler(withSeed(options, context) as NSGAIIISamplerOptions),
  },
  {
    kind: 'qmc',
    summary: 'quasi-Monte Carlo points (scrambled Sobol or Halton), trial n takes point n',
    optionKeys: QMC_OPTION_KEYS,
    create: (options, context) => new QMCSampler(withSeed(options, context) as QMCSamplerOptions),
  },
  {
    kind: 'grid',
    summary: 'exhaustive grid over the declared space (or the given values), resumable, no point twice',
    optionKeys: GRID_OPTION_KEYS,
    create: (options, context) => new GridSampler(withSeed(options, context) as GridSamplerOptions, context.space),
  },
];

/** Options with the study seed filled in where the sampler's own options give none. */
export function withSeed<T extends Record<string, unknown>>(options: T, context: SamplerContext): T & { seed?: number } {
  if (options['seed'] !== undefined || context.seed === undefined) return options;
  return { ...options, seed: context.seed };
}

export function samplerEntry(kind: string): SamplerEntry {
  const entry = SAMPLERS.find((e) => e.kind === kind);
  if (entry === undefined) {
    throw new OptionError(`unknown sampler "${kind}"; use one of: ${SAMPLERS.map((e) => e.kind).join(', ')}`);
  }
  return entry;
}

export function createSampler(kind: string, options: Record<string, unknown> = {}, context: SamplerContext = {}): Sampler {
  const entry = samplerEntry(kind);
  checkKnownKeys(`sampler "${kind}"`, options, entry.optionKeys);
  return entry.create(options, context);
}
