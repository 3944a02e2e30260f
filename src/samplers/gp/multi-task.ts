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
import type { FrozenTrial } from '../../storage/records.js';
import type { Encoding } from './encoding.js';
import type { GaussianProcess, Posterior, Prediction, PredictionWithGradient } from './gp-model.js';
import type { EncodedInputs } from './kernel.js';
import { fitTargets } from './targets.js';

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
