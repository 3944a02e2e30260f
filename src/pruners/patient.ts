import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { sortedSteps } from './intermediate.js';
import { checkInteger, checkKnownKeys, checkNumber } from './options.js';

export interface PatientPrunerOptions {
  /** The pruner consulted once the trial stopped improving; null prunes right away then. Default: null. */
  wrapped?: Pruner | null;
  /** Reports without improvement tolerated before the wrapped pruner is asked. Required, ≥ 0. */
  patience: number;
  /**
   * Tolerance, ≥ 0: the trial counts as stalled only when the best of its last
   * `patience + 1` reports is worse than its best before them by more than this. Default: 0.
   */
  minDelta?: number;
}

export const PATIENT_KEYS = ['wrapped', 'patience', 'minDelta'] as const;

/**
 * Optuna's `PatientPruner`: the trial is kept, whatever the wrapped pruner thinks, until
 * the best of its last `patience + 1` reports is worse than its best before them (by more
 * than `minDelta`); then the wrapped pruner decides (or, without one, it stops).
 */
export class PatientPruner implements Pruner {
  readonly wrapped: Pruner | null;
  readonly patience: number;
  readonly minDelta: number;
  /** Needs other trials only when the wrapped pruner does. */
  readonly needsHistory: boolean;
  /** The wrapped pruner's `pause: true`: a trial it stops here is paused, and it decides the promotion. */
  readonly pausesTrials: boolean;
  readonly shouldResume?: (study: StudyView, trial: FrozenTrial) => boolean;

  constructor(options: PatientPrunerOptions) {
    checkKnownKeys('PatientPruner', options, PATIENT_KEYS);
    this.wrapped = options.wrapped ?? null;
    this.patience = checkInteger('patience', options.patience, 0);
    this.minDelta = checkNumber('minDelta', options.minDelta ?? 0, { min: 0 });
    this.needsHistory = this.wrapped !== null && this.wrapped.needsHistory !== false;
    const wrapped = this.wrapped;
    this.pausesTrials = wrapped?.pausesTrials === true && wrapped.shouldResume !== undefined;
    // Patience only delays a stop; once the wrapped pruner stopped the trial, it alone can take that back.
    if (this.pausesTrials) this.shouldResume = (study, trial) => (wrapped as Required<Pick<Pruner, 'shouldResume'>>).shouldResume(study, trial);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const steps = sortedSteps(trial);
    if (steps.length <= this.patience + 1) return false;
    const split = steps.length - this.patience - 1;
    const minimize = study.direction === 'minimize';
    const before = bestOf(trial, steps.slice(0, split), minimize);
    const after = bestOf(trial, steps.slice(split), minimize);
    const stalled = minimize ? before + this.minDelta < after : before - this.minDelta > after;
    if (!stalled) return false;
    return this.wrapped === null ? true : this.wrapped.prune(study, trial);
  }
}

/** NumPy's nanmin / nanmax over the values at those steps (NaN when all are NaN). */
function bestOf(trial: FrozenTrial, steps: readonly number[], minimize: boolean): number {
  let best = NaN;
  for (const s of steps) {
    const v = trial.intermediateValues.get(s) as number;
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (minimize ? v < best : v > best)) best = v;
  }
  return best;
}
