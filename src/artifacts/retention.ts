import { OptionError } from '../errors.js';
import { isFeasible } from '../multi-objective/constraints.js';
import { paretoFront } from '../multi-objective/front.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { isPaused, isRerun } from '../storage/records.js';

/** Which trials keep their directories. */
export interface RetentionPolicy {
  /**
   * Keep the directories of the best `keep` COMPLETE feasible tuning trials (with several
   * objectives: of every trial on the Pareto front, however many) and delete the others',
   * but never a re-run's (`sodate confirm`, `sodate ablate`): those are ranked by `confirm`,
   * not by one seed's value. Default undefined: every COMPLETE trial keeps its directory.
   */
  readonly keep?: number | undefined;
  /** Keep PRUNED and FAIL trials' directories. Default false: deleted when the trial ends. */
  readonly keepFailed?: boolean | undefined;
}

export function checkRetentionPolicy(policy: RetentionPolicy): RetentionPolicy {
  const { keep, keepFailed } = policy;
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1)) throw new OptionError(`artifacts.keep must be a positive integer, got ${String(keep)}`);
  if (keepFailed !== undefined && typeof keepFailed !== 'boolean') throw new OptionError(`artifacts.keepFailed must be true or false, got ${String(keepFailed)}`);
  return policy;
}

/** The trials retention keeps because they are among the best: undefined when it keeps every COMPLETE one. */
export function keptTrialNumbers(trials: readonly FrozenTrial[], directions: readonly Direction[], keep: number | undefined): Set<number> | undefined {
  if (keep === undefined) return undefined;
  // A lucky re-run must not push the best tuning trial (what `sodate best` names) out.
  const tuning = trials.filter((t) => !isRerun(t));
  if (directions.length > 1) return new Set(paretoFront(tuning, directions).map((t) => t.number));
  const sign = directions[0] === 'maximize' ? -1 : 1;
  const ranked = tuning
    .filter((t) => t.state === 'COMPLETE' && isFeasible(t) && typeof t.values?.[0] === 'number' && !Number.isNaN(t.values[0]))
    // Best first; of equal values the earlier trial wins (it was best first).
    .sort((a, b) => sign * ((a.values?.[0] as number) - (b.values?.[0] as number)) || a.number - b.number);
  return new Set(ranked.slice(0, keep).map((t) => t.number));
}

/**
 * The finished trials whose directories retention deletes, in trial order: PRUNED and FAIL
 * ones unless `keepFailed`, and with `keep`, COMPLETE tuning trials outside the best (infeasible
 * and NaN-valued ones included; a COMPLETE re-run keeps its directory). RUNNING and WAITING trials are never among them, nor paused
 * ones (their checkpoint is what a promotion resumes from). A pure
 * decision: it reads states and values only, not the disk.
 */
export function trialsToDelete(trials: readonly FrozenTrial[], directions: readonly Direction[], policy: RetentionPolicy): FrozenTrial[] {
  const kept = keptTrialNumbers(trials, directions, policy.keep);
  return trials.filter((t) => {
    if (isPaused(t)) return false;
    if (t.state === 'PRUNED' || t.state === 'FAIL') return policy.keepFailed !== true;
    if (t.state === 'COMPLETE') return kept !== undefined && !kept.has(t.number) && !isRerun(t);
    return false;
  });
}
