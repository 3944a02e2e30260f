import { OptionError } from '../../errors.js';
import type { Distribution } from '../../space/distributions.js';
import { contains, isSingleValue, sameDistribution } from '../../space/distributions.js';
import type { FrozenTrial, TrialState } from '../../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../../study/policies.js';
import { QMCSampler } from '../qmc.js';
import { sampleUniform } from '../random.js';
import { Rng, randomSeed } from '../rng.js';
import { maximizeLogEI } from './acquisition.js';
import type { Encoding } from './encoding.js';
import { buildEncoding, decodePoint, encodeParams } from './encoding.js';
import type { FitResult } from './fit.js';
import { fitKernelParams } from './fit.js';
import { GaussianProcess } from './gp-model.js';
import { warpOutputs } from './output-warp.js';
import type { KernelParams } from './kernel.js';

export interface GPSamplerOptions {
  /** Seed for the startup points, the candidates and the independent fallback. Default: a fresh random seed. */
  seed?: number;
  /** Completed trials before the GP takes over; until then points come from a scrambled Sobol' sequence. Default 10. */
  nStartupTrials?: number;
  /** The objective has no noise: fix the noise variance at its minimum. Default false. */
  deterministicObjective?: boolean;
  /**
   * Give running (and pruned) trials a fantasy value, the worst observed one, so that
   * parallel asks spread apart instead of proposing the same point. Default true.
   */
  constantLiar?: boolean;
  /** Quasi-random candidates scored per ask before local search. Default 1024. */
  nCandidates?: number;
  /** Yeo–Johnson-transform the values before the fit (order preserving; tames long tails of bad values). Default true. */
  warpOutputs?: boolean;
}

/** Every option a space file may set for `kind: gp`. */
export const GP_OPTION_KEYS: readonly string[] = ['seed', 'nStartupTrials', 'deterministicObjective', 'constantLiar', 'nCandidates', 'warpOutputs'];

interface CachedFit {
  readonly key: string;
  readonly names: string;
  readonly params: KernelParams;
  readonly refits: number;
}

/** Values (maximisation sense) made finite: ±Infinity become the worst/best finite value. */
function finiteValues(raw: number[]): number[] {
  const finite = raw.filter(Number.isFinite);
  const lo = finite.length > 0 ? Math.min(...finite) : 0;
  const hi = finite.length > 0 ? Math.max(...finite) : 0;
  return raw.map((v) => (v === Infinity ? hi : v === -Infinity ? lo : v));
}

/**
 * Gaussian-process Bayesian optimisation: a Matérn-5/2 ARD GP on the parameters mapped to
 * [0, 1]^d (categoricals by Hamming distance) fitted to standardised values by maximum a
 * posteriori hyperparameters (warm-started from the previous ask), and the next point
 * chosen by maximising log expected improvement. Joint over the parameters every completed
 * trial shares; anything else is sampled uniformly. Pruned trials are treated like running
 * ones (the worst value, not a fit target); failed ones are ignored.
 */
export class GPSampler implements Sampler {
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly deterministicObjective: boolean;
  readonly constantLiar: boolean;
  readonly nCandidates: number;
  readonly warpOutputs: boolean;
  private readonly startup: QMCSampler;
  private cache: CachedFit | null = null;
  /** Points this instance proposed for trials that may not have stored their parameters yet. */
  private readonly pending = new Map<number, { names: string; internal: Record<string, number> }>();

  constructor(options: GPSamplerOptions = {}) {
    this.seed = options.seed ?? randomSeed();
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.deterministicObjective = options.deterministicObjective ?? false;
    this.constantLiar = options.constantLiar ?? true;
    this.nCandidates = options.nCandidates ?? 1024;
    this.warpOutputs = options.warpOutputs ?? true;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 1) {
      throw new OptionError(`nStartupTrials must be a positive integer, got ${this.nStartupTrials}`);
    }
    if (!Number.isInteger(this.nCandidates) || this.nCandidates < 1) throw new OptionError(`nCandidates must be a positive integer, got ${this.nCandidates}`);
    for (const [key, value] of [['deterministicObjective', this.deterministicObjective], ['constantLiar', this.constantLiar], ['warpOutputs', this.warpOutputs]] as const) {
      if (typeof value !== 'boolean') throw new OptionError(`${key} must be true or false, got ${JSON.stringify(value)}`);
    }
    this.startup = new QMCSampler({ seed: this.seed, scramble: true, qmcType: 'sobol' });
  }

  /** The parameters every completed trial has, with the same distribution (single-value ones left out). */
  inferRelativeSpace(study: StudyView): SearchSpaceMap {
    let space: Record<string, Distribution> | null = null;
    for (const trial of study.getTrials(['COMPLETE'])) {
      if (space === null) {
        space = { ...trial.distributions };
        continue;
      }
      for (const [name, dist] of Object.entries(space)) {
        const other = trial.distributions[name];
        if (other === undefined || !sameDistribution(dist, other)) delete space[name];
      }
    }
    const out: Record<string, Distribution> = {};
    for (const [name, dist] of Object.entries(space ?? {})) if (!isSingleValue(dist)) out[name] = dist;
    return out;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: SearchSpaceMap): Record<string, number> {
    const encoding = buildEncoding(space);
    if (encoding.d === 0) return {};
    const completed = study.getTrials(['COMPLETE']).filter((t) => t.values !== null && !Number.isNaN(t.values[0]));
    const result = completed.length < this.nStartupTrials ? this.startup.samplePoint(trial.number, space) : this.sampleFromGP(study, trial, encoding, completed);
    this.pending.set(trial.number, { names: encoding.names.join('\u0000'), internal: result });
    return result;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return sampleUniform(Rng.derive(this.seed, trial.number, name), distribution);
  }

  afterTrial(_study: StudyView, trial: FrozenTrial, _state: TrialState): void {
    this.pending.delete(trial.number);
  }

  private sampleFromGP(study: StudyView, trial: FrozenTrial, encoding: Encoding, completed: readonly FrozenTrial[]): Record<string, number> {
    const d = encoding.d;
    const sign = study.direction === 'minimize' ? -1 : 1;
    const rows: Float64Array[] = [];
    const raw: number[] = [];
    for (const t of completed) {
      const row = new Float64Array(d);
      if (!encodeParams(encoding, t.internalParams, row)) continue;
      rows.push(row);
      raw.push(sign * (t.values?.[0] as number));
    }
    const values = finiteValues(raw);
    const n = rows.length;
    let y: Float64Array;
    if (this.warpOutputs) {
      // Warp in the minimisation sense, where the long tail is the bad one, then flip back.
      y = warpOutputs(values.map((v) => -v)).map((v) => -v);
    } else {
      const mean = values.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      y = Float64Array.from(values, (v) => (v - mean) / Math.max(sd, 1e-12));
    }
    const x = new Float64Array(n * d);
    rows.forEach((row, i) => x.set(row, i * d));
    const inputs = { x, n, d, categorical: encoding.categorical };

    const params = this.fitHyperparameters(encoding, inputs, y, completed);

    // Constant liar: running, waiting and pruned trials at the worst observed value.
    let worst = Infinity;
    let best = -Infinity;
    for (const v of y) {
      worst = Math.min(worst, v);
      best = Math.max(best, v);
    }
    const lies = this.constantLiar ? this.liePoints(study, trial, encoding) : [];
    const all = new Float64Array((n + lies.length) * d);
    all.set(x);
    lies.forEach((row, i) => all.set(row, (n + i) * d));
    const yAll = new Float64Array(n + lies.length);
    yAll.set(y);
    yAll.fill(worst, n);
    const gp = new GaussianProcess({ x: all, n: n + lies.length, d, categorical: encoding.categorical }, yAll, params);

    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (y[b] as number) - (y[a] as number));
    const anchors = order.slice(0, 5).map((i) => rows[i] as Float64Array);
    const rng = Rng.derive(this.seed, trial.number, 'gp');
    const { point } = maximizeLogEI(gp, best, encoding, rng, {
      candidates: this.nCandidates,
      anchors,
      perturbationsPerAnchor: 40,
      localSearchStarts: 5,
      localSearchEvaluations: 25,
    });
    const out = decodePoint(encoding, point);
    for (const dim of encoding.dimensions) {
      const v = out[dim.name] as number;
      if (!contains(dim.distribution, v)) out[dim.name] = sampleUniform(rng, dim.distribution);
    }
    return out;
  }

  private fitHyperparameters(encoding: Encoding, inputs: { x: Float64Array; n: number; d: number; categorical: Uint8Array }, y: Float64Array, completed: readonly FrozenTrial[]): KernelParams {
    const names = encoding.names.join('\u0000');
    const key = `${names}|${completed.map((t) => t.id).join(',')}`;
    const cache = this.cache;
    if (cache !== null && cache.key === key) return cache.params;
    const warm = cache !== null && cache.names === names ? cache.params : undefined;
    const n = inputs.n;
    // Each evaluation costs ~n³/2 flops. Up to 200 trials the fit gets at least 4 evaluations;
    // past that the hyperparameters move little per trial and warm-started steps must do.
    const cubed = n * n * n;
    const budget = n <= 200 ? Math.max(4, Math.min(60, Math.floor(1.2e8 / cubed))) : Math.max(2, Math.floor(6e7 / cubed));
    let fit: FitResult = fitKernelParams(inputs, y, {
      ...(warm ? { initial: warm } : {}),
      maxEvaluations: budget,
      deterministic: this.deterministicObjective,
    });
    const refits = (cache?.refits ?? 0) + 1;
    if (warm !== undefined && (refits % 10 === 0 || !Number.isFinite(fit.logPosterior))) {
      // Now and then also start afresh, in case the warm start sits in a poor local optimum.
      const fresh = fitKernelParams(inputs, y, { maxEvaluations: budget, deterministic: this.deterministicObjective });
      if (fresh.logPosterior > fit.logPosterior || !Number.isFinite(fit.logPosterior)) fit = fresh;
    }
    this.cache = { key, names, params: fit.params, refits };
    return fit.params;
  }

  private liePoints(study: StudyView, trial: FrozenTrial, encoding: Encoding): Float64Array[] {
    const names = encoding.names.join('\u0000');
    const out: Float64Array[] = [];
    const open = new Set<number>();
    for (const t of study.getTrials(['RUNNING', 'WAITING', 'PRUNED'])) {
      if (t.number === trial.number) continue;
      if (t.state !== 'PRUNED') open.add(t.number);
      const row = new Float64Array(encoding.d);
      if (encodeParams(encoding, t.internalParams, row)) {
        out.push(row);
        continue;
      }
      const proposed = this.pending.get(t.number);
      if (proposed !== undefined && proposed.names === names && encodeParams(encoding, proposed.internal, row)) out.push(row);
    }
    for (const number of this.pending.keys()) if (!open.has(number) && number !== trial.number) this.pending.delete(number);
    return out;
  }
}
