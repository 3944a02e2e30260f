import type { Study } from '../study/study.js';
import type { Reporter } from './reporter.js';

/**
 * The trials other processes are running, which a run waits for once its budget is reached
 * (they may still beat it). One that never beat though it started longer ago than the stale
 * grace (another tool's, e.g. Optuna without a heartbeat interval) may never end and never
 * goes stale: it is named once and not waited for. A younger one may be a sodate trial
 * between its creation and its first heartbeat (a write a lock can hold up): waited for.
 */
export class OthersRunning {
  private named = false;

  constructor(
    private readonly study: Study,
    private readonly reporter: Reporter,
    private readonly staleAfterSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * How many to wait for, freshly read: the loop's own reads may have stopped (a run whose
   * `nTrials` are asked reads no more), and a read that raced this process's last tell may
   * still show that trial running.
   */
  async count(): Promise<number> {
    await this.study.refresh();
    const running = this.study.trials.filter((t) => t.state === 'RUNNING');
    if (running.length === 0) return 0;
    const unbeaten = new Set(await this.study.storage.runningWithoutHeartbeat(this.study.id));
    const startedBefore = this.now() - this.staleAfterSeconds * 1000;
    const silent = running.filter((t) => unbeaten.has(t.number) && t.datetimeStart !== null && t.datetimeStart.getTime() < startedBefore).map((t) => `#${t.number}`);
    if (silent.length > 0 && !this.named) {
      this.named = true;
      this.reporter.notice?.(`${silent.join(', ')} RUNNING without a heartbeat (another tool's, e.g. Optuna without heartbeat_interval): not waited for; they count toward the budget until they finish`);
    }
    return running.length - silent.length;
  }
}
