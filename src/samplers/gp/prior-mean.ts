/**
 * A warm start's transfer model: a GP fitted once to the earlier study's trials becomes the
 * prior mean of the GP of the new study's own trials, which then models only what changed
 * (the residual). Where the problem moved a little (a shifted optimum, a knob added), the
 * old model gives the new GP the landscape's shape from its first trials, and the residual
 * corrects it wherever the new trials disagree; old and new observations are never fitted
 * as one data set, so their contradictions cannot make the fit a compromise of both.
 */
import type { FrozenTrial } from '../../storage/records.js';
import type { Distribution } from '../../space/distributions.js';
import type { Encoding } from './encoding.js';
import { buildEncoding, encodeParams } from './encoding.js';
import { evenlySpacedSubset, fitEvaluationBudget, fitKernelParamsAfresh } from './fit.js';
import type { Posterior, Prediction, PredictionWithGradient } from './gp-model.js';
import type { EncodedInputs, KernelParams } from './kernel.js';
import { GaussianProcess } from './gp-model.js';
import { outputStandardizer, outputTransform } from './output-warp.js';

/** Old trials the prior is fitted on at most (as the sampler's own fits: FIT_SUBSET_SIZE). */
const MAX_PRIOR_TRIALS = 200;
/** Fewer old trials than this teach nothing a few new ones would not. */
const MIN_PRIOR_TRIALS = 5;
/** The residual's scale at least, in the prior's standardised units. */
const MIN_RESIDUAL_SCALE = 0.05;

/** Whether an old trial's value of a parameter lies in the new study's distribution (a narrowed range leaves some out). */
function inside(dist: Distribution, value: number): boolean {
  if (dist.kind === 'categorical') return Number.isInteger(value) && value >= 0 && value < dist.choices.length;
  return value >= dist.low && value <= dist.high;
}

export class PriorMean {
  /** The new encoding's dimensions the old trials have, as indices into it. */
  private readonly shared: Int32Array;
  private readonly gp: GaussianProcess;
  private readonly projected: Float64Array;
  private readonly projectedFree: Uint8Array;

  private constructor(
    /**
     * The old values' output warp, which the new values go through too: one scale for both.
     * A new value far worse than any old one (a penalty, a diverged run) is held just below
     * the old worst, or its residual would swamp the residual model's scale.
     */
    readonly transform: (value: number) => number,
    shared: Int32Array,
    gp: GaussianProcess,
  ) {
    this.shared = shared;
    this.gp = gp;
    this.projected = new Float64Array(shared.length);
    this.projectedFree = new Uint8Array(shared.length);
  }

  /**
   * The prior from the old COMPLETE trials (`values[i]` of `old[i]`, maximisation sense,
   * finite), over the parameters of `encoding` they all have with values inside the new
   * distributions; null when too few old trials or no parameter are shared. `warp`: the
   * Yeo–Johnson output warp (the sampler's `warpOutputs`), else standardised only.
   */
  static fit(encoding: Encoding, old: readonly FrozenTrial[], values: readonly number[], options: { readonly deterministic: boolean; readonly warp: boolean }): PriorMean | null {
    const valueOf = new Map(old.map((t, i) => [t, values[i] as number]));
    const usable = old.filter((t) => Number.isFinite(valueOf.get(t)));
    const shared: number[] = [];
    // A parameter the old study held at one value (a warm start's `assume`) says nothing of
    // how the objective varies with it: the prior is left flat along it.
    encoding.dimensions.forEach((dim, j) => {
      const first = usable[0]?.internalParams[dim.name];
      if (first !== undefined && usable.every((t) => t.internalParams[dim.name] !== undefined) && usable.some((t) => t.internalParams[dim.name] !== first)) shared.push(j);
    });
    if (shared.length === 0) return null;
    const space: Record<string, Distribution> = {};
    for (const j of shared) {
      const dim = encoding.dimensions[j] as Encoding['dimensions'][number];
      space[dim.name] = dim.distribution;
    }
    const sub = buildEncoding(space);
    const within = usable.filter((t) => sub.dimensions.every((dim) => inside(dim.distribution, t.internalParams[dim.name] as number)));
    if (within.length < MIN_PRIOR_TRIALS) return null;
    const x = new Float64Array(within.length * sub.d);
    within.forEach((t, i) => encodeParams(sub, t.internalParams, x, i * sub.d));
    const raw = within.map((t) => valueOf.get(t) as number);
    const warp = options.warp ? outputTransform(raw) : outputStandardizer(raw);
    const targets = Float64Array.from(raw, warp);
    let lowest = Infinity;
    for (const v of targets) lowest = Math.min(lowest, v);
    const floor = lowest - 1;
    const subset = evenlySpacedSubset({ x, n: within.length, d: sub.d, categorical: sub.categorical }, targets, MAX_PRIOR_TRIALS);
    const n = subset.inputs.n;
    const fit = fitKernelParamsAfresh(subset.inputs, subset.y, { maxEvaluations: fitEvaluationBudget(n), deterministic: options.deterministic });
    // buildEncoding orders names alphabetically, as the new encoding does: `shared` lines up with `sub`.
    return new PriorMean((v) => Math.max(floor, warp(v)), Int32Array.from(shared), new GaussianProcess(subset.inputs, subset.y, fit.params));
  }

  private project(point: Float64Array): Float64Array {
    for (let k = 0; k < this.shared.length; k++) this.projected[k] = point[this.shared[k] as number] as number;
    return this.projected;
  }

  /** The old model's mean at an encoded point of the new space (predictBound's mean is exact, without the variance's solve). */
  value(point: Float64Array): number {
    return this.gp.predictBound(this.project(point)).mean;
  }

  /** The mean and its gradient along the new space's dimensions flagged in `free`. */
  meanWithGradient(point: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    for (let k = 0; k < this.shared.length; k++) this.projectedFree[k] = free[this.shared[k] as number] as number;
    const p = this.gp.predictWithGradient(this.project(point), this.projectedFree);
    const gradient = new Float64Array(point.length);
    for (let k = 0; k < this.shared.length; k++) gradient[this.shared[k] as number] = p.dMean[k] as number;
    return { value: p.mean, gradient };
  }
}

/**
 * The new study's model on the prior's scale: f(x) = weight·prior(x) + offset + scale·g(x),
 * g the GP of the standardised residuals. The prior's mean only: its uncertainty is not
 * added (the old trials' variance does not shrink as the new study's trials arrive, and
 * adding it kept the study exploring for good: branin+1 stuck at regret 0.128). What the
 * acquisition functions read of a GP.
 */
export class ResidualPosterior implements Posterior {
  constructor(
    private readonly prior: PriorMean,
    private readonly residual: GaussianProcess,
    private readonly offset: number,
    private readonly scale: number,
    private readonly weight: number,
  ) {}

  private shifted(point: Float64Array, p: Prediction): Prediction {
    return { mean: this.weight * this.prior.value(point) + this.offset + this.scale * p.mean, variance: this.scale * this.scale * p.variance };
  }

  predict(point: Float64Array): Prediction {
    return this.shifted(point, this.residual.predict(point));
  }

  predictMany(points: readonly Float64Array[]): Prediction[] {
    return this.residual.predictMany(points).map((p, i) => this.shifted(points[i] as Float64Array, p));
  }

  predictBound(point: Float64Array): Prediction {
    return this.shifted(point, this.residual.predictBound(point));
  }

  predictWithGradient(point: Float64Array, free: Uint8Array): PredictionWithGradient {
    return this.shiftedWithGradient(point, free, this.residual.predictWithGradient(point, free));
  }

  predictWithGradientMany(points: readonly Float64Array[], free: Uint8Array): PredictionWithGradient[] {
    return this.residual.predictWithGradientMany(points, free).map((p, i) => this.shiftedWithGradient(points[i] as Float64Array, free, p));
  }

  private shiftedWithGradient(point: Float64Array, free: Uint8Array, p: PredictionWithGradient): PredictionWithGradient {
    const prior = this.prior.meanWithGradient(point, free);
    const { scale: s, weight: w } = this;
    const dMean = Float64Array.from(p.dMean, (g, j) => w * (prior.gradient[j] as number) + s * g);
    const dVariance = Float64Array.from(p.dVariance, (g) => s * s * g);
    return { mean: w * prior.value + this.offset + s * p.mean, variance: s * s * p.variance, dMean, dVariance };
  }
}

/**
 * How much of the prior the new study's values bear out: the least-squares slope of its
 * own values on the prior's means at its trials, within [0, 1]. 1 until three trials; near
 * 0 where the old landscape does not predict the new one, so the model falls back to the
 * study's own trials.
 */
export function priorWeight(priorAt: readonly number[], y: readonly number[]): number {
  const n = y.length;
  if (n < 3) return 1;
  const mp = priorAt.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((priorAt[i] as number) - mp) * ((y[i] as number) - my);
    sxx += ((priorAt[i] as number) - mp) ** 2;
  }
  return sxx > 0 ? Math.min(1, Math.max(0, sxy / sxx)) : 0;
}

/**
 * The model of a warm-started study's own trials on `prior`: `rows` (encoded, at least one)
 * with `values` (maximisation sense, finite) on the prior's scale, their residuals from the
 * weighted prior standardised and fitted by a GP whose hyperparameters `fit` gives; `lies`
 * (running and pruned trials) enter at the worst observed value. Returns the posterior, the
 * values on the prior's scale, and the best of them (log EI's incumbent).
 */
export function residualModel(
  prior: PriorMean,
  rows: readonly Float64Array[],
  values: readonly number[],
  lies: readonly Float64Array[],
  categorical: Uint8Array,
  fit: (inputs: EncodedInputs, targets: Float64Array) => KernelParams,
): { posterior: ResidualPosterior; y: number[]; best: number } {
  const n = rows.length;
  const d = categorical.length;
  const y = values.map(prior.transform);
  const priorAt = rows.map((row) => prior.value(row));
  const weight = priorWeight(priorAt, y);
  const residuals = y.map((v, i) => v - weight * (priorAt[i] as number));
  const offset = residuals.reduce((a, b) => a + b, 0) / n;
  const spread = Math.sqrt(residuals.reduce((a, b) => a + (b - offset) ** 2, 0) / n);
  // A few trials that agree with the prior would make the residual's scale (and so the
  // model's uncertainty) vanish: it is kept at least a share of the prior's own scale.
  const scale = Math.max(spread, MIN_RESIDUAL_SCALE);
  let worst = Infinity;
  let best = -Infinity;
  for (const v of y) {
    worst = Math.min(worst, v);
    best = Math.max(best, v);
  }
  const all = [...rows, ...lies];
  const x = new Float64Array(all.length * d);
  all.forEach((row, i) => x.set(row, i * d));
  const targets = Float64Array.from(all, (row, i) => ((i < n ? (y[i] as number) : worst) - weight * prior.value(row) - offset) / scale);
  const params = fit({ x: x.subarray(0, n * d), n, d, categorical }, targets.subarray(0, n));
  const residualGP = new GaussianProcess({ x, n: all.length, d, categorical }, targets, params);
  return { posterior: new ResidualPosterior(prior, residualGP, offset, scale, weight), y, best };
}
