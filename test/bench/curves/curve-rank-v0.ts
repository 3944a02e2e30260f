/** The curve-rank rule before issue #19 (power-law extrapolation against the good finishers), kept so the pruner bench can show what the rework changed. */
import { OptionError } from '../../../src/errors.js';
import type { FrozenTrial } from '../../../src/storage/records.js';
import type { Pruner, StudyView } from '../../../src/policies/policies.js';
import { isFirstInIntervalStep, lastStep, nanPercentile, sortedSteps } from '../../../src/pruners/intermediate.js';
import { checkInteger, checkIntegerOrAuto, checkKnownKeys, checkNumber } from '../../../src/pruners/options.js';

export interface CurveRankV0PrunerOptions {
  /**
   * Keep a trial while its optimistic predicted final value would rank within this top
   * percentile of the COMPLETE trials' final values; within [0, 100]. Default: 50.
   */
  percentile?: number;
  /** No pruning until this many trials are COMPLETE. Default: 5. */
  nStartupTrials?: number;
  /**
   * No pruning before this step. `'auto'`: a fifth of the horizon (so a trial always gets
   * 20% of the full run before it is judged). Default: 'auto'.
   */
  nWarmupSteps?: number | 'auto';
  /** Check every this many steps after the warmup. Default: 1. */
  intervalSteps?: number;
  /** A curve is extrapolated only from at least this many reports. Default: 3. */
  minReports?: number;
  /**
   * The step a trial's final value is reported at. `'auto'`: the last step of the longest
   * COMPLETE trial. Default: 'auto'.
   */
  maxResource?: number | 'auto';
  /**
   * Score a curve by its extrapolated final value (true) or by its last value (false;
   * the envelope alone). Default: true.
   */
  extrapolate?: boolean;
  /** Trials that ended in the top percentile needed before anything is pruned. Default: 2. */
  minGoodTrials?: number;
}

const CURVE_RANK_KEYS = ['percentile', 'nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'minReports', 'maxResource', 'minGoodTrials', 'extrapolate'] as const;

/** Exponents of the saturating power laws a + b·(step)^−c the curve is fitted with. */
const EXPONENTS = [0.5, 1, 2] as const;

/**
 * Prunes on the rank a trial would have at the end, not on where it stands now. Its own
 * learning curve is extrapolated to the final step with saturating power laws (the most
 * optimistic of the fits, and never better than... see `predictFinal`), and the trial is
 * stopped only when even that optimistic final value ranks outside the top `percentile`
 * of the final values COMPLETE trials reached. Final values are compared with final
 * values (last, not best-so-far), so a fast starter that plateaus or overfits does not
 * shadow a slow starter that is still improving: learning curves that cross are judged
 * by where they end. Deterministic in the study's history; stores nothing.
 */
export class CurveRankV0Pruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number | 'auto';
  readonly intervalSteps: number;
  readonly minReports: number;
  readonly maxResource: number | 'auto';
  readonly minGoodTrials: number;
  readonly extrapolate: boolean;

  constructor(options: CurveRankV0PrunerOptions = {}) {
    checkKnownKeys('CurveRankV0Pruner', options, CURVE_RANK_KEYS);
    this.percentile = checkNumber('percentile', options.percentile ?? 50, { min: 0, max: 100 });
    this.nStartupTrials = checkInteger('nStartupTrials', options.nStartupTrials ?? 5, 1);
    this.nWarmupSteps = checkIntegerOrAuto('nWarmupSteps', options.nWarmupSteps ?? 'auto', 0);
    this.intervalSteps = checkInteger('intervalSteps', options.intervalSteps ?? 1, 1);
    this.minReports = checkInteger('minReports', options.minReports ?? 3, 2);
    this.maxResource = checkIntegerOrAuto('maxResource', options.maxResource ?? 'auto', 1);
    this.minGoodTrials = checkInteger('minGoodTrials', options.minGoodTrials ?? 2, 1);
    const extrapolate = options.extrapolate ?? true;
    if (typeof extrapolate !== 'boolean') throw new OptionError(`extrapolate must be true or false, got ${JSON.stringify(extrapolate)}`);
    this.extrapolate = extrapolate;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === undefined) return false;
    const last = trial.intermediateValues.get(step) as number;
    if (Number.isNaN(last)) return true;
    const completed = study.getTrials(['COMPLETE']);
    if (completed.length < this.nStartupTrials) return false;

    const horizon = this.maxResource === 'auto' ? longestRun(completed) : this.maxResource;
    if (horizon === undefined || step >= horizon) return false;
    const warmup = this.nWarmupSteps === 'auto' ? 0 : this.nWarmupSteps;
    if (step < warmup) return false;
    if (!isFirstInIntervalStep(step, trial, warmup, this.intervalSteps)) return false;

    const sign = study.direction === 'minimize' ? 1 : -1;
    const finals: { trial: FrozenTrial; final: number }[] = [];
    for (const t of completed) {
      const v = t.values?.[0];
      if (v !== undefined && !Number.isNaN(v)) finals.push({ trial: t, final: sign * v });
    }
    if (finals.length < this.nStartupTrials) return false;
    const bar = nanPercentile(finals.map((f) => f.final), this.percentile);
    // The envelope: how bad, at this step, looked the worst of the trials that ended good.
    let envelope = -Infinity;
    let members = 0;
    for (const f of finals) {
      if (f.final > bar) continue;
      const score = predictFinal(f.trial, horizon, sign, step, this.extrapolate ? this.minReports : Infinity);
      if (score === undefined) continue;
      members++;
      if (score > envelope) envelope = score;
    }
    if (members < this.minGoodTrials) return false;
    const predicted = predictFinal(trial, horizon, sign, step, this.extrapolate ? this.minReports : Infinity) as number;
    return predicted > envelope;
  }
}

/** Last step of the longest COMPLETE trial. */
function longestRun(completed: readonly FrozenTrial[]): number | undefined {
  let longest: number | undefined;
  for (const t of completed) {
    const s = lastStep(t);
    if (s !== undefined && (longest === undefined || s > longest)) longest = s;
  }
  return longest;
}

/**
 * An optimistic prediction of the trial's value at `horizon`, in minimize orientation
 * (values multiplied by `sign`): the lowest of the power-law extrapolations fitted to the
 * second half of its curve, and never above its last value (a rising curve may stop rising).
 */
export function predictFinal(trial: FrozenTrial, horizon: number, sign: number, upTo = Infinity, minPoints = 3): number | undefined {
  const all = sortedSteps(trial);
  const steps = upTo === Infinity ? all : all.filter((s) => s <= upTo);
  if (steps.length === 0) return undefined;
  const xs: number[] = [];
  const ys: number[] = [];
  const from = (steps[steps.length - 1] as number) / 2;
  for (const s of steps) {
    const v = trial.intermediateValues.get(s) as number;
    if (s >= from && !Number.isNaN(v) && s > 0) {
      xs.push(s);
      ys.push(sign * v);
    }
  }
  let best = sign * (trial.intermediateValues.get(steps[steps.length - 1] as number) as number);
  if (xs.length < minPoints) return best;
  for (const c of EXPONENTS) {
    const fit = fitPowerLaw(xs, ys, c);
    if (fit === undefined) continue;
    const predicted = fit.a + fit.b * horizon ** -c;
    if (predicted < best) best = predicted;
  }
  return best;
}

/** Least squares of y = a + b·x^−c for a fixed c; undefined when the design is degenerate. */
export function fitPowerLaw(xs: readonly number[], ys: readonly number[], c: number): { a: number; b: number } | undefined {
  const n = xs.length;
  let su = 0;
  let sy = 0;
  let suu = 0;
  let suy = 0;
  for (let i = 0; i < n; i++) {
    const u = (xs[i] as number) ** -c;
    const y = ys[i] as number;
    su += u;
    sy += y;
    suu += u * u;
    suy += u * y;
  }
  const det = n * suu - su * su;
  if (!(Math.abs(det) > 1e-300)) return undefined;
  const b = (n * suy - su * sy) / det;
  const a = (sy - b * su) / n;
  return { a, b };
}
