/**
 * A warm start's joint model: the earlier study's trials and this study's in one GP, each
 * point carrying a task coordinate (0: this study, 1: the old one) that the kernel compares
 * by equality, as it does categorical parameters. The fitted lengthscale of that coordinate
 * is how far the two landscapes agree: where they do, the old trials shape the new model
 * from this study's first trial on; where they disagree (a shifted optimum, another epoch
 * count), the fit lowers the correlation and this study's own trials take over. Each study's
 * values are warped and standardised on their own, so another scale or offset of the old
 * objective changes nothing. The acquisition reads the model at task 0.
 */
import type { Distribution } from '../../space/distributions.js';
import { sameDistribution } from '../../space/distributions.js';
import { OptionError } from '../../errors.js';
import type { FrozenTrial } from '../../storage/records.js';
import type { StudyView } from '../../policies/policies.js';
import { isWarmStarted, oldTrials } from '../warm-trials.js';
import type { Encoding } from './encoding.js';
import type { GaussianProcess, Posterior, Prediction, PredictionWithGradient } from './gp-model.js';
import type { EncodedInputs } from './kernel.js';
import { fitTargets } from './targets.js';

export type WarmStartModel = 'joint' | 'prior' | 'own';
const WARM_START_MODELS: readonly WarmStartModel[] = ['joint', 'prior', 'own'];

/** GPSampler's `warmStartModel`, with `warmStartPrior` (true: 'prior', false: 'own') its older spelling; default 'joint'. */
export function checkWarmStartModel(model: unknown, priorFlag: unknown): WarmStartModel {
  if (priorFlag !== undefined && typeof priorFlag !== 'boolean') throw new OptionError(`warmStartPrior must be true or false, got ${JSON.stringify(priorFlag)}`);
  const chosen = model ?? (priorFlag === undefined ? 'joint' : priorFlag ? 'prior' : 'own');
  if (!WARM_START_MODELS.includes(chosen as WarmStartModel)) throw new OptionError(`warmStartModel must be one of ${WARM_START_MODELS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(chosen)}`);
  if (priorFlag !== undefined && chosen !== (priorFlag ? 'prior' : 'own')) throw new OptionError(`warmStartPrior: ${String(priorFlag)} contradicts warmStartModel: '${String(chosen)}'; give one of them`);
  return chosen as WarmStartModel;
}

/** A joint model needs at least this many old trials (fewer teach nothing a few new ones would not). */
const MIN_OLD_TRIALS = 5;
/**
 * At most this many old trials, evenly spaced in their order, enter the joint model: the GP's
 * hyperparameters are fitted on at most 200 points and refitted only as the points grow by
 * 5% past that, so more old trials would leave the task correlation fitted on few or none of
 * the study's own trials through its first dozens.
 */
const MAX_OLD_TRIALS = 100;
/** The joint model's name for its task coordinate (no parameter name holds this character). */
export const JOINT_TASK_NAME = '\u0001task';

/**
 * The old COMPLETE trials (one value each) the joint model of `encoding` reads, or null when
 * fewer than MIN_OLD_TRIALS: those inside today's ranges with the same choice lists (a warm
 * start given today's space has already translated them, `outside: drop` leaving out what
 * today's distributions do not hold; without one, an old trial under another choice list,
 * whose indices mean other choices, is left out whole), and that have every parameter of
 * `encoding` some old trial has (an old trial of another conditional branch is left out,
 * not taken for one that predates a knob).
 */
export function jointOldTrials(study: StudyView, encoding: Encoding): FrozenTrial[] | null {
  if (!isWarmStarted(study)) return null;
  const all = oldTrials(study, ['COMPLETE']).filter((t) => t.values !== null && t.values.length === 1 && !Number.isNaN(t.values[0]));
  const held = encoding.dimensions.filter((dim) => all.some((t) => t.internalParams[dim.name] !== undefined));
  const usable = all.filter((t) => held.every((dim) => t.internalParams[dim.name] !== undefined && holds(dim.distribution, t.distributions[dim.name], t.internalParams[dim.name] as number)));
  if (usable.length < MIN_OLD_TRIALS) return null;
  if (usable.length <= MAX_OLD_TRIALS) return usable;
  return Array.from({ length: MAX_OLD_TRIALS }, (_, i) => usable[Math.floor((i * usable.length) / MAX_OLD_TRIALS)] as FrozenTrial);
}

/** Whether today's distribution holds an old trial's internal value: the same choice list, or a number inside the range. */
function holds(today: Distribution, then: Distribution | undefined, value: number): boolean {
  if (today.kind === 'categorical') return then !== undefined && sameDistribution(today, then);
  return then !== undefined && then.kind !== 'categorical' && value >= today.low && value <= today.high;
}

/** Where an old trial lacking a numeric parameter sits along it: the middle, at most half the range from any value. */
const MISSING_NUMERIC = 0.5;
/** …and a categorical one: a code no choice has, so it is equally unlike every choice. */
const MISSING_CATEGORICAL = -1;

/** Old and new trials as one data set with a task coordinate last (old first). */
export function jointInputs(
  encoding: Encoding,
  own: { readonly rows: readonly Float64Array[]; readonly values: readonly number[] },
  old: { readonly trials: readonly FrozenTrial[]; readonly values: readonly number[] },
  warp: boolean,
): { inputs: EncodedInputs; y: Float64Array } {
  const d = encoding.d + 1;
  const nOld = old.trials.length;
  const n = nOld + own.rows.length;
  const x = new Float64Array(n * d);
  old.trials.forEach((t, i) => {
    encoding.dimensions.forEach((dim, j) => {
      const v = t.internalParams[dim.name];
      x[i * d + j] = v !== undefined ? dim.encode(v) : dim.kind === 'categorical' ? MISSING_CATEGORICAL : MISSING_NUMERIC;
    });
    x[i * d + encoding.d] = 1;
  });
  own.rows.forEach((row, k) => x.set(row, (nOld + k) * d));
  const y = new Float64Array(n);
  y.set(fitTargets(old.values, warp), 0);
  y.set(fitTargets(own.values, warp), nOld);
  return { inputs: { x, n, d, categorical: jointCategorical(encoding) }, y };
}

/** The categorical flags of the joint inputs: the encoding's, and the task coordinate. */
export function jointCategorical(encoding: Encoding): Uint8Array {
  const flags = new Uint8Array(encoding.d + 1);
  flags.set(encoding.categorical);
  flags[encoding.d] = 1;
  return flags;
}

/** Points of this study (task 0) in the joint inputs' layout. */
export function atOwnTask(point: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d + 1);
  out.set(point.subarray(0, d));
  return out;
}

/** The joint GP read at this study's task: points of the encoding get task 0, gradients leave it out. */
export class OwnTaskPosterior implements Posterior {
  private readonly d: number;

  constructor(private readonly gp: GaussianProcess) {
    this.d = gp.inputs.d - 1;
  }

  private lift(point: Float64Array): Float64Array {
    return atOwnTask(point, this.d);
  }

  private liftFree(free: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.d + 1);
    out.set(free.subarray(0, this.d));
    return out;
  }

  private drop(p: PredictionWithGradient): PredictionWithGradient {
    return { mean: p.mean, variance: p.variance, dMean: p.dMean.slice(0, this.d), dVariance: p.dVariance.slice(0, this.d) };
  }

  predict(point: Float64Array): Prediction {
    return this.gp.predict(this.lift(point));
  }

  predictMany(points: readonly Float64Array[]): Prediction[] {
    return this.gp.predictMany(points.map((p) => this.lift(p)));
  }

  predictBound(point: Float64Array): Prediction {
    return this.gp.predictBound(this.lift(point));
  }

  predictWithGradient(point: Float64Array, free: Uint8Array): PredictionWithGradient {
    return this.drop(this.gp.predictWithGradient(this.lift(point), this.liftFree(free)));
  }

  predictWithGradientMany(points: readonly Float64Array[], free: Uint8Array): PredictionWithGradient[] {
    const f = this.liftFree(free);
    return this.gp.predictWithGradientMany(points.map((p) => this.lift(p)), f).map((p) => this.drop(p));
  }
}

/**
 * The joint GP with running and pruned trials of this study (`lies`, encoded points) added at
 * task 0 with the value `worst` (a constant liar), its factor extended rather than redone.
 */
export function withLiesAtOwnTask(gp: GaussianProcess, y: Float64Array, lies: readonly Float64Array[], worst: number): GaussianProcess {
  if (lies.length === 0) return gp;
  const { x, n, d, categorical } = gp.inputs;
  const all = new Float64Array((n + lies.length) * d);
  all.set(x);
  lies.forEach((row, i) => all.set(atOwnTask(row, d - 1), (n + i) * d));
  const yAll = new Float64Array(n + lies.length);
  yAll.set(y);
  yAll.fill(worst, n);
  return gp.extendedBy({ x: all, n: n + lies.length, d, categorical }, yAll);
}
