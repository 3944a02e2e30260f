import type { JsonValue } from '../json.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { decodeNumber, encodeNumber, lastStep } from './intermediate.js';
import { checkInteger, checkIntegerOrAuto, checkKnownKeys } from './options.js';
import { OptionError } from '../errors.js';

export interface SuccessiveHalvingPrunerOptions {
  /**
   * Steps a trial runs before its first rung (`r` in the ASHA paper). `'auto'` infers it
   * from the longest COMPLETE trial, as Optuna does: `max(lastStep / 100, 1)` (floored),
   * taken from the lowest-numbered COMPLETE trial so the estimate never moves once made.
   * Set it by hand when trials stop at different steps. Default: 'auto'.
   */
  minResource?: number | 'auto';
  /** About 1/reductionFactor of the trials reaching a rung are promoted (`η`); at least 2. Default: 4. */
  reductionFactor?: number;
  /** Skip the first rungs: the first rung is at `minResource · η^minEarlyStoppingRate` (`s`). Default: 0. */
  minEarlyStoppingRate?: number;
  /** A trial reaching a rung is pruned until more than this many trials have reached it. Default: 0. */
  bootstrapCount?: number;
}

export const SUCCESSIVE_HALVING_KEYS = ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount'] as const;

/** The system attribute holding the value a trial had when it completed rung `rung` (Optuna's key). */
export function completedRungKey(rung: number): string {
  return `completed_rung_${rung}`;
}

/**
 * Asynchronous successive halving (ASHA; Optuna's `SuccessiveHalvingPruner`). When a trial
 * reaches the step of its next rung, `minResource · η^(s + rung)`, its value there is
 * written to its system attributes (`completed_rung_<i>`) and it is promoted only if it
 * ranks in the top 1/η of every trial that reached that rung so far (the best one while
 * fewer than η did). The rungs live in storage, so trials of several processes or
 * machines compete in the same rungs.
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly minResource: number | 'auto';
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    checkKnownKeys('SuccessiveHalvingPruner', options, SUCCESSIVE_HALVING_KEYS);
    this.minResource = checkIntegerOrAuto('minResource', options.minResource ?? 'auto', 1);
    this.reductionFactor = checkInteger('reductionFactor', options.reductionFactor ?? 4, 2);
    this.minEarlyStoppingRate = checkInteger('minEarlyStoppingRate', options.minEarlyStoppingRate ?? 0, 0);
    this.bootstrapCount = checkInteger('bootstrapCount', options.bootstrapCount ?? 0, 0);
    if (this.bootstrapCount > 0 && this.minResource === 'auto') {
      throw new OptionError(`bootstrapCount ${this.bootstrapCount} needs a fixed minResource, not 'auto'`);
    }
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === undefined) return false;
    const value = trial.intermediateValues.get(step) as number;
    const trials = study.getTrials();
    const minResource = this.minResource === 'auto' ? estimateMinResource(trials) : this.minResource;
    if (minResource === undefined) return false;

    const attrs = rungAttributes(trial, trials);
    let rung = currentRung(attrs);
    for (;;) {
      const promotionStep = minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (step < promotionStep) return false;
      const atRung = valueAtRung(trial, promotionStep, value);
      // A diverged run stops at its next rung, whatever it recorded at the rungs it passed before.
      if (Number.isNaN(value) || Number.isNaN(atRung)) return true;
      const key = completedRungKey(rung);
      study.setTrialSystemAttr(trial.id, key, encodeNumber(atRung));
      const competing = competingValues(trials, trial.id, key);
      competing.push(atRung);
      // `competing` includes this trial, hence `<=`.
      if (competing.length <= this.bootstrapCount) return true;
      if (!isPromotable(atRung, competing, this.reductionFactor, study.direction)) return true;
      rung++;
    }
  }

  /** ASHA promotion: the paused trial now ranks in the top 1/η of the rung it was stopped at (`promotedAtLastRung`). */
  shouldResume(study: StudyView, trial: FrozenTrial): boolean {
    return promotedAtLastRung(trial, study.getTrials(), this.reductionFactor, this.bootstrapCount, study.direction);
  }
}

/**
 * What a trial recorded at a rung: its value at the first step it reported at or past the
 * rung's step. A trial that passes several rungs at one report (it was running when
 * `minResource: 'auto'` became known, or reports sparsely) is ranked at each rung by the
 * value it had there, as every other trial is: its later, better value would outrank every
 * trial that reaches the rung after it (Optuna records the current value at every rung,
 * which prunes nearly all later trials when two or more run at once).
 */
export function valueAtRung(trial: FrozenTrial, rungStep: number, current: number): number {
  let first: number | undefined;
  for (const step of trial.intermediateValues.keys()) if (step >= rungStep && (first === undefined || step < first)) first = step;
  return first === undefined ? current : (trial.intermediateValues.get(first) as number);
}

/** Optuna's `min_resource='auto'`: a hundredth of the longest run, at least 1; undefined before any COMPLETE trial. */
export function estimateMinResource(trials: readonly FrozenTrial[]): number | undefined {
  const first = firstCompleteLastStep(trials);
  return first === undefined ? undefined : Math.max(Math.floor(first / 100), 1);
}

/** The last step of the lowest-numbered COMPLETE trial that reported anything. */
export function firstCompleteLastStep(trials: readonly FrozenTrial[]): number | undefined {
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue;
    const step = lastStep(t);
    if (step !== undefined) return step;
  }
  return undefined;
}

/**
 * The trial's system attributes as this process knows them: those it was asked with plus
 * those written since and visible in the study's history (a pruner writes through the
 * study view, not into the running trial's snapshot).
 */
export function rungAttributes(trial: FrozenTrial, trials: readonly FrozenTrial[]): Readonly<Record<string, JsonValue>> {
  const stored = trials.find((t) => t.id === trial.id);
  return stored === undefined ? trial.systemAttrs : { ...stored.systemAttrs, ...trial.systemAttrs };
}

/** The first rung the trial has not completed yet. */
export function currentRung(attrs: Readonly<Record<string, JsonValue>>): number {
  let rung = 0;
  while (completedRungKey(rung) in attrs) rung++;
  return rung;
}

/** Values other trials recorded at a rung. */
export function competingValues(trials: readonly FrozenTrial[], selfId: number, key: string): number[] {
  const values: number[] = [];
  for (const t of trials) {
    if (t.id === selfId) continue;
    const v = decodeNumber(t.systemAttrs[key]);
    if (v !== undefined) values.push(v);
  }
  return values;
}

/** In the top ⌊n/η⌋ of the competing values (the best one while n < η). */
export function isPromotable(value: number, competing: number[], reductionFactor: number, direction: Direction): boolean {
  let index = Math.floor(competing.length / reductionFactor) - 1;
  if (index === -1) index = 0;
  competing.sort((a, b) => a - b);
  if (direction === 'maximize') return value >= (competing[competing.length - 1 - index] as number);
  return value <= (competing[index] as number);
}

/**
 * ASHA promotion of a paused trial: the value it recorded at the highest rung it completed
 * (where it was stopped) now ranks in the top 1/η of every trial that reached that rung,
 * those that reached it since included. A trial stopped for a NaN value never is.
 */
export function promotedAtLastRung(trial: FrozenTrial, trials: readonly FrozenTrial[], reductionFactor: number, bootstrapCount: number, direction: Direction): boolean {
  const step = lastStep(trial);
  if (step === undefined || Number.isNaN(trial.intermediateValues.get(step) as number)) return false;
  const rung = currentRung(trial.systemAttrs) - 1;
  if (rung < 0) return false;
  const key = completedRungKey(rung);
  const value = decodeNumber(trial.systemAttrs[key]);
  if (value === undefined || Number.isNaN(value)) return false;
  const competing = competingValues(trials, trial.id, key);
  competing.push(value);
  if (competing.length <= bootstrapCount) return false;
  return isPromotable(value, competing, reductionFactor, direction);
}
