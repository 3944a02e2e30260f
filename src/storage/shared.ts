import { StorageError } from '../errors.js';
import type { Direction, FrozenTrial, TrialCursor, TrialState } from './records.js';
import type { JsonValue } from '../json.js';
import { isBetter, isFinished, isPaused, isRerun } from './records.js';
import type { NewStudy } from './storage.js';
import { ABLATION_ATTR, CONFIRM_OF_ATTR, CONSTRAINT_KEY_PREFIX, INTERMEDIATE_VECTOR_PREFIX, LEGACY_CONSTRAINTS_KEY, STALE_REASON_PREFIX } from './metadata.js';

/** Pieces every storage implementation shares, so their messages and summaries agree. */

export function emptyCounts(): Record<TrialState, number> {
  return { RUNNING: 0, WAITING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
}

export function countByState(trials: readonly FrozenTrial[]): Record<TrialState, number> {
  const counts = emptyCounts();
  for (const t of trials) counts[t.state]++;
  return counts;
}

/** The directions a new study is stored with: `spec.directions`, else its one `direction`. */
export function directionsOf(spec: NewStudy): readonly Direction[] {
  return spec.directions !== undefined && spec.directions.length > 0 ? spec.directions : [spec.direction];
}

/** SQL: trial `t` is not a re-run by confirm or ablate (`isRerun`), for the stores' best values. */
export const NOT_A_RERUN_SQL = `NOT EXISTS (SELECT 1 FROM trial_user_attributes a WHERE a.trial_id = t.trial_id AND a."key" IN ('${CONFIRM_OF_ATTR}', '${ABLATION_ATTR}'))`;

/** SQL, given a study id expression: some trial of that study carries constraint values (Optuna 5's per-constraint keys or its older list). */
export function constrainedSql(studyId: string): string {
  return `EXISTS (SELECT 1 FROM trials ct JOIN trial_system_attributes c ON c.trial_id = ct.trial_id WHERE ct.study_id = ${studyId} AND (c."key" = '${LEGACY_CONSTRAINTS_KEY}' OR c."key" LIKE '${CONSTRAINT_KEY_PREFIX}%'))`;
}

/** Whether some trial carries constraint values (what `constrainedSql` asks of a store). */
export function carriesConstraints(trials: readonly FrozenTrial[]): boolean {
  return trials.some((t) => Object.keys(t.systemAttrs).some((key) => key === LEGACY_CONSTRAINTS_KEY || key.startsWith(CONSTRAINT_KEY_PREFIX)));
}

/** The best first value of the COMPLETE tuning trials (a re-run by confirm or ablate never counts). */
export function bestValueOf(trials: readonly FrozenTrial[], direction: Direction): number | null {
  let best: number | null = null;
  for (const t of trials) {
    const v = t.state === 'COMPLETE' && !isRerun(t) ? t.values?.[0] : undefined;
    if (v === undefined || Number.isNaN(v)) continue;
    if (best === null || isBetter(direction, v, best)) best = v;
  }
  return best;
}

export function studyExistsError(name: string, url: string): StorageError {
  return new StorageError(`study "${name}" already exists in ${url}; resume it with loadIfExists, or pick another name`, 'SODATE_STUDY_EXISTS');
}

export function trialFinishedError(number: number, state: TrialState): StorageError {
  return new StorageError(`trial ${number} is already ${state}; a finished trial cannot change`, 'SODATE_TRIAL_FINISHED');
}

/** The `fail_reason` system attribute (Optuna's key) of a trial failed for a missing heartbeat. */
export function staleTrialReason(graceSeconds: number): string {
  return `${STALE_REASON_PREFIX}${graceSeconds} s: the process running the trial died`;
}

/**
 * What a resume from a checkpoint at `fromStep` drops from a paused trial: the reports after
 * that step and their per-step vectors (`sodate:values@<step>`), which the resumed run
 * reports again. Left in place, pruners would judge those old steps until the run passed
 * them, and a run stopped earlier would keep an old later value as its last one.
 */
export function reportsAfter(trial: Pick<FrozenTrial, 'intermediateValues' | 'systemAttrs'>, fromStep: number): { steps: number[]; vectorKeys: string[] } {
  const steps = [...trial.intermediateValues.keys()].filter((step) => step > fromStep);
  // Read from the keys, not `intermediateVectors`, whose cache assumes attributes only gain keys.
  const vectorKeys = Object.keys(trial.systemAttrs).filter((key) => key.startsWith(INTERMEDIATE_VECTOR_PREFIX) && Number(key.slice(INTERMEDIATE_VECTOR_PREFIX.length)) > fromStep);
  return { steps, vectorKeys };
}

/** The earliest start among trials (WAITING ones have none yet), as a study's start. */
export function earliestStart(trials: readonly FrozenTrial[]): Date | null {
  let first: Date | null = null;
  for (const t of trials) if (t.datetimeStart !== null && (first === null || t.datetimeStart < first)) first = t.datetimeStart;
  return first;
}

/** Whether a read from `cursor` must look up the study's resume count: it holds paused trials. */
export function needsResumeCount(cursor: TrialCursor): boolean {
  return (cursor.pausedTrialIds?.length ?? 0) > 0;
}

/**
 * The trials to read again from `cursor`: its open ones, and its paused ones when the
 * study's resume count (`resumes`, read before the trials) moved since they were read.
 */
export function idsToReread(cursor: TrialCursor, resumes: number | undefined): number[] {
  const paused = cursor.pausedTrialIds ?? [];
  return paused.length > 0 && (resumes === undefined || cursor.resumes !== resumes) ? [...cursor.openTrialIds, ...paused] : [...cursor.openTrialIds];
}

/**
 * The cursor after reading `trials` (new ones and those `idsToReread` named) from `cursor`,
 * with the resume count read before them. A paused trial is kept apart: read again after a resume.
 */
export function cursorAfter(trials: readonly FrozenTrial[], cursor: TrialCursor, resumes?: number): TrialCursor {
  let lastTrialId = cursor.lastTrialId;
  const openTrialIds: number[] = [];
  const reread = idsToReread(cursor, resumes).length > cursor.openTrialIds.length;
  const pausedTrialIds: number[] = reread ? [] : [...(cursor.pausedTrialIds ?? [])];
  for (const t of trials) {
    if (t.id > lastTrialId) lastTrialId = t.id;
    if (isPaused(t)) pausedTrialIds.push(t.id);
    else if (!isFinished(t.state)) openTrialIds.push(t.id);
  }
  const next: TrialCursor = { lastTrialId, openTrialIds };
  if (pausedTrialIds.length === 0) return next;
  return resumes === undefined ? { ...next, pausedTrialIds } : { ...next, pausedTrialIds, resumes };
}

/** The study's resume count as stored (`RESUME_COUNT_ATTR`), 0 before any resume. */
export function resumeCount(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}
