import type { SodateError } from '../errors.js';
import { ObjectiveLoadError } from '../objectives/module-objective.js';
import type { Study, TrialResult, TrialValues } from '../study/study.js';
import type { ActiveTrial } from './active-trial.js';
import type { TrialEnd } from './slots.js';
import { INTERRUPTED_REASON } from '../storage/metadata.js';

/** How the orchestrator tells a trial that ended, and what else its end means. */
export interface EndedTrial {
  readonly result: TrialResult;
  /** The slot died under it: re-queued with the same parameters while retries allow. */
  readonly retryWhy?: string;
  /** The objective cannot load: no further trial is asked, and the run throws this. */
  readonly fatal?: SodateError;
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * What a trial's end tells the study: a failure noted while it ran wins, then a stop the
 * loop said (PRUNED), then what the trial side says (its value, pruned, an error) or how
 * its slot ended (crashed, timed out, interrupted).
 */
export function endedTrial(study: Study, entry: ActiveTrial, end: TrialEnd, trialTimeoutSeconds: number | undefined): EndedTrial {
  if (entry.failure !== undefined) return { result: { state: 'fail', error: new Error(entry.failure) } };
  if (entry.stopSaid) return { result: { state: 'pruned' } };
  switch (end.type) {
    case 'done':
      // A fold trial that returns nothing completes with the mean over its folds (tell says why any other fails).
      if (end.value === undefined) return { result: { state: 'complete' } };
      // One number, or one per objective: tell checks the count against the study's directions.
      if (typeof end.value === 'number' || Array.isArray(end.value)) return { result: end.value as TrialValues };
      return { result: { state: 'fail', error: new Error(`objective returned ${describeValue(end.value)}, expected ${study.isMultiObjective ? `${study.directions.length} numbers` : 'a number'}`) } };
    case 'pruned':
      return { result: { state: 'pruned' } };
    case 'error':
      return end.code === 'SODATE_OBJECTIVE_LOAD' ? { result: { state: 'fail', error: new Error(end.message) }, fatal: new ObjectiveLoadError(end.message) } : { result: { state: 'fail', error: new Error(end.message) } };
    case 'crashed':
      return { result: { state: 'fail', error: new Error(end.message) }, retryWhy: `failed: ${end.message}` };
    case 'stopped':
      if (end.why === 'pruned') return { result: { state: 'pruned' } };
      if (end.why === 'timeout') return { result: { state: 'fail', error: new Error(`timed out after ${trialTimeoutSeconds}s`) } };
      return { result: { state: 'fail', error: new Error(INTERRUPTED_REASON) } };
  }
}
