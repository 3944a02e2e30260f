import { OptionError } from '../../errors.js';
import { randomSeed } from '../rng.js';
import type { GoodWeightRule } from './pareto-history.js';
import type { BandwidthRule, EstimatorSettings } from './parzen-estimator.js';

/** How many of the n finished trials (that have the parameters) form the "good" set. */
export type GammaRule = 'optuna' | 'sqrt' | 'linear' | ((n: number) => number);
/** How observations are weighted: all alike, or Optuna's ramp that fades trials older than the newest 25. */
export type WeightRule = 'uniform' | 'old-decay';

export interface TPESamplerOptions {
  /** Seed of the study's random stream; each trial derives its own from (seed, trial number). Default: a fresh random seed. */
  seed?: number;
  /**
   * Sample parameters jointly (product kernels over co-occurring groups) instead of one by
   * one. 'auto': jointly with one or two objectives, one by one with three or more (see
   * `MULTIVARIATE_MAX_OBJECTIVES`). Default: 'auto'.
   */
  multivariate?: boolean | 'auto';
  /** Trials sampled uniformly at random before the model takes over. Default: 10. */
  nStartupTrials?: number;
  /**
   * Candidates drawn from the good-set density; the one with the best density ratio wins.
   * Default: 24; 12 with three or more objectives (see `MANY_OBJECTIVE_EI_CANDIDATES`).
   */
  nEiCandidates?: number;
  /** Size of the good set: 'optuna' = min(⌈0.1 n⌉, 25); 'sqrt' = ⌈β √n⌉; 'linear' = ⌈β n⌉; or a function. Default: 'linear'. */
  gamma?: GammaRule;
  /** β of the 'sqrt' and 'linear' gamma rules. Default: 0.25 for 'sqrt', 0.15 for 'linear'. */
  gammaBeta?: number;
  /**
   * Observation weights. Default: 'uniform' when sampling jointly, 'old-decay' one by one
   * (one parameter at a time, the early random trials otherwise keep every marginal flat).
   */
  weights?: WeightRule;
  /** Weight of the prior kernel relative to one observation; 0 drops it (when there are observations). Default: 1. */
  priorWeight?: number;
  /** Floor each kernel width at max(minBandwidthFactor, 1/(1 + kernels)) of the range. Default: true. */
  magicClip?: boolean;
  /** The smallest kernel width the magic clip allows, as a fraction of the range. Default: 0.01. */
  minBandwidthFactor?: number;
  /**
   * Kernel widths: 'neighbor' (Hyperopt: the gap to the nearest observations) or 'scott'
   * (Scott's rule). Default: 'scott' when sampling several objectives jointly, else
   * 'neighbor' (see `bandwidthFor`).
   */
  bandwidth?: BandwidthRule;
  /**
   * Probability a categorical kernel puts off its observed choice, or 'auto': each
   * observation puts weight 1 on its choice and priorWeight/(n + 1) on every choice, so
   * kernels sharpen as the set grows (the bad set's, of many trials, marks the cells tried
   * and found bad; the good set's, of few, stays broad and explores). Default: 'auto'.
   */
  categoricalBandwidth?: number | 'auto';
  /** Count running trials as the worst results so that parallel workers spread out. Default: true. */
  constantLiar?: boolean;
  /**
   * In an all-discrete space, propose the best new configuration instead of one a finished
   * or running trial already has (see `sampleGroup`): true always, false never, 'auto'
   * once two repeats gave the value their configuration gave before (a deterministic
   * objective, where a repeat teaches nothing; once a repeat gives a different value, the
   * objective is noisy and a repeat is a fresh measurement). Multivariate mode only, on a
   * space without conditional parameters. Default: 'auto'.
   */
  avoidDuplicates?: boolean | 'auto';
  /**
   * Model a categorical of three or more distinct numbers (`[16, 32, 64, 128]`) as ordered,
   * on a grid of its values' ranks, instead of as unordered choices. Default: true.
   */
  ordinalChoices?: boolean;
  /**
   * Several objectives: how the good trials are weighted. 'hypervolume' (MOTPE, Ozaki et
   * al. 2022; Optuna up to 4.x): by each one's exclusive hypervolume contribution, so the
   * good density concentrates where the front is sparse; 'uniform': all alike (Optuna 5).
   * Default: 'hypervolume'.
   */
  paretoWeights?: GoodWeightRule;
  /**
   * A warm-started study (`createStudy({ warmStart })`), one objective: how fast the
   * earlier study's trials give way to the study's own. After n finished trials of its
   * own, each earlier trial weighs τ/(τ + n) in both densities (a new trial weighs 1): the
   * earlier study shapes the first trials alone and then counts for less and less, so the
   * new objective's own evidence decides where the two disagree (a shifted optimum, a
   * basin the earlier study preferred that the new one does not). Infinity: never fade
   * (the earlier trials weigh as much as the new ones throughout). One objective only.
   * Default: 2 when sampling jointly, Infinity one by one (`multivariate: false`): there
   * the chronological 'old-decay' weights already fade the oldest trials, and fading the
   * earlier study's on top did worse on every pair of the warm-start bench but the
   * narrowed range (seeds 100–139).
   */
  warmStartFade?: number;
}

const OPTION_KEYS = [
  'seed',
  'multivariate',
  'nStartupTrials',
  'nEiCandidates',
  'gamma',
  'gammaBeta',
  'weights',
  'priorWeight',
  'magicClip',
  'minBandwidthFactor',
  'bandwidth',
  'categoricalBandwidth',
  'constantLiar',
  'avoidDuplicates',
  'ordinalChoices',
  'paretoWeights',
  'warmStartFade',
] as const;

/** Every option a space file may set for `kind: tpe`. */
export const TPE_OPTION_KEYS: readonly string[] = OPTION_KEYS;

/** The options checked and defaulted, as the sampler keeps them. */
export interface ResolvedTPEOptions {
  readonly seed: number;
  readonly multivariate: boolean | 'auto';
  readonly nStartupTrials: number;
  readonly nEiCandidates: number | undefined;
  readonly constantLiar: boolean;
  readonly avoidDuplicates: boolean | 'auto';
  readonly ordinalChoices: boolean;
  readonly gamma: (n: number) => number;
  /** As given; undefined: by the mode. */
  readonly weights: WeightRule | undefined;
  /** As given; undefined: by the study. */
  readonly bandwidth: BandwidthRule | undefined;
  readonly paretoWeights: GoodWeightRule;
  /** As given; undefined: by the mode. */
  readonly warmStartFade: number | undefined;
  /** The estimator settings with each kernel-width rule, built once. */
  readonly settings: Readonly<Record<BandwidthRule, EstimatorSettings>>;
}

/** Checks every option (one clear OptionError naming the bad one) and fills in the defaults. */
export function resolveTPEOptions(options: TPESamplerOptions): ResolvedTPEOptions {
  const seed = options.seed ?? randomSeed();
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new OptionError(`seed must be a finite number, got ${seed}`);
  const multivariate = options.multivariate ?? 'auto';
  if (multivariate !== 'auto' && typeof multivariate !== 'boolean') throw new OptionError(`multivariate must be true, false or 'auto', got ${JSON.stringify(multivariate)}`);
  const nStartupTrials = integerOption('nStartupTrials', options.nStartupTrials ?? 10, 0);
  const nEiCandidates = options.nEiCandidates === undefined ? undefined : integerOption('nEiCandidates', options.nEiCandidates, 1);
  const constantLiar = booleanOption('constantLiar', options.constantLiar ?? true);
  const avoidDuplicates = options.avoidDuplicates ?? 'auto';
  if (avoidDuplicates !== 'auto' && typeof avoidDuplicates !== 'boolean') throw new OptionError(`avoidDuplicates must be true, false or 'auto', got ${JSON.stringify(avoidDuplicates)}`);
  const ordinalChoices = booleanOption('ordinalChoices', options.ordinalChoices ?? true);
  const gamma = gammaFunction(options.gamma ?? 'linear', options.gammaBeta);
  const weights = options.weights;
  if (weights !== undefined && weights !== 'uniform' && weights !== 'old-decay') throw new OptionError(`weights must be 'uniform' or 'old-decay', got ${JSON.stringify(weights)}`);
  const priorWeight = options.priorWeight ?? 1;
  if (!(typeof priorWeight === 'number' && Number.isFinite(priorWeight) && priorWeight >= 0)) throw new OptionError(`priorWeight must be a finite number >= 0, got ${priorWeight}`);
  const minBandwidthFactor = options.minBandwidthFactor ?? 0.01;
  if (!(typeof minBandwidthFactor === 'number' && minBandwidthFactor > 0 && minBandwidthFactor <= 1)) throw new OptionError(`minBandwidthFactor must be within (0, 1], got ${minBandwidthFactor}`);
  const bandwidth = options.bandwidth;
  if (bandwidth !== undefined && bandwidth !== 'neighbor' && bandwidth !== 'scott') throw new OptionError(`bandwidth must be 'neighbor' or 'scott', got ${JSON.stringify(bandwidth)}`);
  const categoricalBandwidth = options.categoricalBandwidth ?? 'auto';
  if (categoricalBandwidth !== 'auto' && !(typeof categoricalBandwidth === 'number' && categoricalBandwidth > 0 && categoricalBandwidth < 1)) {
    throw new OptionError(`categoricalBandwidth must be 'auto' or within (0, 1), got ${JSON.stringify(categoricalBandwidth)}`);
  }
  const paretoWeights = options.paretoWeights ?? 'hypervolume';
  if (paretoWeights !== 'hypervolume' && paretoWeights !== 'uniform') throw new OptionError(`paretoWeights must be 'hypervolume' or 'uniform', got ${JSON.stringify(paretoWeights)}`);
  const warmStartFade = options.warmStartFade;
  if (warmStartFade !== undefined && !(typeof warmStartFade === 'number' && warmStartFade > 0)) throw new OptionError(`warmStartFade must be a number > 0 (Infinity: never fade), got ${typeof warmStartFade === 'number' ? warmStartFade : JSON.stringify(warmStartFade)}`);
  const common = { priorWeight, magicClip: booleanOption('magicClip', options.magicClip ?? true), minBandwidthFactor, categoricalBandwidth };
  const settings: Readonly<Record<BandwidthRule, EstimatorSettings>> = { neighbor: { ...common, bandwidth: 'neighbor' }, scott: { ...common, bandwidth: 'scott' } };
  return { seed, multivariate, nStartupTrials, nEiCandidates, constantLiar, avoidDuplicates, ordinalChoices, gamma, weights, bandwidth, paretoWeights, warmStartFade, settings };
}

function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new OptionError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function integerOption(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new OptionError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function gammaFunction(rule: GammaRule, beta: number | undefined): (n: number) => number {
  if (typeof rule === 'function') return rule;
  if (beta !== undefined && !(typeof beta === 'number' && Number.isFinite(beta) && beta > 0)) throw new OptionError(`gammaBeta must be a positive number, got ${beta}`);
  switch (rule) {
  case 'optuna':
    return (n) => Math.min(Math.ceil(0.1 * n), 25);
  case 'sqrt': {
    const b = beta ?? 0.25;
    return (n) => Math.ceil(b * Math.sqrt(n));
  }
  case 'linear': {
    const b = beta ?? 0.15;
    return (n) => Math.ceil(b * n);
  }
  default:
    throw new OptionError(`gamma must be 'optuna', 'sqrt', 'linear' or a function, got ${JSON.stringify(rule)}`);
  }
}

