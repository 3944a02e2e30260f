import type { ParamValue } from '../space/distributions.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Study } from '../study/study.js';

/** Why a study run ended. */
export type StopReason = 'budget' | 'timeout' | 'interrupted' | 'exhausted';

export interface StudyStartInfo {
  readonly study: Study;
  readonly metric: string;
  readonly samplerName: string;
  readonly prunerName: string;
  /** Trials the study should hold in all (undefined: no limit). */
  readonly maxTrials: number | undefined;
  readonly timeoutSeconds: number | undefined;
  /** Trials already in the study when this run began (a resumed study). */
  readonly resumedFrom: number;
}

/**
 * Events of a study run. Plain lines, JSON lines and the Ink dashboard are peers
 * implementing it; every hook is optional.
 */
export interface Reporter {
  studyStart?(info: StudyStartInfo): void;
  /** A trial was dispatched; `slot` and `device` say where it runs (absent from the single-process loop). */
  trialStart?(trial: { readonly number: number; readonly params: Readonly<Record<string, ParamValue>>; readonly slot?: string; readonly device?: string }): void;
  trialFinish?(trial: FrozenTrial, study: Study): void;
  /** A notice for the user (e.g. "stopping after the running trials"). */
  notice?(message: string): void;
  studyEnd?(study: Study, reason: StopReason): void;
}

/** Sends every event to each reporter in turn. */
export function combineReporters(...reporters: Reporter[]): Reporter {
  return {
    studyStart: (info) => reporters.forEach((r) => r.studyStart?.(info)),
    trialStart: (trial) => reporters.forEach((r) => r.trialStart?.(trial)),
    trialFinish: (trial, study) => reporters.forEach((r) => r.trialFinish?.(trial, study)),
    notice: (message) => reporters.forEach((r) => r.notice?.(message)),
    studyEnd: (study, reason) => reporters.forEach((r) => r.studyEnd?.(study, reason)),
  };
}
