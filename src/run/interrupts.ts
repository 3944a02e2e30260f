import type { Reporter } from './reporter.js';

export interface Interrupts {
  /** Aborted at the first Ctrl-C (or SIGTERM): no new trials. */
  readonly signal: AbortSignal;
  /** Aborted at the second: running trials are stopped and recorded as failed. */
  readonly stopSignal: AbortSignal;
  dispose(): void;
}

/**
 * Two-step shutdown on SIGINT/SIGTERM: the first stops asking and lets running trials
 * finish, the second stops them cleanly (every state still written), a third exits at once.
 * `stopAsking` (aborted when nothing reads the output any more) and SIGHUP (the terminal
 * closed) count as a first signal only, never as a later one: command trials run in process
 * groups of their own, which a hang-up does not reach, and an exit would leave them
 * unwatched and unrecorded.
 */
export function installInterrupts(reporter: Reporter, proc: NodeJS.Process = process, stopAsking?: AbortSignal): Interrupts {
  const first = new AbortController();
  const second = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      first.abort();
      reporter.notice?.('stopping after the running trials (Ctrl-C again to stop them now)');
    } else if (count === 2) {
      second.abort();
      reporter.notice?.('stopping the running trials; they are recorded as failed (interrupted)');
    } else {
      proc.exit(130);
    }
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  // A hang-up never escalates: a shell or a wrapper may send it again, and a stop or an exit would orphan the trials.
  const onHangUp = () => {
    if (count === 0) onSignal();
  };
  proc.on('SIGHUP', onHangUp);
  const onStopAsking = () => {
    if (count === 0) onSignal();
  };
  if (stopAsking?.aborted === true) onStopAsking();
  else stopAsking?.addEventListener('abort', onStopAsking, { once: true });
  return {
    signal: first.signal,
    stopSignal: second.signal,
    dispose: () => {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
      proc.off('SIGHUP', onHangUp);
      stopAsking?.removeEventListener('abort', onStopAsking);
    },
  };
}
