import type { ChildProcess } from 'node:child_process';

/** Default seconds between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_SECONDS = 5;

/** SIGTERM the child's process group (its own children too), then SIGKILL after the grace period. */
export function terminate(child: ChildProcess, graceMs: number): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  timer.unref();
  child.once('exit', () => {
    clearTimeout(timer);
    // Leftovers of the group (a data-loader worker) go too.
    signalGroup(child, 'SIGKILL');
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
}
