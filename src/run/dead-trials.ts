import type { JsonValue } from '../json.js';
import type { FrozenTrial } from '../storage/records.js';
import { FIXED_PARAMS_KEY, RETRIES_ATTR, RETRY_OF_ATTR, TRIAL_SEED_ATTR } from '../storage/metadata.js';
import { RERUN_ATTRS } from '../study/seeds.js';
import type { Study } from '../study/study.js';
import type { ActiveTrial } from './active-trial.js';
import { stopRunsPutBackToPaused } from './pausing.js';
import type { Reporter } from './reporter.js';

/** The attributes named in `keys` that `attrs` has. */
function pick(attrs: Readonly<Record<string, JsonValue>>, keys: readonly string[]): Record<string, JsonValue> {
  return Object.fromEntries(keys.filter((k) => attrs[k] !== undefined).map((k) => [k, attrs[k] as JsonValue]));
}

/**
 * Trials whose process died: those a stale check fails (no heartbeat for `staleAfter`
 * seconds, by this process or any other) and those whose slot crashed, re-queued with their
 * parameters and seed while they have `retries` left. Every decision is read from the
 * study, so a later run, or a worker on another machine, finishes what one left.
 */
export class DeadTrials {
  private checking = false;

  constructor(
    private readonly study: Study,
    private readonly reporter: Reporter,
    private readonly staleAfter: number,
    private readonly retries: number,
  ) {}

  /** Re-queue a failed trial with its parameters (and seed) while it has retries left. */
  async requeue(trial: FrozenTrial, why: string): Promise<void> {
    const { study, reporter, retries } = this;
    const used = typeof trial.systemAttrs[RETRIES_ATTR] === 'number' ? (trial.systemAttrs[RETRIES_ATTR] as number) : 0;
    if (used >= retries) {
      if (retries > 0) reporter.notice?.(`trial ${trial.number} ${why}; it used all ${retries} retries`);
      return;
    }
    const created = await study.storage.createTrial(study.id, {
      state: 'WAITING',
      systemAttrs: { [FIXED_PARAMS_KEY]: { ...trial.params }, [RETRY_OF_ATTR]: trial.number, [RETRIES_ATTR]: used + 1, ...pick(trial.systemAttrs, [TRIAL_SEED_ATTR]) },
      // A retried re-run (confirm, ablate) stays one (same configuration, same seed).
      userAttrs: pick(trial.userAttrs, RERUN_ATTRS),
    });
    reporter.notice?.(`trial ${trial.number} ${why}; re-queued with the same parameters as trial ${created?.number ?? '?'} (retry ${used + 1} of ${retries})`);
  }

  /** Fail the RUNNING trials whose heartbeat is older than the grace period (their process died), re-queueing them; `active` are this process's. */
  async reap(active: ReadonlyMap<number, ActiveTrial>): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    const { study, staleAfter } = this;
    try {
      const stale = await study.storage.failStaleTrials(study.id, staleAfter);
      for (const trial of stale) {
        // One of ours can only go stale if this process stalled longer than the grace period.
        const mine = [...active.values()].find((a) => a.trial.id === trial.id);
        mine?.run?.stop('interrupted');
        const why = `was left running by a process that died (no heartbeat for ${staleAfter}s) and is recorded as failed`;
        // No trial line says so otherwise: another process ran it.
        if (this.retries === 0) this.reporter.notice?.(`trial ${trial.number} ${why} (--retries 1 runs such a trial again)`);
        else await this.requeue(trial, why);
      }
      // A resumed trial found stale (by any process) goes back to paused and is not in that list.
      await stopRunsPutBackToPaused(study, active.values(), (line) => this.reporter.notice?.(`${line} (no heartbeat for ${staleAfter}s); its run here stops`));
    } finally {
      this.checking = false;
    }
  }
}
