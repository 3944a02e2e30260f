/**
 * A small limited-memory BFGS minimiser with box bounds handled by projection and an
 * Armijo backtracking line search: enough for a dozen smooth hyperparameters.
 *
 * The minimiser is a generator that yields each point it wants evaluated and is resumed
 * with the value there, so that several independent runs can go in lockstep and have
 * their points evaluated together (`minimizeLbfgsMany`): a GP shares one pass over its
 * Cholesky factor between them.
 */

export interface ValueAndGradient {
  readonly value: number;
  readonly gradient: Float64Array;
}

export interface LbfgsOptions {
  /** Objective evaluations allowed, the starting point included. */
  maxEvaluations: number;
  /** Correction pairs kept. Default 8. */
  memory?: number;
  lower?: Float64Array;
  upper?: Float64Array;
  /** Stop when every projected gradient component is below this. Default 1e-5. */
  gradientTolerance?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly evaluations: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * L-BFGS from `x0` as a generator: yields each point to evaluate (not to be modified) and
 * expects to be resumed with its value and gradient; returns the result. A non-finite
 * value counts as +∞ (the line search backs off).
 */
export function* lbfgsSteps(x0: Float64Array, options: LbfgsOptions): Generator<Float64Array, LbfgsResult, ValueAndGradient> {
  const n = x0.length;
  const memory = options.memory ?? 8;
  const tolerance = options.gradientTolerance ?? 1e-5;
  const lower = options.lower;
  const upper = options.upper;
  const project = (x: Float64Array): Float64Array => {
    for (let i = 0; i < n; i++) {
      let v = x[i] as number;
      if (lower !== undefined && v < (lower[i] as number)) v = lower[i] as number;
      if (upper !== undefined && v > (upper[i] as number)) v = upper[i] as number;
      x[i] = v;
    }
    return x;
  };
  const projectedGradientNorm = (x: Float64Array, g: Float64Array): number => {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const gi = g[i] as number;
      const atLower = lower !== undefined && (x[i] as number) <= (lower[i] as number) && gi > 0;
      const atUpper = upper !== undefined && (x[i] as number) >= (upper[i] as number) && gi < 0;
      if (!atLower && !atUpper) m = Math.max(m, Math.abs(gi));
    }
    return m;
  };

  let x = project(Float64Array.from(x0));
  let current: ValueAndGradient = yield x;
  let evaluations = 1;
  if (!Number.isFinite(current.value)) return { x, value: current.value, evaluations };
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const alpha = new Float64Array(memory);

  while (evaluations < options.maxEvaluations && projectedGradientNorm(x, current.gradient) > tolerance) {
    // Two-loop recursion: p = −H·g.
    const p = Float64Array.from(current.gradient, (v) => -v);
    for (let k = sList.length - 1; k >= 0; k--) {
      const a = (rhoList[k] as number) * dot(sList[k] as Float64Array, p);
      alpha[k] = a;
      const y = yList[k] as Float64Array;
      for (let i = 0; i < n; i++) p[i] = (p[i] as number) - a * (y[i] as number);
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last] as Float64Array, yList[last] as Float64Array) / dot(yList[last] as Float64Array, yList[last] as Float64Array);
      for (let i = 0; i < n; i++) p[i] = (p[i] as number) * gamma;
    }
    for (let k = 0; k < sList.length; k++) {
      const b = (rhoList[k] as number) * dot(yList[k] as Float64Array, p);
      const s = sList[k] as Float64Array;
      for (let i = 0; i < n; i++) p[i] = (p[i] as number) + ((alpha[k] as number) - b) * (s[i] as number);
    }
    let slope = dot(p, current.gradient);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      for (let i = 0; i < n; i++) p[i] = -(current.gradient[i] as number);
      slope = dot(p, current.gradient);
    }
    let step = sList.length === 0 ? Math.min(1, 1 / Math.max(1e-12, Math.sqrt(-slope))) : 1;
    let accepted: { x: Float64Array; result: ValueAndGradient } | null = null;
    while (evaluations < options.maxEvaluations) {
      const candidate = project(Float64Array.from(x, (v, i) => v + step * (p[i] as number)));
      const result: ValueAndGradient = yield candidate;
      evaluations++;
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += (current.gradient[i] as number) * ((candidate[i] as number) - (x[i] as number));
      if (Number.isFinite(result.value) && result.value <= current.value + 1e-4 * decrease) {
        accepted = { x: candidate, result };
        break;
      }
      step *= 0.3;
      if (step < 1e-10) break;
    }
    if (accepted === null) break;
    const s = Float64Array.from(accepted.x, (v, i) => v - (x[i] as number));
    const y = Float64Array.from(accepted.result.gradient, (v, i) => v - (current.gradient[i] as number));
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }
    const improvement = current.value - accepted.result.value;
    x = accepted.x;
    current = accepted.result;
    if (improvement < 1e-9 * Math.max(1, Math.abs(current.value))) break;
  }
  return { x, value: current.value, evaluations };
}

/** Minimise `fg` from `x0`. A non-finite value counts as +∞ (the line search backs off). */
export function minimizeLbfgs(fg: (x: Float64Array) => ValueAndGradient, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const run = lbfgsSteps(x0, options);
  let step = run.next();
  while (step.done !== true) step = run.next(fg(step.value));
  return step.value;
}

/**
 * Independent runs from each of `starts` (with its own options), in lockstep: each round,
 * the points every unfinished run asks for are evaluated by one call of `fgMany` (which
 * returns their values in order). Each run's result is what `minimizeLbfgs` would return.
 */
export function minimizeLbfgsMany(
  fgMany: (xs: readonly Float64Array[]) => readonly ValueAndGradient[],
  starts: readonly { readonly x0: Float64Array; readonly options: LbfgsOptions }[],
): LbfgsResult[] {
  const runs = starts.map((s) => lbfgsSteps(s.x0, s.options));
  const results: (LbfgsResult | undefined)[] = new Array<LbfgsResult | undefined>(starts.length);
  let asked: { index: number; x: Float64Array }[] = [];
  runs.forEach((run, index) => {
    const step = run.next();
    if (step.done === true) results[index] = step.value;
    else asked.push({ index, x: step.value });
  });
  while (asked.length > 0) {
    const values = fgMany(asked.map((a) => a.x));
    const next: { index: number; x: Float64Array }[] = [];
    asked.forEach((a, k) => {
      const step = (runs[a.index] as Generator<Float64Array, LbfgsResult, ValueAndGradient>).next(values[k] as ValueAndGradient);
      if (step.done === true) results[a.index] = step.value;
      else next.push({ index: a.index, x: step.value });
    });
    asked = next;
  }
  return results as LbfgsResult[];
}
