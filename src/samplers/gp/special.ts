/**
 * Special functions for the expected improvement, accurate to ~1e-13 relative in double
 * precision: the scaled complementary error function erfcx(x) = exp(x²)·erfc(x), and
 * log h(z) with h(z) = φ(z) + z·Φ(z), so that log EI = log σ + log h((μ − best)/σ) stays
 * finite and smooth far into the region where EI itself underflows (Ament et al., 2023,
 * "Unexpected improvements to expected improvement for Bayesian optimization").
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT1_2 = Math.SQRT1_2;
/** log(2π)/2 */
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** log(π/2)/2 */
const HALF_LOG_PI_OVER_2 = 0.5 * Math.log(Math.PI / 2);
/** Below this z, log h uses its asymptotic series (the erfcx form loses digits to cancellation like z²·ε). */
const ASYMPTOTIC_Z = -40;
/** Where erfcx switches from the power series to the continued fraction. */
const SERIES_LIMIT = 2;

/** exp(x²)·(2/√π)·∫₀ˣ exp(−t²) dt through the series Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): all terms positive. */
function scaledErfSeries(x: number): number {
  const x2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * sum;
}

/** erfcx(x) for x ≥ SERIES_LIMIT by the continued fraction 1/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))). */
function erfcxContinuedFraction(x: number): number {
  const terms = Math.ceil(12 + 400 / (x * x));
  let f = x;
  for (let k = terms; k >= 1; k--) f = x + k / 2 / f;
  return 1 / (SQRT_PI * f);
}

/** exp(x²)·erfc(x); finite for every x above ≈ −26.6 (overflows to Infinity below). */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) {
    if (x < -26.7) return Infinity;
    return 2 * Math.exp(x * x) - erfcx(-x);
  }
  if (x < SERIES_LIMIT) return Math.exp(x * x) - scaledErfSeries(x);
  if (x === Infinity) return 0;
  return erfcxContinuedFraction(x);
}

/** Complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x > 27.3) return 0;
  return erfcx(x) * Math.exp(-x * x);
}

export function erf(x: number): number {
  return 1 - erfc(x);
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - HALF_LOG_2PI);
}

/** Standard normal cumulative distribution, accurate in the far lower tail. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log(1 − exp(a)) for a < 0, accurate both near 0 and far below it. */
export function log1mexp(a: number): number {
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

/** h(z)/φ(z) for z ≤ ASYMPTOTIC_Z: 1/z² · (1 − 3/z² + 15/z⁴ − 105/z⁶ + 945/z⁸ − 10395/z¹⁰). */
function asymptoticRatio(z: number): { logRatio: number; cdfOverPdf: number; ratio: number } {
  const w = 1 / (z * z);
  const series = 1 - w * (3 - w * (15 - w * (105 - w * (945 - 10395 * w))));
  // Φ(z)/φ(z) ~ 1/|z| · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − 945/z¹⁰)
  const cdfOverPdf = (1 / -z) * (1 - w * (1 - w * (3 - w * (15 - w * (105 - 945 * w)))));
  return { logRatio: Math.log(w) + Math.log(series), cdfOverPdf, ratio: w * series };
}

/** log h(z), h(z) = φ(z) + zΦ(z): the log of the expected improvement of a unit normal over −z. */
export function logH(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  const logPdf = -0.5 * z * z - HALF_LOG_2PI;
  if (z <= ASYMPTOTIC_Z) return logPdf + asymptoticRatio(z).logRatio;
  // h/φ = 1 − |z|·erfcx(−z/√2)·√(π/2)
  return logPdf + log1mexp(Math.log(erfcx(-z * SQRT1_2) * -z) + HALF_LOG_PI_OVER_2);
}

/** d log h / dz = Φ(z) / h(z), without forming either when they underflow. */
export function logHDerivative(z: number): number {
  if (z > -1) {
    const cdf = normalCdf(z);
    return cdf / (normalPdf(z) + z * cdf);
  }
  if (z <= ASYMPTOTIC_Z) {
    const a = asymptoticRatio(z);
    return a.cdfOverPdf / a.ratio;
  }
  const r = erfcx(-z * SQRT1_2) * Math.sqrt(Math.PI / 2); // Φ/φ
  return r / (1 + z * r);
}

/**
 * log EI for a Gaussian prediction N(mean, sd²) when maximising above `best`, with its
 * derivatives with respect to the mean and the standard deviation.
 */
export function logExpectedImprovement(mean: number, sd: number, best: number): { value: number; dMean: number; dSd: number } {
  const z = (mean - best) / sd;
  const g = logHDerivative(z);
  return { value: Math.log(sd) + logH(z), dMean: g / sd, dSd: (1 - g * z) / sd };
}

/** `logExpectedImprovement(mean, sd, best).value` alone, without the derivatives' cost. */
export function logExpectedImprovementValue(mean: number, sd: number, best: number): number {
  return Math.log(sd) + logH((mean - best) / sd);
}

/**
 * log Φ(z) and its derivative φ(z)/Φ(z), both stable far into the lower tail: there
 * Φ(z) = ½·exp(−z²/2)·erfcx(−z/√2), so nothing underflows.
 */
export function logNormalCdf(z: number): { value: number; derivative: number } {
  if (Number.isNaN(z)) return { value: NaN, derivative: NaN };
  const scaled = erfcx(-z * SQRT1_2);
  const derivative = Math.sqrt(2 / Math.PI) / scaled;
  if (z >= 0) return { value: Math.log1p(-0.5 * erfc(z * SQRT1_2)), derivative };
  return { value: Math.log(0.5 * scaled) - 0.5 * z * z, derivative };
}
