/**
 * Thrown by `await trial.report(step, value)` when the pruner decided the trial should
 * stop. Objectives let it propagate; `study.optimize` (or the caller of `study.tell`)
 * records the trial as PRUNED.
 */
export class TrialPruned extends Error {
  readonly code = 'SODATE_TRIAL_PRUNED';
  constructor(message = 'trial was pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}
