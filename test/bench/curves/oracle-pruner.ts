import type { Pruner, StudyView } from '../../../src/policies/policies.js';
import { dominates } from '../../../src/multi-objective/dominance.js';
import type { FrozenTrial } from '../../../src/storage/records.js';

/**
 * A bench-only yardstick, not a pruner anyone could ship: it knows each trial's final value
 * (the bench replays fixed curves) and, from `atStep` on, stops every trial that will not
 * beat the best COMPLETE trial so far. Its rows show what perfect decisions made at that
 * step can win under the bench's paired protocol: the rest of a real pruner's losses come
 * from the sampler taking another path once any trial is pruned, which no pruner controls.
 */
export class OraclePruner implements Pruner {
  /** The bench sets this before the study runs: trial number → the final value its curve reaches. */
  finalOf: (trialNumber: number) => number | undefined = () => undefined;

  constructor(
    private readonly atStep: number,
    private readonly nStartupTrials = 5,
  ) {}

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (trial.intermediateValues.size < this.atStep) return false;
    const completed = study.getTrials(['COMPLETE']);
    if (completed.length < this.nStartupTrials) return false;
    const sign = study.direction === 'minimize' ? 1 : -1;
    const incumbent = Math.min(...completed.map((t) => sign * (t.values?.[0] ?? Infinity)));
    const final = this.finalOf(trial.number);
    return final !== undefined && !(sign * final < incumbent);
  }
}

/**
 * The same yardstick with several objectives (all minimised): from `atStep` on it stops every
 * trial whose final values a COMPLETE trial's already dominate (or equal), so only trials
 * that will join the front run to the end.
 */
export class ParetoOraclePruner implements Pruner {
  /** The bench sets this before the study runs: trial number → the final values its curves reach. */
  finalOf: (trialNumber: number) => readonly number[] | undefined = () => undefined;

  constructor(
    private readonly atStep: number,
    private readonly nStartupTrials = 5,
  ) {}

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (trial.intermediateValues.size < this.atStep) return false;
    const completed = study.getTrials(['COMPLETE']);
    if (completed.length < this.nStartupTrials) return false;
    const final = this.finalOf(trial.number);
    if (final === undefined) return false;
    return completed.some((t) => t.values !== null && (dominates(t.values, final) || t.values.every((v, i) => v === final[i])));
  }
}
