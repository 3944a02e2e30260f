import { dominates } from '../../../src/multi-objective/dominance.js';
import type { Pruner, StudyView } from '../../../src/policies/policies.js';
import type { FrozenTrial } from '../../../src/storage/records.js';

/**
 * Bench-only yardsticks, not pruners anyone could ship: they know each trial's final value
 * (the benches replay fixed curves) and, from `atStep` on, stop every trial that will not
 * improve on the COMPLETE trials so far. Their rows show what perfect decisions made at that
 * step can win under the benches' paired protocol: the rest of a real pruner's losses come
 * from the sampler taking another path once any trial is pruned, which no pruner controls.
 */
abstract class KnowingPruner<Final> implements Pruner {
  /** The bench sets this before the study runs: trial number → what its curve(s) end at. */
  finalOf: (trialNumber: number) => Final | undefined = () => undefined;

  constructor(
    private readonly atStep: number,
    private readonly nStartupTrials = 5,
  ) {}

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (trial.intermediateValues.size < this.atStep) return false;
    const completed = study.getTrials(['COMPLETE']);
    if (completed.length < this.nStartupTrials) return false;
    const final = this.finalOf(trial.number);
    return final !== undefined && !this.improves(study, final, completed);
  }

  protected abstract improves(study: StudyView, final: Final, completed: readonly FrozenTrial[]): boolean;
}

/** One objective: a trial improves when its final value beats the best COMPLETE one. */
export class OraclePruner extends KnowingPruner<number> {
  protected improves(study: StudyView, final: number, completed: readonly FrozenTrial[]): boolean {
    const sign = study.direction === 'minimize' ? 1 : -1;
    return sign * final < Math.min(...completed.map((t) => sign * (t.values?.[0] ?? Infinity)));
  }
}

/** Several objectives (all minimised): a trial improves when no COMPLETE trial's final values dominate or equal its own. */
export class ParetoOraclePruner extends KnowingPruner<readonly number[]> {
  protected improves(_study: StudyView, final: readonly number[], completed: readonly FrozenTrial[]): boolean {
    return !completed.some((t) => t.values !== null && (dominates(t.values, final) || t.values.every((v, i) => v === final[i])));
  }
}
