import { NotEnoughTrialsError } from '../../analysis/errors.js';
import { paramImportances } from '../../analysis/importance/index.js';
import type { ImportanceShown } from './panels.js';
import type { DashboardInput } from './types.js';
import type { ViewMemo } from './view.js';

/** Completed trials before parameter importance is shown. */
export const MIN_IMPORTANCE_TRIALS = 10;

/**
 * The same PED-ANOVA estimate `sodate importance` prints (first objective), so the two never
 * rank parameters differently. It is recomputed when completed trials grew by 2% since the
 * last estimate (every completion early on): at 10,000 trials one estimate takes tens of
 * milliseconds, more than a refresh may cost, and 2% more trials barely move it.
 */
export function importanceOf(input: DashboardInput, complete: number, memo: ViewMemo | undefined): ImportanceShown | undefined {
  if (complete < MIN_IMPORTANCE_TRIALS) return undefined;
  const at = memo?.importanceAt;
  if (memo !== undefined && at !== undefined && complete >= at && complete < at + Math.max(1, Math.floor(at * 0.02)) && memo.importance !== undefined) {
    return { entries: memo.importance, note: memo.importanceNote };
  }
  let estimate: { importances: ImportanceShown['entries']; note?: string | undefined };
  try {
    estimate = paramImportances(input.trials, input.study.direction);
  } catch (error) {
    // Complete trials that miss a constraint or re-run a configuration do not count: there may be too few that do.
    if (!(error instanceof NotEnoughTrialsError)) throw error;
    estimate = { importances: [], note: error.message };
  }
  const { importances, note } = estimate;
  if (memo !== undefined) {
    memo.importanceAt = complete;
    memo.importance = importances;
    memo.importanceNote = note;
  }
  return { entries: importances, note };
}
