/**
 * `sodate confirm`'s proposal: the configuration the model believes best, whether or not a
 * tuning trial ran it. With noisy values the trial that scored best is usually one that
 * drew lucky noise near a good region, and the region's true optimum lies between the
 * trials; the posterior mean of the noisy GP (confirm-model.ts) pools the trials around it
 * and points there. Confirm re-runs the proposal beside the tried configurations, so it is
 * judged by new runs like them and never taken on the model's word alone.
 *
 * Which parameters move: every parameter the model holds when every tuning trial has the
 * same ones (a flat space), except those a condition of the space file names (moving a
 * parent would switch other parameters on or off). Where trials hold different parameters
 * (a conditional space), only the numeric ones every trial holds and no condition names;
 * without the space file's conditions there, no proposal at all, since a numeric parent
 * cannot be told from data. The rest keep the values of the tried configuration with the
 * best posterior mean (the anchor), so the proposal is a whole configuration, and with the
 * space file it is checked to switch on exactly the parameters it holds.
 */
import type { ParamValue } from '../space/distributions.js';
import { contains, toExternal } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';
import { isActive } from '../space/search-space.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import type { AcquisitionFunction } from '../samplers/gp/acquisition-functions.js';
import { maximizeAcquisition } from '../samplers/gp/acquisition.js';
import { buildEncoding, decodePoint, encodeParams } from '../samplers/gp/encoding.js';
import type { GaussianProcess } from '../samplers/gp/gp-model.js';
import { crossKernel, crossKernelWithDerivative } from '../samplers/gp/kernel.js';
import { Rng, hashLabels } from '../samplers/rng.js';
import type { ConfirmModel } from './confirm-model.js';

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
 * acquisition search, maximising the mean instead of expected improvement). `space`: the
 * study file's, for its conditions. Null with nothing to model or to move, or when nothing
 * beats the best tried configuration's posterior mean. Deterministic for the same model and seed.
 */
export function proposeConfiguration(model: ConfirmModel, direction: Direction, seed: number, space?: SearchSpace): Proposal | null {
  const gp = model.gp;
  if (gp === null) return null;
  const sign = direction === 'minimize' ? -1 : 1;
  const full = model.encoding;
  const ranked = rankedConfigurations(model, gp, sign);
  const anchor = ranked[0];
  if (anchor === undefined) return null;
  const flat = model.trials.every((t) => Object.keys(t.internalParams).length === full.d);
  if (!flat && space === undefined) return null;
  const parents = new Set((space?.params ?? []).flatMap((p) => Object.keys(p.when ?? {})));
  const free = full.dimensions.filter((dim) => !parents.has(dim.name) && (flat || dim.kind !== 'categorical'));
  if (free.length === 0) return null;
  // The model's distributions (the latest trial's): the coordinates of every point it saw.
  const sub = buildEncoding(Object.fromEntries(free.map((dim) => [dim.name, dim.distribution])));
  const toFull = Int32Array.from(sub.names, (name) => full.names.indexOf(name));
  const objective = new PosteriorMeanObjective(gp, sign, anchor.point, toFull);
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
  const moved = decodePoint(sub, found.point);
  const internal: Record<string, number> = { ...anchor.trial.internalParams, ...moved };
  const distributionOf = (name: string) => sub.dimensions.find((dim) => dim.name === name)?.distribution ?? anchor.trial.distributions[name];
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(internal)) {
    const dist = distributionOf(name);
    if (dist === undefined) return null;
    params[name] = toExternal(dist, value);
  }
  if (space !== undefined && !fitsSpace(space, params, internal)) return null;
  return { params, internalParams: internal, modelMean: model.center + model.spread * sign * found.value };
}

/** Every parameter the proposal holds is one the space switches on for it, and holds a value the space allows; and no other is switched on. */
function fitsSpace(space: SearchSpace, params: Readonly<Record<string, ParamValue>>, internal: Readonly<Record<string, number>>): boolean {
  for (const spec of space.params) {
    const active = isActive(spec, params);
    if (active !== (spec.name in params)) return false;
    if (active && !contains(spec.distribution, internal[spec.name] as number)) return false;
  }
  return true;
}

/** The model's trials, one per distinct configuration, by posterior mean (best first; ties: the earlier trial). */
function rankedConfigurations(model: ConfirmModel, gp: GaussianProcess, sign: number): { trial: FrozenTrial; point: Float64Array; score: number }[] {
  const seen = new Set<string>();
  const out: { trial: FrozenTrial; point: Float64Array; score: number }[] = [];
  for (const trial of model.trials) {
    const key = JSON.stringify(Object.entries(trial.internalParams).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(key)) continue;
    seen.add(key);
    const point = new Float64Array(model.encoding.d);
    encodeParams(model.encoding, trial.internalParams, point);
    out.push({ trial, point, score: sign * gp.predictBound(point).mean });
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
