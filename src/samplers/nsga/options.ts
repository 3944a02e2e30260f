import { OptionError } from '../../errors.js';
import { checkSeed, randomSeed } from '../rng.js';

export { checkKnownKeys } from '../../policies/options.js';

/** How two parents are combined into a child. */
export type CrossoverKind = 'uniform' | 'sbx';

/** Options shared by the NSGA-II and NSGA-III samplers. */
export interface GeneticSamplerOptions {
  /** Seed of the study's random stream. Default: a fresh random seed. */
  seed?: number;
  /** Trials per generation (running ones count toward it). Default 50; at least 2. */
  populationSize?: number;
  /**
   * Chance that a child's parameter is drawn afresh (uniformly) instead of inherited.
   * Default: 1 / (number of parameters).
   */
  mutationProb?: number | null;
  /**
   * `uniform` (each parameter from either parent) or `sbx` (simulated binary crossover for
   * numeric parameters; categoricals still take the uniform rule). Default `uniform`.
   */
  crossover?: CrossoverKind;
  /** Chance that a child comes from two parents rather than a copy of one. Default 0.9. */
  crossoverProb?: number;
  /** In uniform crossover, the chance each parameter comes from the second parent. Default 0.5. */
  swappingProb?: number;
  /** SBX distribution index (larger: children nearer their parents). Default 20 with several objectives, 2 with one. Only with `crossover: sbx`. */
  sbxEta?: number;
}

export type NSGAIISamplerOptions = GeneticSamplerOptions;

export interface NSGAIIISamplerOptions extends GeneticSamplerOptions {
  /**
   * Reference directions, one per row, one coordinate per objective (non-negative, not all
   * zero). Default: Das–Dennis points with `dividingParameter` divisions.
   */
  referencePoints?: readonly (readonly number[])[];
  /** Divisions of each objective axis for the default reference points. Default 3. */
  dividingParameter?: number;
}

const GENETIC_KEYS = ['seed', 'populationSize', 'mutationProb', 'crossover', 'crossoverProb', 'swappingProb', 'sbxEta'] as const;

/** Every option a space file may set for `kind: nsga2`. */
export const NSGA2_OPTION_KEYS: readonly string[] = GENETIC_KEYS;
/** Every option a space file may set for `kind: nsga3`. */
export const NSGA3_OPTION_KEYS: readonly string[] = [...GENETIC_KEYS, 'referencePoints', 'dividingParameter'];

/** The validated settings of a genetic sampler. */
export interface GeneticSettings {
  readonly seed: number;
  readonly populationSize: number;
  readonly mutationProb: number | null;
  readonly crossover: CrossoverKind;
  readonly crossoverProb: number;
  readonly swappingProb: number;
  /** null: chosen by the number of objectives. */
  readonly sbxEta: number | null;
}

function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

function checkProbability(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new OptionError(`${owner}: ${name} must be within [0, 1], got ${show(value)}`);
  }
  return value;
}

/** Validate the options every genetic sampler shares, naming the bad value. */
export function geneticSettings(owner: string, options: GeneticSamplerOptions): GeneticSettings {
  const seed = checkSeed(options.seed, owner) ?? randomSeed();
  const populationSize = options.populationSize ?? 50;
  if (typeof populationSize !== 'number' || !Number.isInteger(populationSize) || populationSize < 2) {
    throw new OptionError(`${owner}: populationSize must be an integer >= 2, got ${show(populationSize)}`);
  }
  const mutationProb = options.mutationProb ?? null;
  if (mutationProb !== null) checkProbability(owner, 'mutationProb', mutationProb);
  const crossover = options.crossover ?? 'uniform';
  if (crossover !== 'uniform' && crossover !== 'sbx') {
    throw new OptionError(`${owner}: crossover must be 'uniform' or 'sbx', got ${show(crossover)}`);
  }
  const crossoverProb = checkProbability(owner, 'crossoverProb', options.crossoverProb ?? 0.9);
  const swappingProb = checkProbability(owner, 'swappingProb', options.swappingProb ?? 0.5);
  const sbxEta = options.sbxEta ?? null;
  if (sbxEta !== null) {
    if (crossover !== 'sbx') throw new OptionError(`${owner}: sbxEta applies only to crossover 'sbx', got crossover '${crossover}'`);
    if (typeof sbxEta !== 'number' || !Number.isFinite(sbxEta) || sbxEta < 0) {
      throw new OptionError(`${owner}: sbxEta must be a finite number >= 0, got ${show(sbxEta)}`);
    }
  }
  return { seed, populationSize, mutationProb, crossover, crossoverProb, swappingProb, sbxEta };
}

/** Validate NSGA-III's reference points: rows of one length, non-negative, none all zero. */
export function checkReferencePoints(owner: string, points: unknown): number[][] {
  if (!Array.isArray(points) || points.length === 0) {
    throw new OptionError(`${owner}: referencePoints must be a non-empty list of points, got ${show(points)}`);
  }
  const rows: number[][] = [];
  for (const [i, row] of points.entries()) {
    if (!Array.isArray(row) || row.length === 0 || !row.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new OptionError(`${owner}: referencePoints[${i}] must be a list of finite numbers >= 0, got ${show(row)}`);
    }
    if (row.length !== (points[0] as unknown[]).length) {
      throw new OptionError(`${owner}: referencePoints[${i}] has ${row.length} coordinates, referencePoints[0] has ${(points[0] as unknown[]).length}`);
    }
    if (row.every((v) => v === 0)) throw new OptionError(`${owner}: referencePoints[${i}] is all zeros; a reference direction needs a positive coordinate`);
    rows.push([...(row as number[])]);
  }
  return rows;
}

export function checkDividingParameter(owner: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionError(`${owner}: dividingParameter must be an integer >= 1, got ${show(value)}`);
  }
  return value;
}
