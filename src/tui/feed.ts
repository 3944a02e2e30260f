import type { FrozenTrial } from '../storage/records.js';

export interface TrialFeedOptions {
  /** An incremental read of every trial, e.g. `() => cachedStorage.allTrials(studyId)`. */
  readonly read: () => Promise<readonly FrozenTrial[]>;
  readonly onTrials: (trials: readonly FrozenTrial[], now: number) => void;
  /** A read failed (a busy database, a dropped connection); the feed keeps trying. */
  readonly onError?: (error: unknown) => void;
  /** Milliseconds between reads. Default 1000. */
  readonly refreshMs?: number;
  readonly now?: () => number;
}

/**
 * Reads a study's trials on a timer and hands them on. One read at a time: a tick that
 * finds one in flight is dropped, and `refreshSoon` (after a trial event) coalesces
 * bursts into one read. The timer does not keep Node alive.
 */
export class TrialFeed {
  private readonly options: TrialFeedOptions;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(options: TrialFeedOptions) {
    this.options = options;
  }

  start(): void {
    this.stopped = false;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.soon !== undefined) clearTimeout(this.soon);
    this.timer = this.soon = undefined;
  }

  /** Read now (or join the read in flight). */
  refresh(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    const now = this.options.now ?? Date.now;
    this.inFlight = this.options
      .read()
      .then(
        (trials) => this.options.onTrials(trials, now()),
        (error: unknown) => this.options.onError?.(error),
      )
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Read shortly, once for a burst of calls. */
  refreshSoon(delayMs = 50): void {
    if (this.stopped || this.soon !== undefined) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.refresh();
    }, delayMs);
    this.soon.unref();
  }
}
