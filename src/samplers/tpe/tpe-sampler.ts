import type { Distribution } from '../../space/distributions.js';
import { isSingleValue } from '../../space/distributions.js';
import type { FrozenTrial } from '../../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../../policies/policies.js';
import { sampleUniform } from '../random.js';
import { Rng } from '../rng.js';
import { ParamColumns } from './columns.js';
import type { Domain } from './domain.js';
import { CoordinateCache } from './coordinates.js';
import { candidateToInternal, domainOf, inRange, observationCoordinate } from './domain.js';
import type { RankedHistory } from './history.js';
import { RankedTrials, fadeEarlierStudy } from './history.js';
import type { GoodWeightRule } from './pareto-history.js';
import { ParetoRankedTrials } from './pareto-history.js';
import type { BandwidthRule, EstimatorSettings } from './parzen-estimator.js';
import { ParzenEstimator } from './parzen-estimator.js';
import { SearchSpaceGroups } from './search-space-groups.js';
import { WorkArrays } from './work-arrays.js';
import type { Configurations } from './configurations.js';
import { configurationsTried, isDiscrete } from './configurations.js';
import type { TPESamplerOptions, WeightRule } from './options.js';
import { resolveTPEOptions } from './options.js';
import { bestUntriedCell } from './untried-cell.js';


type History = RankedHistory & { columns: ParamColumns; coordinates: CoordinateCache; weights: WeightRule; warmStartFade: number; candidates: number; settings: EstimatorSettings };

interface Split {
  readonly below: Float64Array[];
  readonly belowWeights: Float64Array;
  /** Per parameter, the good set's indices in increasing order of value (null: not known, sort). */
  readonly belowOrders: readonly (Int32Array | null)[];
  readonly above: Float64Array[];
  readonly aboveWeights: Float64Array;
  readonly aboveOrders: readonly (Int32Array | null)[];
}


/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011; the components as studied by
 * Watanabe 2023). Finished trials are split into a good set (the best γ(n)) and the rest;
 * a Parzen estimator is fitted to each, candidates are drawn from the good one and the
 * candidate with the largest density ratio l(x)/g(x) is returned.
 *
 * Multivariate mode fits product kernels over groups of parameters that occur together
 * (group decomposition), so conditional parameters are modelled only on the trials that
 * have them; univariate mode treats each parameter on its own, on the trials that have it.
 *
 * With several objectives (MOTPE) the good set is chosen once over all finished trials,
 * by non-domination rank and hypervolume (see `pareto-history.ts`); with constraints
 * (c-TPE), feasible trials rank before infeasible ones in either case.
 */
export class TPESampler implements Sampler {
  readonly seed: number;
  /** As given (`'auto'` decides per study: `isMultivariate`). */
  readonly multivariate: boolean | 'auto';
  readonly nStartupTrials: number;
  /** As given; undefined: by the number of objectives (`candidatesFor`). */
  readonly nEiCandidates: number | undefined;
  readonly constantLiar: boolean;
  readonly avoidDuplicates: boolean | 'auto';
  readonly ordinalChoices: boolean;
  /** τ of `warmStartFade` as given (an earlier study's trial weighs τ/(τ + n) after n trials of the study's own); undefined: by the mode (`warmStartFadeFor`). */
  readonly warmStartFade: number | undefined;
  private readonly gamma: (n: number) => number;
  /** As given; undefined: by the mode (`weightsFor`). */
  private readonly weights: WeightRule | undefined;
  /** As given; undefined: by the study (`bandwidthFor`). */
  private readonly bandwidth: BandwidthRule | undefined;
  /** The estimator settings with each kernel-width rule, built once. */
  private readonly settings: Readonly<Record<BandwidthRule, EstimatorSettings>>;
  private readonly groups = new Map<string, SearchSpaceGroups>();
  private readonly columns = new Map<string, ParamColumns>();
  private readonly paretoWeights: GoodWeightRule;
  private readonly rankings = new Map<string, RankedTrials | ParetoRankedTrials>();
  private readonly coordinates = new Map<string, CoordinateCache>();
  /** The arrays of one group's step (split, estimators, candidates): reset as each starts. */
  private readonly work = new WorkArrays();
  private lastHistory: { source: readonly FrozenTrial[]; length: number; trial: number; history: History } | null = null;

  constructor(options: TPESamplerOptions = {}) {
    const o = resolveTPEOptions(options);
    this.seed = o.seed;
    this.multivariate = o.multivariate;
    this.nStartupTrials = o.nStartupTrials;
    this.nEiCandidates = o.nEiCandidates;
    this.constantLiar = o.constantLiar;
    this.avoidDuplicates = o.avoidDuplicates;
    this.ordinalChoices = o.ordinalChoices;
    this.gamma = o.gamma;
    this.weights = o.weights;
    this.bandwidth = o.bandwidth;
    this.paretoWeights = o.paretoWeights;
    this.warmStartFade = o.warmStartFade;
    this.settings = o.settings;
  }

  /**
   * The kernel-width rule for this study: `bandwidth`, else Scott's rule when several
   * objectives are sampled jointly and the nearest-neighbour gaps otherwise. With several
   * objectives the good set is spread along a front, not clustered at an optimum: kernels
   * as narrow as the gaps between its trials re-propose those trials' own combinations, and
   * Scott's wider ones (from the spread of the whole set) recombine them (10 seeds, ZDT1:
   * median hypervolume 9.50 vs 9.11 after 100 trials; `npm run bench -- multi-objective`).
   */
  bandwidthFor(study: StudyView): BandwidthRule {
    return this.bandwidth ?? (study.directions.length > 1 && this.isMultivariate(study) ? 'scott' : 'neighbor');
  }

  /** τ of `warmStartFade` in this study: as given, else 2 when sampling jointly and Infinity (no fade) one by one. */
  warmStartFadeFor(study: StudyView): number {
    return this.warmStartFade ?? (this.isMultivariate(study) ? 2 : Infinity);
  }

  /**
   * Whether this study's parameters are sampled jointly. `multivariate: 'auto'` samples
   * jointly with up to MULTIVARIATE_MAX_OBJECTIVES objectives and one by one beyond: the
   * good trials of m objectives spread over an (m − 1)-dimensional front, and joint
   * kernels only propose variations of combinations some good trial already has, while
   * independent marginals recombine one good trial's coordinates with another's (what
   * crossover does in a genetic algorithm), which fills a front of two or more dimensions
   * faster. Optuna 5 samples one by one with any number of objectives; on two, joint
   * sampling does better here (multi-objective bench, 10 seeds, 300 trials: ZDT2 9.03
   * jointly vs 8.41 one by one; DTLZ2, 3 objectives: 0.354 vs 0.510). Constraints do not
   * change the choice (see the README's "Several objectives and constraints").
   */
  isMultivariate(study: StudyView): boolean {
    return this.multivariate === 'auto' ? study.directions.length <= MULTIVARIATE_MAX_OBJECTIVES : this.multivariate;
  }

  /**
   * How many candidates each step draws from l(x): `nEiCandidates`, else 24, or
   * MANY_OBJECTIVE_EI_CANDIDATES with three or more objectives. The best l/g of many
   * candidates sits where the good trials are densest; a front of two or more dimensions
   * must be covered evenly instead, and fewer candidates keep the proposals closer to
   * draws from l(x), spread like the good set (10 seeds, 300 trials, one by one: DTLZ2 0.572
   * with 12 vs 0.510 with 24 and 0.467 with 64).
   */
  candidatesFor(study: StudyView): number {
    return this.nEiCandidates ?? (study.directions.length > MULTIVARIATE_MAX_OBJECTIVES ? MANY_OBJECTIVE_EI_CANDIDATES : 24);
  }

  inferRelativeSpace(study: StudyView, _trial: FrozenTrial): SearchSpaceMap {
    if (!this.isMultivariate(study)) return {};
    const space: Record<string, Distribution> = {};
    for (const group of this.groupsOf(study)) {
      for (const [name, dist] of Object.entries(group)) if (!isSingleValue(dist)) space[name] = dist;
    }
    return space;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    const history = this.history(study, trial);
    if (history.nFinished < this.nStartupTrials) return this.avoidDuplicates === true ? this.untriedStartup(study, trial, space) : {};
    const out: Record<string, number> = {};
    const groups = this.groupsOf(study);
    for (const group of groups) {
      const names = Object.keys(group).filter((n) => space[n] !== undefined);
      if (names.length === 0) continue;
      const dists = names.map((n) => space[n] as Distribution);
      // A duplicate is a whole configuration seen before: with one group holding every parameter.
      const taken = this.avoidDuplicates !== false && groups.length === 1 && dists.every(isDiscrete) ? this.configurationsToAvoid(study, trial, names, dists) : null;
      const values = this.sampleGroup(history, names, dists, Rng.derive(this.seed, trial.number, 'tpe-group', names.join('\u0001')), taken);
      names.forEach((n, i) => (out[n] = values[i] as number));
    }
    return out;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    const history = this.history(study, trial);
    if (history.nFinished < this.nStartupTrials) return sampleUniform(Rng.derive(this.seed, trial.number, name), distribution);
    return this.sampleGroup(history, [name], [distribution], Rng.derive(this.seed, trial.number, 'tpe', name))[0] as number;
  }

  /**
   * The TPE step for one group of parameters: fit l and g, draw candidates from l, keep the
   * best l/g. With `taken` (the configurations tried so far, in an all-discrete space), the
   * best candidate that is new wins instead; when a batch holds none, up to
   * DUPLICATE_REDRAWS more batches are drawn before a repeat is accepted. In a discrete
   * space l/g peaks on the cells already tried (their own kernels sit there), so without
   * this TPE re-proposes its incumbent over and over: on a deterministic objective, trials
   * that teach nothing.
   */
  private sampleGroup(history: History, names: readonly string[], dists: readonly Distribution[], rng: Rng, taken: Configurations | null = null): number[] {
    this.work.reset();
    const domains = dists.map((dist) => domainOf(dist, this.ordinalChoices));
    const split = this.split(history, names, dists, domains);
    const below = new ParzenEstimator(domains, split.below, split.belowWeights, history.settings, this.work, split.belowOrders);
    const above = new ParzenEstimator(domains, split.above, split.aboveWeights, history.settings, this.work, split.aboveOrders);
    const count = history.candidates;
    let first: number[] | null = null;
    for (let round = 0; round <= (taken === null ? 0 : DUPLICATE_REDRAWS); round++) {
      const candidates = below.sample(rng, count);
      const logL = below.logDensity(candidates, count);
      const logG = above.logDensity(candidates, count);
      const scores = new Float64Array(count);
      for (let c = 0; c < count; c++) scores[c] = (logL[c] as number) - (logG[c] as number);
      const valueOf = (c: number): number[] => domains.map((domain, d) => candidateToInternal(domain, (candidates[d] as Float64Array)[c] as number));
      if (taken === null) return valueOf(argmax(scores));
      // Best first; ties keep the draw order.
      const order = Array.from({ length: count }, (_, c) => c).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
      first ??= valueOf(order[0] as number);
      for (const c of order) {
        const values = valueOf(c);
        if (!taken.keys.has(taken.keyOf(values))) return values;
      }
    }
    // Few untried cells left, which draws from l rarely hit: score every cell of a small space.
    return (taken === null ? null : bestUntriedCell(domains, below, above, taken)) ?? (first as number[]);
  }

  /**
   * The good and bad observations of a group: among the trials that hold every parameter
   * (with a value inside today's distribution), the best γ(n) finished ones are good; the
   * other finished ones and the running ones (constant liar) are bad. With several
   * objectives the history brings its good set (`history.good`), chosen over all finished
   * trials: the group's good rows are those of it that hold the group's parameters.
   */
  private split(history: History, names: readonly string[], dists: readonly Distribution[], domains: readonly Domain[]): Split {
    const dims = names.length;
    const trials = history.trials;
    const total = trials.length;
    const nFinished = history.nFinished;
    const cache = history.coordinates;
    const cached = names.map((name, d) => cache.column(history.columns, name, dists[d] as Distribution, domains[d] as Domain));
    // Per dimension, the model coordinates of the kept rows (in rank order): the rows that
    // hold every parameter inside today's distribution.
    const coords = names.map(() => this.work.float64(total));
    const numbers = this.work.int32(total);
    let rows = 0;
    let finished = 0;
    const goodEnd = history.good?.count ?? -1;
    let goodRows = -1;
    for (let t = 0; t < total; t++) {
      if (t === goodEnd) goodRows = rows;
      const number = history.numbers[t] as number;
      let ok = true;
      if (t < nFinished) {
        for (let d = 0; d < dims; d++) {
          const v = (cached[d] as Float64Array)[number] as number;
          if (Number.isNaN(v)) {
            ok = false;
            break;
          }
          (coords[d] as Float64Array)[rows] = v;
        }
        if (!ok) continue;
        finished++;
      } else {
        const trial = trials[t] as FrozenTrial;
        for (let d = 0; d < dims; d++) {
          const v = trial.internalParams[names[d] as string] ?? NaN;
          if (!inRange(dists[d] as Distribution, v)) {
            ok = false;
            break;
          }
          (coords[d] as Float64Array)[rows] = observationCoordinate(domains[d] as Domain, v);
        }
        if (!ok) continue;
      }
      numbers[rows++] = number;
    }
    if (goodEnd >= 0 && goodRows < 0) goodRows = rows;
    const nBelow = goodEnd >= 0 ? goodRows : Math.min(finished, Math.max(0, Math.round(this.gamma(finished))));
    // Per parameter, the order of each set by value, for the bandwidths: taken from the
    // columns' maintained sorted lists instead of sorting on every ask (coordinates are
    // monotone in the values, so they order the running rows as the values would). Small
    // histories are cheaper to sort.
    const belowOrders: (Int32Array | null)[] = [];
    const aboveOrders: (Int32Array | null)[] = [];
    coords.forEach((values, d) => {
      // An ordinal categorical's coordinates follow its values: the columns' order (by choice
      // index) serves only when the choices are listed in increasing order.
      const dist = (domains[d] as Domain).distribution;
      if ((domains[d] as Domain).kind === 'categorical' || (dist.kind === 'categorical' && !increasing(dist.choices)) || rows < 64) {
        belowOrders.push(null);
        aboveOrders.push(null);
        return;
      }
      const [below, above] = history.columns.ordersOf(names[d] as string, numbers, values, nBelow, rows, history.maxNumber, this.work);
      belowOrders.push(below);
      aboveOrders.push(above);
    });
    const belowWeights = history.good === undefined ? this.weightsOf(history.weights, numbers, 0, nBelow, history.maxNumber) : this.goodWeightsOf(numbers, nBelow, history.good.weights);
    const aboveWeights = this.weightsOf(history.weights, numbers, nBelow, rows, history.maxNumber);
    if (history.warm !== undefined && Number.isFinite(history.warmStartFade)) {
      fadeEarlierStudy(belowWeights, numbers, 0, nBelow, history.warm, history.warmStartFade);
      fadeEarlierStudy(aboveWeights, numbers, nBelow, rows, history.warm, history.warmStartFade);
    }
    return {
      below: coords.map((values) => values.subarray(0, nBelow)),
      belowWeights,
      belowOrders,
      above: coords.map((values) => values.subarray(nBelow, rows)),
      aboveWeights,
      aboveOrders,
    };
  }

  /**
   * A random startup configuration no trial has taken yet, with `avoidDuplicates: true` in
   * an all-discrete space of one group (so the promise of no repeats holds from the first
   * trials on); {} (independent random draws) elsewhere or when a few draws find none.
   */
  private untriedStartup(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    const groups = this.groupsOf(study);
    const names = Object.keys(space);
    const dists = names.map((n) => space[n] as Distribution);
    if (groups.length !== 1 || names.length === 0 || !dists.every(isDiscrete)) return {};
    const taken = this.configurationsToAvoid(study, trial, names, dists);
    if (taken === null) return {};
    const rng = Rng.derive(this.seed, trial.number, 'tpe-startup');
    for (let draw = 0; draw < DUPLICATE_REDRAWS * 8; draw++) {
      const values = dists.map((d) => sampleUniform(rng, d));
      if (!taken.keys.has(taken.keyOf(values))) return Object.fromEntries(names.map((n, i) => [n, values[i] as number]));
    }
    return {};
  }

  /** The configurations a new trial should not repeat, or null when repeats are allowed (see `avoidDuplicates`). */
  private configurationsToAvoid(study: StudyView, trial: FrozenTrial, names: readonly string[], dists: readonly Distribution[]): Configurations | null {
    const domains = dists.map((dist) => domainOf(dist, this.ordinalChoices));
    const tried = configurationsTried(study, trial, names, domains);
    return this.avoidDuplicates === true || tried.repeats === 'same' ? tried : null;
  }

  /** The good rows' weights in a multi-objective study: from the history's table, or all 1. */
  private goodWeightsOf(numbers: Int32Array, n: number, weights: Float64Array | null): Float64Array {
    const w = this.work.float64(n).fill(1);
    if (weights !== null) for (let r = 0; r < n; r++) w[r] = weights[numbers[r] as number] as number;
    return w;
  }

  private weightsOf(rule: WeightRule, numbers: Int32Array, from: number, to: number, maxNumber: number): Float64Array {
    const n = to - from;
    const w = this.work.float64(n).fill(1);
    if (rule === 'uniform' || n <= 25) return w;
    // Chronological rank of each row (trial numbers are unique), then Optuna's ramp:
    // the oldest n − 25 rise linearly from 1/n to 1, the newest 25 weigh 1.
    const rankOf = new Int32Array(maxNumber + 1).fill(-1);
    for (let r = from; r < to; r++) rankOf[numbers[r] as number] = 0;
    let rank = 0;
    for (let k = 0; k <= maxNumber; k++) if (rankOf[k] === 0) rankOf[k] = rank++;
    const ramp = n - 25;
    for (let r = from; r < to; r++) {
      const age = rankOf[numbers[r] as number] as number;
      if (age < ramp) w[r - from] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * age) / (ramp - 1);
    }
    return w;
  }

  private history(study: StudyView, trial: FrozenTrial): History {
    const trials = study.getTrials();
    const last = this.lastHistory;
    if (last !== null && last.source === trials && last.length === trials.length && last.trial === trial.number) return last.history;
    let columns = this.columns.get(study.name);
    if (columns === undefined) {
      columns = new ParamColumns();
      this.columns.set(study.name, columns);
    }
    columns.update(trials);
    let ranking = this.rankings.get(study.name);
    if (ranking === undefined) {
      ranking = study.directions.length > 1 ? new ParetoRankedTrials(study.directions, this.gamma, this.paretoWeights) : new RankedTrials(study.direction);
      this.rankings.set(study.name, ranking);
    }
    let coordinates = this.coordinates.get(study.name);
    if (coordinates === undefined) {
      coordinates = new CoordinateCache();
      this.coordinates.set(study.name, coordinates);
    }
    const weights = this.weights ?? (this.isMultivariate(study) ? 'uniform' : 'old-decay');
    const history = { ...ranking.rank(trials, trial, this.constantLiar), columns, coordinates, weights, warmStartFade: this.warmStartFadeFor(study), candidates: this.candidatesFor(study), settings: this.settings[this.bandwidthFor(study)] };
    this.lastHistory = { source: trials, length: trials.length, trial: trial.number, history };
    return history;
  }

  private groupsOf(study: StudyView): Record<string, Distribution>[] {
    let groups = this.groups.get(study.name);
    if (groups === undefined) {
      groups = new SearchSpaceGroups();
      this.groups.set(study.name, groups);
    }
    groups.update(study.getTrials());
    return groups.current();
  }
}

function increasing(choices: readonly unknown[]): boolean {
  return choices.every((c, i) => i === 0 || (c as number) > (choices[i - 1] as number));
}

/**
 * `multivariate: 'auto'` samples jointly up to this many objectives (see `isMultivariate`).
 * Beyond it, one by one, as Optuna 5 does with any number of objectives.
 */
export const MULTIVARIATE_MAX_OBJECTIVES = 2;

/** Candidates per step with more than MULTIVARIATE_MAX_OBJECTIVES objectives (see `candidatesFor`). */
export const MANY_OBJECTIVE_EI_CANDIDATES = 12;

/** Extra candidate batches drawn when every candidate repeats a configuration already tried. */
const DUPLICATE_REDRAWS = 3;

/** The index of the largest value (the first of equals; NaN never wins). */
function argmax(values: Float64Array): number {
  let best = 0;
  let largest = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) > largest) {
      largest = values[i] as number;
      best = i;
    }
  }
  return best;
}
