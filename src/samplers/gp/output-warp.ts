/**
 * Yeo–Johnson power transform of objective values, with λ chosen by maximum likelihood
 * under a normal model (as scikit-learn's PowerTransformer does). Monotone for every λ, so
 * it never changes which trial is best; it compresses a long tail of bad values (a
 * Rosenbrock valley's walls) so that the GP spends its variance near the good region.
 */

function yeoJohnson(x: number, lambda: number): number {
  if (x >= 0) return Math.abs(lambda) < 1e-9 ? Math.log1p(x) : (Math.pow(x + 1, lambda) - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-9 ? -Math.log1p(-x) : -(Math.pow(1 - x, 2 - lambda) - 1) / (2 - lambda);
}

/**
 * Profile log-likelihood of λ for standardised values z; `jacobian` = Σ sign(zᵢ)·log(1 + |zᵢ|)
 * (independent of λ, so computed once per fit) and `t` scratch of z's length.
 */
function logLikelihood(z: Float64Array, lambda: number, jacobian: number, t: Float64Array): number {
  const n = z.length;
  let mean = 0;
  for (let i = 0; i < n; i++) t[i] = yeoJohnson(z[i] as number, lambda);
  for (let i = 0; i < n; i++) mean += (t[i] as number) / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((t[i] as number) - mean) ** 2 / n;
  return -0.5 * n * Math.log(Math.max(variance, 1e-300)) + (lambda - 1) * jacobian;
}

/** The λ maximising the likelihood on [-2, 4] (golden-section search). */
export function fitYeoJohnsonLambda(z: Float64Array): number {
  let jacobian = 0;
  for (let i = 0; i < z.length; i++) jacobian += Math.sign(z[i] as number) * Math.log1p(Math.abs(z[i] as number));
  const t = new Float64Array(z.length);
  let a = -2;
  let b = 4;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = logLikelihood(z, c, jacobian, t);
  let fd = logLikelihood(z, d, jacobian, t);
  for (let it = 0; it < 40; it++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = logLikelihood(z, c, jacobian, t);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = logLikelihood(z, d, jacobian, t);
    }
  }
  return (a + b) / 2;
}

/** Standardise, Yeo–Johnson transform with a fitted λ, standardise again. Order preserving. */
export function warpOutputs(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values, outputTransform(values));
}

/**
 * The map `warpOutputs` applies to `values`, as a function of any value: a warm start puts
 * the new study's values on the scale its prior mean learned from the old study's.
 */
export function outputTransform(values: ArrayLike<number>): (value: number) => number {
  const first = outputStandardizer(values);
  const z = Float64Array.from(values, first);
  const lambda = fitYeoJohnsonLambda(z);
  const second = outputStandardizer(Float64Array.from(z, (v) => yeoJohnson(v, lambda)));
  return (value) => second(yeoJohnson(first(value), lambda));
}

/** Standardisation by `values`' mean and standard deviation, as a function of any value. */
export function outputStandardizer(values: ArrayLike<number>): (value: number) => number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (values[i] as number) / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((values[i] as number) - mean) ** 2 / n;
  const sd = Math.sqrt(variance) > 1e-12 ? Math.sqrt(variance) : 1;
  return (v) => (v - mean) / sd;
}
