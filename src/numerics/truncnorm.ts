/**
 * The standard normal distribution truncated to [a, b], computed in log space so that
 * kernels far in a tail keep their relative accuracy: Φ, log Φ, the log of the mass
 * Φ(b) − Φ(a), the log density and the quantile function (for inverse-CDF sampling).
 * Arguments are standardised: a kernel N(μ, σ²) on [low, high] is a = (low − μ)/σ, …
 */
import { erfc } from './erf.js';
import { logAddExp } from './logsumexp.js';

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Φ(x), the standard normal CDF; relative accuracy holds in the left tail. */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** log Φ(x), finite down to x ≈ -1e154 (asymptotic series below -20). */
export function logNdtr(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > -1) return Math.log1p(-ndtr(-x));
  if (x > -20) return Math.log(ndtr(x));
  if (x === -Infinity) return -Infinity;
  // Φ(x) = φ(x)/(-x) · (1 − 1/x² + 3/x⁴ − 15/x⁶ + …), summed while the terms shrink.
  const inv2 = 1 / (x * x);
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 30; k++) {
    const next = -term * (2 * k - 1) * inv2;
    if (Math.abs(next) >= Math.abs(term)) break;
    term = next;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return -0.5 * x * x - Math.log(-x) - LOG_SQRT_2PI + Math.log(sum);
}

// Five-point Gauss–Legendre nodes and weights on [-1, 1].
const GL_NODES = [-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640];
const GL_WEIGHTS = [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891];

/**
 * log(Φ(b) − Φ(a)) for a ≤ b: the log of the standard normal mass of an interval.
 * Works on the left side of the symmetric distribution where Φ is relatively exact,
 * and integrates narrow intervals directly so that no cancellation eats the digits.
 */
export function logGaussMass(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (!(a < b)) return a === b ? -Infinity : NaN;
  if (a > 0) return logGaussMass(-b, -a);
  const width = b - a;
  const far = Math.max(Math.abs(a), Math.abs(b));
  if (width < 0.5 && width * far < 1) {
    // ∫ φ over [a, b] by 5-point Gauss–Legendre in log space: exact to ~1e-15 here.
    const half = 0.5 * width;
    const mid = 0.5 * (a + b);
    let max = -Infinity;
    const logs = [0, 0, 0, 0, 0];
    for (let k = 0; k < 5; k++) {
      const t = mid + half * (GL_NODES[k] as number);
      const v = Math.log(GL_WEIGHTS[k] as number) - 0.5 * t * t;
      logs[k] = v;
      if (v > max) max = v;
    }
    let s = 0;
    for (let k = 0; k < 5; k++) s += Math.exp((logs[k] as number) - max);
    return max + Math.log(s) + Math.log(half) - LOG_SQRT_2PI;
  }
  if (b <= 0) {
    const lb = logNdtr(b);
    const la = logNdtr(a);
    return lb + Math.log(-Math.expm1(la - lb));
  }
  // a ≤ 0 < b: one minus both tails, each computed where it is exact.
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** log density at x of the standard normal truncated to [a, b]; -Infinity outside. */
export function truncnormLogPdf(x: number, a: number, b: number): number {
  if (x < a || x > b) return -Infinity;
  return -0.5 * x * x - LOG_SQRT_2PI - logGaussMass(a, b);
}

// Acklam's rational approximation of the normal quantile (relative error < 1.2e-9),
// refined below by Halley steps to full double precision.
const A1 = -3.969683028665376e1;
const A2 = 2.209460984245205e2;
const A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2;
const A5 = -3.066479806614716e1;
const A6 = 2.506628277459239;
const B1 = -5.447609879822406e1;
const B2 = 1.615858368580409e2;
const B3 = -1.556989798598866e2;
const B4 = 6.680131188771972e1;
const B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3;
const C2 = -3.223964580411365e-1;
const C3 = -2.400758277161838;
const C4 = -2.549732539343734;
const C5 = 4.374664141464968;
const C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3;
const D2 = 3.224671290700398e-1;
const D3 = 2.445134137142996;
const D4 = 3.754408661907416;

/** Φ⁻¹(p) for p in [0, 1]: ±Infinity at the ends. */
export function ndtri(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -ndtri(1 - p);
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
  }
  // Halley refinement on Φ(x) − p; Φ of a left-side x is relatively exact.
  for (let i = 0; i < 2; i++) {
    const e = ndtr(x) - p;
    const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
    if (!Number.isFinite(u)) break;
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}

/** The x with log Φ(x) = y (y ≤ 0): the quantile for a log probability. */
export function ndtriExp(y: number): number {
  if (Number.isNaN(y) || y > 0) return NaN;
  if (y === 0) return Infinity;
  if (y > -0.6931471805599453) return -ndtri(-Math.expm1(y));
  if (y > -680) return ndtri(Math.exp(y));
  // Far tail: start from the asymptotic inverse and solve log Φ(x) = y with Newton steps.
  const t = -2 * y;
  let x = -Math.sqrt(t - Math.log(t) - Math.log(2 * Math.PI));
  for (let i = 0; i < 50; i++) {
    const l = logNdtr(x);
    // d/dx log Φ(x) = φ(x)/Φ(x)
    const slope = Math.exp(-0.5 * x * x - LOG_SQRT_2PI - l);
    const step = (l - y) / slope;
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.abs(x)) break;
  }
  return x;
}

/**
 * The q-quantile of the standard normal truncated to [a, b] (a < b), computed on the
 * side where Φ is relatively exact so that kernels deep in a tail still sample right.
 */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  let x: number;
  if (a < 0) {
    x = ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass));
  } else {
    x = -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  }
  return Math.min(b, Math.max(a, x));
}
