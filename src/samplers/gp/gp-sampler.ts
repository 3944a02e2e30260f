import { OptionError } from '../../errors.js';
import type { Distribution } from '../../space/distributions.js';
import { contains, isSingleValue, sameDistribution } from '../../space/distributions.js';
import type { FrozenTrial, TrialState } from '../../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../../policies/policies.js';
import { QMCSampler } from '../qmc.js';
import { sampleUniform } from '../random.js';
import { Rng, randomSeed } from '../rng.js';
import { hasConstraints } from '../../multi-objective/constraints.js';
import { isWarmStarted, oldTrials, ownNumber, ownTrialsView } from '../warm-trials.js';
import { maximizeAcquisition } from './acquisition.js';
import { LogExpectedImprovementWithPending } from './pending.js';
import type { AcquisitionFunction } from './acquisition-functions.js';
import { LogExpectedImprovement } from './acquisition-functions.js';
import type { Encoding } from './encoding.js';
import { buildEncoding, decodePoint, encodeParams, fromUnitCube } from './encoding.js';
import { GaussianProcess } from './gp-model.js';
import { HyperparameterCache } from './hyperparameter-cache.js';
import { multiOutputAcquisition } from './multi-output.js';
import { PriorMean, residualModel } from './prior-mean.js';
import type { WarmStartModel } from './multi-task.js';
import { JOINT_TASK_NAME, OwnTaskPosterior, checkWarmStartModel, jointInputs, jointOldTrials, withLiesAtOwnTask } from './multi-task.js';
import { encodableTrials, encodedTrials, finiteValues, fitTargets } from './targets.js';

export interface GPSamplerOptions {
  /** Seed for the startup points, the candidates and the independent fallback. Default: a fresh random seed. */
  seed?: number;
  /** Completed trials before the GP takes over; until then points come from a scrambled Sobol' sequence. Default 10. */
  nStartupTrials?: number;
  /** The objective has no noise: fix the noise variance at its minimum. Default false. */
  deterministicObjective?: boolean;
  /**
   * Account for running and pruned trials, so that parallel asks spread apart instead of
   * proposing the same point. With one objective and no constraints, running trials enter
   * the acquisition as joint posterior fantasies (the batch's log expected improvement, as
   * Optuna 5's qLogEI); with several objectives or constraints they get the worst observed
   * value of each (a constant liar). Pruned trials always get the worst observed value; so
   * do running ones under a warm start's joint model or prior (`warmStartModel`). Default true.
   */
  constantLiar?: boolean;
  /** Quasi-random candidates scored per ask before local search. Default 1024. */
  nCandidates?: number;
  /** Yeo–Johnson-transform each objective's values before the fit (order preserving; tames long tails of bad values). Constraint values are only standardised. Default true. */
  warpOutputs?: boolean;
  /** The older spelling of `warmStartModel`: true is 'prior', false 'own'. */
  warmStartPrior?: boolean;
  /**
   * What GP makes of a warm start's earlier trials (one objective, no constraints, at least 5
   * old trials): `'joint'` fits them and the study's own in one GP with a task coordinate
   * whose fitted correlation says how far the two studies agree (src/samplers/gp/multi-task.ts),
   * from the study's first finished trial on (the enqueued old best) instead of after the
   * Sobol' startup; `'prior'`: a GP fitted to the old trials is the prior mean of a GP of the
   * study's own, which models what changed (prior-mean.ts), from min(3, `nStartupTrials`) own
   * trials on (when at least 5 old ones lie inside the new ranges); `'own'`: its own trials only,
   * after its own startup, the old study reaching it through the enqueued best. Running and
   * pruned trials enter `'joint'` and `'prior'` as constant lies. Default: 'joint' (README,
   * "Warm starts": the warm-start bench's numbers for each).
   */
  warmStartModel?: WarmStartModel;
}

/** Running trials fantasised at most (the Sobol' dimensions the fantasies are drawn from). */
const MAX_FANTASISED = 64;

/** Every option a space file may set for `kind: gp`. */
export const GP_OPTION_KEYS: readonly string[] = ['seed', 'nStartupTrials', 'deterministicObjective', 'constantLiar', 'nCandidates', 'warpOutputs', 'warmStartPrior', 'warmStartModel'];

/** The single-objective posterior of the last ask on the completed trials, whose factor the next ask extends. */
interface CachedPosterior {
  readonly names: string;
  /** Trial id of each row of the GP's inputs. */
  readonly ids: readonly number[];
  readonly gp: GaussianProcess;
}

/** The trials whose ids are in `order` first, in that order (when every one is still there), then the others. */
function inCachedOrder(trials: readonly FrozenTrial[], order: readonly number[]): readonly FrozenTrial[] {
  if (order.length === 0) return trials;
  const byId = new Map(trials.map((t) => [t.id, t]));
  const first: FrozenTrial[] = [];
  for (const id of order) {
    const t = byId.get(id);
    if (t === undefined) return trials;
    first.push(t);
  }
  const placed = new Set(order);
  return [...first, ...trials.filter((t) => !placed.has(t.id))];
}

/**
 * In a warm-started study the GP with the old study's prior takes over once this many of
 * its own trials completed (the enqueued old best among them), not after the whole Sobol'
 * startup: the prior already says where to look.
 */
const PRIOR_STARTUP_TRIALS = 3;

/** Internal values of an encoded point; a value the distribution cannot hold is resampled uniformly. */
function decodeInside(encoding: Encoding, point: Float64Array, rng: Rng): Record<string, number> {
  const out = decodePoint(encoding, point);
  for (const dim of encoding.dimensions) {
    const v = out[dim.name] as number;
    if (!contains(dim.distribution, v)) out[dim.name] = sampleUniform(rng, dim.distribution);
  }
  return out;
}

/** The space an encoding was built from. */
function encodingSpace(encoding: Encoding): SearchSpaceMap {
  return Object.fromEntries(encoding.dimensions.map((dim) => [dim.name, dim.distribution]));
}

/**
 * Gaussian-process Bayesian optimisation: a Matérn-5/2 ARD GP on the parameters mapped to
 * [0, 1]^d (categoricals by Hamming distance) fitted to standardised values by maximum a
 * posteriori hyperparameters (warm-started from the previous ask), and the next point
 * chosen by maximising log expected improvement. Joint over the parameters every completed
 * trial shares; anything else is sampled uniformly. Running trials are fantasised from the
 * posterior and the point maximises the log EI of the whole batch (src/samplers/gp/pending.ts);
 * pruned trials get the worst observed value (not a fit target); failed ones are ignored.
 *
 * With several objectives, one independent GP per objective and log expected hypervolume
 * improvement over the Pareto front of the feasible trials (Optuna's LogEHVI: a box
 * decomposition of the region the front leaves open, integrated over 128 fixed, seeded
 * quasi-random posterior samples; reference point 10% beyond the worst values). With
 * constraints (trial system attributes `constraints:<name>`, ≤ 0 satisfied), one GP per
 * constraint adds log P(every constraint ≤ 0) to the acquisition; while no trial is
 * feasible, that probability alone is maximised. There running and pruned trials get the
 * worst observed value of every objective and constraint.
 *
 * In a warm-started study (`warmStartModel`) the GP fits an earlier study's trials and its
 * own as one data set with a task coordinate (multi-task.ts): fitted as one plain data set,
 * the old observations contradicted the new ones where the problem moved; the task
 * coordinate's fitted correlation lets the new ones take over there. Or the old trials give
 * the prior mean of a GP of the study's own (prior-mean.ts), or only the enqueued best.
 */
export class GPSampler implements Sampler {
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly deterministicObjective: boolean;
  readonly constantLiar: boolean;
  readonly nCandidates: number;
  readonly warpOutputs: boolean;
  readonly warmStartModel: WarmStartModel;
  private readonly startup: QMCSampler;
  private readonly hyperparameters: HyperparameterCache;
  private posterior: CachedPosterior | null = null;
  /** The warm start's prior of the last study and space asked for (`key`: which, and which old trials). */
  private prior: { key: string; model: PriorMean | null } | undefined;
  /** Points this instance proposed for trials that may not have stored their parameters yet. */
  private readonly pending = new Map<number, { names: string; internal: Record<string, number> }>();

  constructor(options: GPSamplerOptions = {}) {
    this.seed = options.seed ?? randomSeed();
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.deterministicObjective = options.deterministicObjective ?? false;
    this.constantLiar = options.constantLiar ?? true;
    this.nCandidates = options.nCandidates ?? 1024;
    this.warpOutputs = options.warpOutputs ?? true;
    this.warmStartModel = checkWarmStartModel(options.warmStartModel, options.warmStartPrior);
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 1) {
      throw new OptionError(`nStartupTrials must be a positive integer, got ${this.nStartupTrials}`);
    }
    if (!Number.isInteger(this.nCandidates) || this.nCandidates < 1) throw new OptionError(`nCandidates must be a positive integer, got ${this.nCandidates}`);
    for (const [key, value] of [['deterministicObjective', this.deterministicObjective], ['constantLiar', this.constantLiar], ['warpOutputs', this.warpOutputs]] as const) {
      if (typeof value !== 'boolean') throw new OptionError(`${key} must be true or false, got ${JSON.stringify(value)}`);
    }
    this.startup = new QMCSampler({ seed: this.seed, scramble: true, qmcType: 'sobol' });
    this.hyperparameters = new HyperparameterCache(this.deterministicObjective);
  }

  /** The parameters every completed trial has, with the same distribution (single-value ones left out). */
  inferRelativeSpace(study: StudyView): SearchSpaceMap {
    let space: Record<string, Distribution> | null = null;
    for (const trial of ownTrialsView(study).getTrials(['COMPLETE'])) {
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
    const m = study.directions.length;
    // A warm start's old trials are not fitted with the study's own (see prior-mean.ts).
    const own = ownTrialsView(study);
    const completed = own
      .getTrials(['COMPLETE'])
      .filter((t) => t.values !== null && (m === 1 ? !Number.isNaN(t.values[0]) : t.values.length === m && t.values.every((v) => !Number.isNaN(v))));
    const prior = m === 1 && !hasConstraints(completed) ? this.priorFor(study, encoding) : null;
    let result: Record<string, number>;
    const old = m === 1 && !hasConstraints(completed) && this.warmStartModel === 'joint' ? jointOldTrials(study, encoding) : null;
    // The joint model takes over once the study's first trial (the enqueued old best) finished.
    if (old !== null && completed.length >= 1) result = this.sampleJoint(own, trial, encoding, completed, old);
    else if (prior !== null && completed.length >= Math.min(this.nStartupTrials, PRIOR_STARTUP_TRIALS)) result = this.sampleWithPrior(own, trial, encoding, completed, prior);
    // The startup by the trial's number in its own study: a warm start's old trials do not move it.
    else if (completed.length < this.nStartupTrials) result = this.startup.samplePoint(ownNumber(study, trial), space);
    else if (m === 1 && !hasConstraints(completed)) result = this.sampleFromGP(own, trial, encoding, completed);
    else result = this.sampleMultiOutput(own, trial, encoding, completed);
    this.pending.set(trial.number, { names: encoding.names.join('\u0000'), internal: result });
    return result;
  }

  /**
   * One objective in a warm-started study, `warmStartModel: 'joint'`: log EI of the joint
   * GP of the old and the study's own trials (multi-task.ts) read at this study's task, above
   * its own best. Running and pruned trials enter at its worst value (a constant liar).
   */
  private sampleJoint(study: StudyView, trial: FrozenTrial, encoding: Encoding, completed: readonly FrozenTrial[], old: readonly FrozenTrial[]): Record<string, number> {
    const sign = study.direction === 'minimize' ? -1 : 1;
    const { rows, raw, ids } = encodedTrials(encoding, completed, sign);
    if (rows.length === 0) return this.startup.samplePoint(ownNumber(study, trial), encodingSpace(encoding));
    const oldValues = finiteValues(old.map((t) => sign * (t.values?.[0] as number)));
    const { inputs, y } = jointInputs(encoding, { rows, values: finiteValues(raw) }, { trials: old, values: oldValues }, this.warpOutputs);
    const jointEncoding = { ...encoding, names: [...encoding.names, JOINT_TASK_NAME] };
    const params = this.hyperparameters.fit('joint:0', jointEncoding, inputs, y, [...old.map((t) => t.id), ...ids]);
    const own = y.subarray(old.length);
    const open = this.constantLiar ? this.liePoints(study, trial, encoding) : { running: [], pruned: [] };
    const gp = withLiesAtOwnTask(new GaussianProcess(inputs, y, params), y, [...open.running, ...open.pruned], Math.min(...own));
    const order = Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => (y[old.length + b] as number) - (y[old.length + a] as number));
    const rng = Rng.derive(this.seed, trial.number, 'gp');
    return this.proposal(new LogExpectedImprovement(new OwnTaskPosterior(gp), Math.max(...own)), encoding, rng, order.slice(0, 5).map((i) => rows[i] as Float64Array));
  }

  /** What GP makes of a warm start's old trials, as `sodate tune` logs it. */
  warmStartRole(): string {
    if (this.warmStartModel === 'joint') return "GP models the old trials and this study's own as one data set with a task coordinate that learns how far they agree (one objective, no constraints, at least 5 old trials; else its own trials only)";
    return this.warmStartModel === 'prior'
      ? "GP models this study's own trials on a prior mean fitted to the old ones (at least 5 inside today's ranges)"
      : "GP models this study's own trials only, the old study reaches it through the enqueued best (if any)";
  }

  /** One line for `sodate tune`'s log of a warm-started study. */
  describeWarmStart(): string {
    return `gp sampler: ${this.warmStartRole()}`;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    return sampleUniform(Rng.derive(this.seed, trial.number, name), distribution);
  }

  afterTrial(_study: StudyView, trial: FrozenTrial, _state: TrialState): void {
    this.pending.delete(trial.number);
  }

  /**
   * The warm start's prior over `encoding`, or null when the study has no usable old trials.
   * Fitted once per study, space and set of old trials (one sampler may serve several studies).
   */
  private priorFor(study: StudyView, encoding: Encoding): PriorMean | null {
    if (this.warmStartModel !== 'prior' || !isWarmStarted(study)) return null;
    const old = oldTrials(study, ['COMPLETE']).filter((t) => t.values !== null && t.values.length === 1 && !Number.isNaN(t.values[0]));
    const key = [study.name, JSON.stringify(encoding.dimensions.map((dim) => [dim.name, dim.distribution])), old.length, old[0]?.id, old[old.length - 1]?.id].join('\u0001');
    if (this.prior?.key === key) return this.prior.model;
    const sign = study.direction === 'minimize' ? -1 : 1;
    const model = PriorMean.fit(encoding, old, finiteValues(old.map((t) => sign * (t.values?.[0] as number))), { deterministic: this.deterministicObjective, warp: this.warpOutputs });
    this.prior = { key, model };
    return model;
  }

  /**
   * One objective in a warm-started study: the GP models the residual of the study's own
   * values (on the prior's output scale) from the old study's model, and log EI is taken of
   * prior + residual. Running and pruned trials enter at the worst observed value (a
   * constant liar on the combined model).
   */
  private sampleWithPrior(study: StudyView, trial: FrozenTrial, encoding: Encoding, completed: readonly FrozenTrial[], prior: PriorMean): Record<string, number> {
    const sign = study.direction === 'minimize' ? -1 : 1;
    const { rows, raw, ids } = encodedTrials(encoding, completed, sign);
    const n = rows.length;
    if (n === 0) return this.startup.samplePoint(ownNumber(study, trial), encodingSpace(encoding));
    const open = this.constantLiar ? this.liePoints(study, trial, encoding) : { running: [], pruned: [] };
    const lies = [...open.running, ...open.pruned];
    const { posterior, y, best } = residualModel(prior, rows, finiteValues(raw), lies, encoding.categorical, (inputs, targets) => this.hyperparameters.fit('residual:0', encoding, inputs, targets, ids));
    const acquisition = new LogExpectedImprovement(posterior, best);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (y[b] as number) - (y[a] as number));
    const rng = Rng.derive(this.seed, trial.number, 'gp');
    return this.proposal(acquisition, encoding, rng, order.slice(0, 5).map((i) => rows[i] as Float64Array));
  }

  private sampleFromGP(study: StudyView, trial: FrozenTrial, encoding: Encoding, completed: readonly FrozenTrial[]): Record<string, number> {
    const d = encoding.d;
    const names = encoding.names.join('\u0000');
    const sign = study.direction === 'minimize' ? -1 : 1;
    const cached = this.posterior !== null && this.posterior.names === names ? this.posterior : null;
    const { rows, raw, ids } = encodedTrials(encoding, inCachedOrder(completed, cached?.ids ?? []), sign);
    const n = rows.length;
    const y = fitTargets(finiteValues(raw), this.warpOutputs);
    const x = new Float64Array(n * d);
    rows.forEach((row, i) => x.set(row, i * d));
    const inputs = { x, n, d, categorical: encoding.categorical };

    const params = this.hyperparameters.fit('objective:0', encoding, inputs, y, completed.map((t) => t.id));
    // While the hyperparameters stay, the last ask's factor extends to the trials completed since.
    const reusable = cached !== null && cached.gp.params === params && cached.ids.length <= n && cached.ids.every((id, i) => ids[i] === id);
    const completedGP = reusable ? cached.gp.extendedBy(inputs, y) : new GaussianProcess(inputs, y, params);
    this.posterior = { names, ids, gp: completedGP };

    let worst = Infinity;
    let best = -Infinity;
    for (const v of y) {
      worst = Math.min(worst, v);
      best = Math.max(best, v);
    }
    // Pruned trials get the worst observed value (they will not report one); running and
    // waiting ones enter the acquisition as fantasies (batch log EI).
    const open = this.constantLiar ? this.liePoints(study, trial, encoding) : { running: [], pruned: [] };
    // The batch's fantasies draw one quasi-random coordinate per running trial, and Sobol'
    // points stop at 64: the newest 64 running trials are fantasised, older ones (a very wide
    // cluster) enter with the worst value, as the constant liar did before.
    const fantasised = open.running.slice(-MAX_FANTASISED);
    const lies = [...open.pruned, ...open.running.slice(0, open.running.length - fantasised.length)];
    let gp = completedGP;
    if (lies.length > 0) {
      const all = new Float64Array((n + lies.length) * d);
      all.set(x);
      lies.forEach((row, i) => all.set(row, (n + i) * d));
      const yAll = new Float64Array(n + lies.length);
      yAll.set(y);
      yAll.fill(worst, n);
      gp = completedGP.extendedBy({ x: all, n: n + lies.length, d, categorical: encoding.categorical }, yAll);
    }
    const rng = Rng.derive(this.seed, trial.number, 'gp');
    const acquisition =
      fantasised.length > 0
        ? new LogExpectedImprovementWithPending(gp, best, fantasised, Rng.derive(this.seed, trial.number, 'pending').nextUint32())
        : new LogExpectedImprovement(gp, best);

    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (y[b] as number) - (y[a] as number));
    const anchors = order.slice(0, 5).map((i) => rows[i] as Float64Array);
    return this.proposal(acquisition, encoding, rng, anchors);
  }

  /** Several objectives, or constraints: the acquisition of multi-output.ts over the completed trials. */
  private sampleMultiOutput(study: StudyView, trial: FrozenTrial, encoding: Encoding, completed: readonly FrozenTrial[]): Record<string, number> {
    const { rows, trials } = encodableTrials(encoding, completed);
    const rng = Rng.derive(this.seed, trial.number, 'gp');
    if (rows.length === 0) return decodeInside(encoding, fromUnitCube(encoding, Array.from({ length: encoding.d }, () => rng.float()), new Float64Array(encoding.d)), rng);
    const open = this.constantLiar ? this.liePoints(study, trial, encoding) : { running: [], pruned: [] };
    const { acquisition, anchors } = multiOutputAcquisition({
      encoding,
      directions: study.directions,
      rows,
      trials,
      lies: [...open.running, ...open.pruned],
      warpOutputs: this.warpOutputs,
      fit: (label, inputs, y, ids) => this.hyperparameters.fit(label, encoding, inputs, y, ids),
      seed: this.seed,
      trialNumber: trial.number,
    });
    return this.proposal(acquisition, encoding, rng, anchors);
  }

  /** The point maximising `acquisition` (searched from quasi-random candidates and around `anchors`), decoded. */
  private proposal(acquisition: AcquisitionFunction, encoding: Encoding, rng: Rng, anchors: readonly Float64Array[]): Record<string, number> {
    const { point } = maximizeAcquisition(acquisition, encoding, rng, {
      candidates: this.nCandidates,
      anchors: [...anchors],
      perturbationsPerAnchor: 40,
      localSearchStarts: 5,
      localSearchEvaluations: 25,
    });
    return decodeInside(encoding, point, rng);
  }

  /** Encoded points of the other running and waiting trials, and of the pruned ones. */
  private liePoints(study: StudyView, trial: FrozenTrial, encoding: Encoding): { running: Float64Array[]; pruned: Float64Array[] } {
    const names = encoding.names.join('\u0000');
    const running: Float64Array[] = [];
    const pruned: Float64Array[] = [];
    const open = new Set<number>();
    for (const t of study.getTrials(['RUNNING', 'WAITING', 'PRUNED'])) {
      if (t.number === trial.number) continue;
      if (t.state !== 'PRUNED') open.add(t.number);
      const out = t.state === 'PRUNED' ? pruned : running;
      const row = new Float64Array(encoding.d);
      if (encodeParams(encoding, t.internalParams, row)) {
        out.push(row);
        continue;
      }
      const proposed = this.pending.get(t.number);
      if (proposed !== undefined && proposed.names === names && encodeParams(encoding, proposed.internal, row)) out.push(row);
    }
    for (const number of this.pending.keys()) if (!open.has(number) && number !== trial.number) this.pending.delete(number);
    return { running, pruned };
  }
}

