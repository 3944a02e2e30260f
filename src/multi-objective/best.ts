import type { Direction, FrozenTrial } from '../storage/records.js';
import { isBetter, isRerun } from '../storage/records.js';
import { isFeasible } from './constraints.js';

/**
 * Whether a trial may be a study's best: COMPLETE, feasible, and a tuning trial (a re-run by
 * `sodate confirm` or `sodate ablate` is a measurement for those analyses). Every running
 * best (the dashboard's, the plain reporter's) reads this, so they agree with `bestCompleteTrial`.
 */
export function mayBeBest(trial: FrozenTrial): boolean {
  return trial.state === 'COMPLETE' && isFeasible(trial) && !isRerun(trial);
}

/**
 * The best feasible COMPLETE tuning trial by its first value (the first of equals; NaN values
 * never count; re-runs by `sodate confirm` and `sodate ablate` never count): what
 * `Study.bestTrial`, the fold pruners and `sodate studies` read.
 */
export function bestCompleteTrial(trials: Iterable<FrozenTrial>, direction: Direction): FrozenTrial | undefined {
  let best: FrozenTrial | undefined;
  let bestValue = NaN;
  for (const t of trials) {
    const v = mayBeBest(t) ? t.values?.[0] : undefined;
    if (v === undefined || Number.isNaN(v)) continue;
    if (best === undefined || isBetter(direction, v, bestValue)) {
      best = t;
      bestValue = v;
    }
  }
  return best;
}
