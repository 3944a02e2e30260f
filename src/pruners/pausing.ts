import type { FrozenTrial } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';

/** A pruner that can resume what it stopped. */
export type ResumingPruner = Pruner & Required<Pick<Pruner, 'shouldResume'>>;

/**
 * A pruner whose stopped trials are paused when they saved a checkpoint (the space file's
 * `pause: true`): it decides exactly what the wrapped pruner decides, and says so to the
 * loop through `pausesTrials`.
 */
export class PausingPruner implements Pruner {
  readonly pausesTrials = true;
  readonly wrapped: ResumingPruner;
  readonly needsHistory: boolean;

  constructor(wrapped: ResumingPruner) {
    this.wrapped = wrapped;
    this.needsHistory = wrapped.needsHistory !== false;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    return this.wrapped.prune(study, trial);
  }

  shouldResume(study: StudyView, trial: FrozenTrial): boolean {
    return this.wrapped.shouldResume(study, trial);
  }
}
