import { retryWhileBusy } from './busy-retry.js';

/**
 * Orders the writes a synchronous API starts (e.g. `trial.suggestFloat` storing its value)
 * and surfaces the first failure at the next `flush`, so no write is lost or reordered and
 * no error goes unseen. A write that finds the database locked is tried again first.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown = undefined;
  private failed = false;

  push(write: () => Promise<unknown>): void {
    this.tail = this.tail.then(async () => {
      if (this.failed) return;
      try {
        await retryWhileBusy(write);
      } catch (error) {
        this.failed = true;
        this.failure = error;
      }
    });
  }

  /** Every write pushed so far has ended (stored or failed); a failure is kept for `flush`. */
  async settled(): Promise<void> {
    await this.tail;
  }

  async flush(): Promise<void> {
    await this.tail;
    if (this.failed) {
      this.failed = false;
      const error = this.failure;
      this.failure = undefined;
      throw error;
    }
  }
}
