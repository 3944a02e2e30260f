/**
 * `sodate confirm`'s proposal: the configuration the model believes best, whether or not a
 * tuning trial ran it. With noisy values the trial that scored best is usually one that
 * drew lucky noise near a good region, and the region's true optimum lies between the
 * trials; the posterior mean of the noisy GP (confirm-model.ts) pools the trials around it
 * and points there. Confirm re-runs the proposal beside the tried configurations, so it is
 * judged by new runs like them and never taken on the model's word alone.
 *
 * Where the space is conditional (trials hold different parameters), only the numeric
 * parameters every trial holds move; the categorical ones and the parameters some trials
 * lack keep the values of the tried configuration with the best posterior mean (the
 * anchor), so the proposal is a whole configuration the objective can run as it stands.
 */
import type { ParamValue } from '../space/distributions.js';
import { toExternal } from '../space/distributions.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import type { AcquisitionFunction } from '../samplers/gp/acquisition-functions.js';
import { maximizeAcquisition } from '../samplers/gp/acquisition.js';
import { buildEncoding, decodePoint, encodeParams } from '../samplers/gp/encoding.js';
import type { GaussianProcess } from '../samplers/gp/gp-model.js';
import { crossKernel, crossKernelWithDerivative } from '../samplers/gp/kernel.js';
import { Rng, hashLabels } from '../samplers/rng.js';
import type { ConfirmModel } from './confirm-model.js';
import { fitConfirmModel } from './confirm-model.js';

export interface Proposal {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly internalParams: Readonly<Record<string, number>>;
  /** The posterior mean there, in the objective's units. */
  readonly modelMean: number;
}

/** Tried configurations whose neighbourhoods the search perturbs, best posterior mean first. */
const ANCHORS = 5;
/** A proposal must beat the anchor's posterior mean by this much (standardised units) to be worth runs. */
const MIN_IMPROVEMENT = 1e-3;

/**
 * The configuration with the best posterior mean, searched from scrambled-Sobol points and
 * perturbations of the best tried configurations, polished by L-BFGS (the GP sampler's
 * acquisition search, maximising the mean instead of expected improvement). Null without a
 * model, with nothing to move, or when nothing beats the best tried configuration's
 * posterior mean. Deterministic for the same trials and seed.
 */
export function proposeConfiguration(trials: readonly FrozenTrial[], direction: Direction, seed: number): Proposal | null {
  const fitted = fitConfirmModel(trials);
  if (fitted === null || fitted.gp === null) return null;
  const model = fitted as ConfirmModel;
  const sign = direction === 'minimize' ? -1 : 1;
  const full = model.encoding;
  const ranked = rankedConfigurations(model, sign);
  const anchor = ranked[0];
  if (anchor === undefined) return null;
  const flat = model.trials.every((t) => Object.keys(t.internalParams).length === full.d);
  const freeNames = full.dimensions.filter((dim) => flat || dim.kind !== 'categorical').map((dim) => dim.name);
  if (freeNames.length === 0) return null;
  const sub = buildEncoding(Object.fromEntries(freeNames.map((name) => [name, anchor.trial.distributions[name]!])));
  const toFull = Int32Array.from(sub.names, (name) => full.names.indexOf(name));
  const objective = new PosteriorMeanObjective(model.gp, sign, anchor.point, toFull);
  const subPoint = (point: Float64Array) => Float64Array.from(toFull, (j) => point[j] as number);
  const rng = new Rng(hashLabels(seed, ['sodate:confirm_proposal']));
  const found = maximizeAcquisition(objective, sub, rng, {
    candidates: 1024,
    anchors: ranked.slice(0, ANCHORS).map((r) => subPoint(r.point)),
    perturbationsPerAnchor: 128,
    localSearchStarts: 5,
    localSearchEvaluations: 60,
  });
  if (!(found.value > anchor.score + MIN_IMPROVEMENT)) return null;
  const internal: Record<string, number> = { ...anchor.trial.internalParams, ...decodePoint(sub, found.point) };
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(internal)) params[name] = toExternal(anchor.trial.distributions[name]!, value);
  return { params, internalParams: internal, modelMean: model.center + model.spread * sign * found.value };
}

/** The model's trials, one per distinct configuration, by posterior mean (best first; ties: the earlier trial). */
function rankedConfigurations(model: ConfirmModel, sign: number): { trial: FrozenTrial; point: Float64Array; score: number }[] {
  const seen = new Set<string>();
  const out: { trial: FrozenTrial; point: Float64Array; score: number }[] = [];
  for (const trial of model.trials) {
    const key = JSON.stringify(Object.entries(trial.internalParams).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(key)) continue;
    seen.add(key);
    const point = new Float64Array(model.encoding.d);
    encodeParams(model.encoding, trial.internalParams, point);
    out.push({ trial, point, score: sign * model.gp.predictBound(point).mean });
  }
  return out.sort((a, b) => b.score - a.score || a.trial.number - b.trial.number);
}

/**
 * ± the posterior mean (standardised), as a function of the moving coordinates only: the
 * others stay at the anchor's. `sign` makes larger better for either direction. The mean
 * needs k(X, p)·α alone, O(n·d) a point, not the variance's triangular solve.
 */
class PosteriorMeanObjective implements AcquisitionFunction {
  private readonly point: Float64Array;
  private readonly k: Float64Array;
  private readonly dk: Float64Array;

  constructor(
    private readonly gp: GaussianProcess,
    private readonly sign: number,
    anchor: Float64Array,
    private readonly toFull: Int32Array,
  ) {
    this.point = Float64Array.from(anchor);
    this.k = new Float64Array(gp.inputs.n);
    this.dk = new Float64Array(gp.inputs.n);
  }

  private place(sub: Float64Array): Float64Array {
    for (let j = 0; j < this.toFull.length; j++) this.point[this.toFull[j] as number] = sub[j] as number;
    return this.point;
  }

  value(sub: Float64Array): number {
    const k = crossKernel(this.gp.inputs, this.gp.params, this.place(sub), 0, this.k);
    let mean = 0;
    for (let i = 0; i < k.length; i++) mean += (k[i] as number) * (this.gp.alpha[i] as number);
    return this.sign * mean;
  }

  valueAndGradient(sub: Float64Array, free: Uint8Array): { value: number; gradient: Float64Array } {
    const { x, n, d } = this.gp.inputs;
    const rho = this.gp.params.inverseSquaredLengthscales;
    const point = this.place(sub);
    crossKernelWithDerivative(this.gp.inputs, this.gp.params, point, this.k, this.dk);
    let mean = 0;
    const gradient = new Float64Array(sub.length);
    for (let i = 0; i < n; i++) {
      const alpha = this.gp.alpha[i] as number;
      mean += (this.k[i] as number) * alpha;
      const a = alpha * (this.dk[i] as number);
      for (let m = 0; m < this.toFull.length; m++) {
        if (!free[m]) continue;
        const j = this.toFull[m] as number;
        // ∂r²/∂pⱼ = 2ρⱼ(pⱼ − xᵢⱼ)
        gradient[m] = (gradient[m] as number) + a * 2 * (rho[j] as number) * ((point[j] as number) - (x[i * d + j] as number));
      }
    }
    for (let m = 0; m < gradient.length; m++) gradient[m] = this.sign * (gradient[m] as number);
    return { value: this.sign * mean, gradient };
  }
}
