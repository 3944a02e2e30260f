/**
 * Where an incremental scan of the study's trials can resume. Trials come in number
 * order and a finished trial (COMPLETE, PRUNED, FAIL) never changes, so once a scan has
 * folded in the leading run of finished trials it need not visit them again: in a
 * sequential study, an ask then reads one or two trials instead of all of them. A paused
 * trial is not finished for this (a promotion may resume it): the prefix ends before it.
 */
import type { FrozenTrial } from '../../storage/records.js';
import { isFinished, isPaused } from '../../storage/records.js';

export class FinishedPrefix {
  private length = 0;
  /** Id of the prefix's last trial: a list that does not hold it there is scanned from the start. */
  private lastId = -1;

  /** Index of the first trial of `trials` not known to be finished and folded in. */
  start(trials: readonly FrozenTrial[]): number {
    if (this.length > 0 && trials[this.length - 1]?.id !== this.lastId) this.length = 0;
    return this.length;
  }

  /** Record that the scan has folded in every finished trial of `trials`. */
  advance(trials: readonly FrozenTrial[]): void {
    let length = this.start(trials);
    while (length < trials.length && isFinished((trials[length] as FrozenTrial).state) && !isPaused(trials[length] as FrozenTrial)) length++;
    this.length = length;
    this.lastId = length > 0 ? (trials[length - 1] as FrozenTrial).id : -1;
  }
}
