/**
 * `sodate confirm`'s model of the objective: a Gaussian process with observation noise
 * (the GP sampler's Matérn-5/2 kernel and hyperparameter fit) over the study's complete
 * feasible trials. Its posterior mean at a configuration pools the configuration's own
 * values with its neighbours', weighted by how noisy the study's values look: a trial that
 * was lucky (one high draw of the noise, far above what the trials around it measured) is
 * pulled back toward them, which its plain mean over a few re-runs is not. The re-runs are
 * trials of the study too, so they enter the fit with their configuration's point.
 *
 * Confirm uses it twice: to choose which configurations to re-run (fitted on the tuning
 * trials alone, so a resumed confirm re-runs the same ones) and to rank them once re-run.
 */
import { isFeasible } from '../multi-objective/constraints.js';
import type { Distribution } from '../space/distributions.js';
import type { Encoding } from '../samplers/gp/encoding.js';
import { buildEncoding, encodeParams } from '../samplers/gp/encoding.js';
import { evenlySpacedSubset, fitKernelParams } from '../samplers/gp/fit.js';
import { GaussianProcess } from '../samplers/gp/gp-model.js';
import type { FrozenTrial } from '../storage/records.js';

/** Fewer complete trials than this: no model (the plain mean decides). */
export const MIN_MODEL_TRIALS = 10;
/** The posterior conditions on at most this many trials (the latest), the fit on at most FIT_SUBSET of them. */
const MAX_MODEL_TRIALS = 1000;
const FIT_SUBSET = 200;

/** The posterior mean of the objective at a trial's configuration, in the objective's units; undefined when the trial lacks a modelled parameter. */
export type PosteriorMean = (trial: Pick<FrozenTrial, 'internalParams'>) => number | undefined;

/** The fitted model: the GP in standardised units over the encoded shared parameters. */
export interface ConfirmModel {
  readonly encoding: Encoding;
  /** Null when every value is the same (nothing to model: the mean is `center` everywhere). */
  readonly gp: GaussianProcess | null;
  /** Objective units = center + spread · standardised units. */
  readonly center: number;
  readonly spread: number;
  /** The trials the model was fitted to. */
  readonly trials: readonly FrozenTrial[];
}

/**
 * Fit the model to `trials`' complete feasible ones with a finite first value, over the
 * parameters every one of them holds with the same kind of distribution (the last trial's
 * bounds; the same log scale; a categorical's choices must match). Null when fewer than
 * MIN_MODEL_TRIALS such trials or no shared parameter; `gp` null when every value is the
 * same. Deterministic.
 */
export function fitConfirmModel(trials: readonly FrozenTrial[]): ConfirmModel | null {
  const usable = modelTrials(trials);
  const space = usable.length < MIN_MODEL_TRIALS ? null : sharedSpace(usable);
  if (space === null) return null;
  const encoding = buildEncoding(space);
  const d = encoding.d;
  const n = usable.length;
  const x = new Float64Array(n * d);
  const raw = usable.map((t) => t.values?.[0] as number);
  usable.forEach((t, i) => encodeParams(encoding, t.internalParams, x, i * d));
  const center = raw.reduce((a, b) => a + b, 0) / n;
  const spread = Math.sqrt(raw.reduce((a, b) => a + (b - center) ** 2, 0) / n);
  if (!(spread > 1e-12)) return { encoding, gp: null, center, spread: 0, trials: usable };
  const y = Float64Array.from(raw, (v) => (v - center) / spread);
  const inputs = { x, n, d, categorical: encoding.categorical };
  const subset = evenlySpacedSubset(inputs, y, FIT_SUBSET);
  const m = subset.inputs.n;
  const budget = Math.max(10, Math.min(100, Math.floor(1e9 / (m * m * m))));
  const fit = fitKernelParams(subset.inputs, subset.y, { maxEvaluations: budget });
  return { encoding, gp: new GaussianProcess(inputs, y, fit.params), center, spread, trials: usable };
}

/** The posterior mean in the objective's units of a fitted model (see fitConfirmModel). */
export function posteriorMeanOf(model: ConfirmModel): PosteriorMean {
  const { encoding, gp, center, spread } = model;
  if (gp === null) return () => center;
  const point = new Float64Array(encoding.d);
  return (trial) => {
    if (!encodeParams(encoding, trial.internalParams, point, 0)) return undefined;
    return center + spread * gp.predict(point).mean;
  };
}

/** fitConfirmModel's posterior mean; null without a model (callers fall back to plain means). */
export function fitPosteriorMean(trials: readonly FrozenTrial[]): PosteriorMean | null {
  const model = fitConfirmModel(trials);
  return model === null ? null : posteriorMeanOf(model);
}

/** Whether fitPosteriorMean would fit a model to `trials` (without fitting it). */
export function canFitPosteriorMean(trials: readonly FrozenTrial[]): boolean {
  const usable = modelTrials(trials);
  return usable.length >= MIN_MODEL_TRIALS && sharedSpace(usable) !== null;
}

/** The trials the model is fitted to: complete, feasible, a finite first value; the latest MAX_MODEL_TRIALS. */
function modelTrials(trials: readonly FrozenTrial[]): FrozenTrial[] {
  return trials.filter((t) => t.state === 'COMPLETE' && isFeasible(t) && Number.isFinite(t.values?.[0])).slice(-MAX_MODEL_TRIALS);
}

/** The distributions of the parameters every trial holds alike (the last trial's), or null when none. */
function sharedSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> | null {
  const last = trials[trials.length - 1] as FrozenTrial;
  const space: Record<string, Distribution> = {};
  for (const [name, dist] of Object.entries(last.distributions)) {
    const alike = trials.every((t) => {
      const other = t.distributions[name];
      if (other === undefined || other.kind !== dist.kind) return false;
      if (dist.kind === 'categorical' || other.kind === 'categorical') return JSON.stringify(other) === JSON.stringify(dist);
      return other.log === dist.log;
    });
    if (alike) space[name] = dist;
  }
  return Object.keys(space).length > 0 ? space : null;
}
