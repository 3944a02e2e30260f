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

/** Characters of stderr a slot keeps to find why its trial died. */
export const STDERR_TAIL_CHARS = 8192;

/** Longest reason quoted in a fail reason; the whole output is in the trial's log. */
const MAX_REASON = 300;

/** `tail` with `text` after it, cut to its last STDERR_TAIL_CHARS characters. */
export function keepTail(tail: string, text: string): string {
  const joined = tail + text;
  return joined.length > STDERR_TAIL_CHARS ? joined.slice(-STDERR_TAIL_CHARS) : joined;
}

/** A log record below error level (`INFO:root:…`, `[W 12:00] …`, `2026-… WARNING …`): chatter, not why a run died. */
const CHATTER = /^(\S*\s)?\[?(DEBUG|INFO|WARN|WARNING|I|W|D)[\]: \d]/;
/** A line that starts like an error (`RuntimeError: boom`, `error: …`, `Fatal Python error`, `terminate called …`, CUDA's `out of memory`). */
function startsLikeError(line: string): boolean {
  return /^[\w.]*(Error|Exception)\b(?!=)/.test(line) || /^(error|fatal|panic|terminate called|killed)\b|out of memory/i.test(line);
}
/** A traceback's headers (not why it died): the reason is its last line. */
const TRACEBACK_HEADER = /^(Traceback \(most recent call last\)|During handling of the above exception|The above exception was the direct cause)/;
/** Signals sent from outside (the OOM killer, a timeout, Ctrl-C): the program printed no reason for them. */
const OUTSIDE_SIGNALS: readonly string[] = ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * The line of a dead program's stderr that says why it died: V8's `FATAL ERROR: … out of
 * memory`; after a signal sent from outside (SIGKILL, SIGTERM…: it printed no reason) nothing else; otherwise
 * the last line naming an error, else the last line that is neither part of a stack (a Python
 * traceback ends with `RuntimeError: boom`, a Node one with indented frames, `}` and
 * `Node.js v20…`) nor log chatter below error level. Frames and progress bars are skipped:
 * indented lines, lines without a word, what a `\r` overwrote.
 */
export function lastErrorLine(stderr: string, signal: NodeJS.Signals | null = null): string | undefined {
  const lines = stderr.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').split('\n').map((line) => (line.split('\r').filter((part) => part.trim() !== '').at(-1) ?? '').trimEnd());
  const fatal = lines.find((line) => line.startsWith('FATAL ERROR:'));
  if (fatal !== undefined || (signal !== null && OUTSIDE_SIGNALS.includes(signal))) return fatal === undefined ? undefined : clip(fatal);
  const meaningful = (line: string) =>
    line !== '' && !/^\s/.test(line) && /\w/.test(line) && !/^Node\.js v\d/.test(line) && !/^-{3,}|^<-{3,}/.test(line) && !CHATTER.test(line) && !TRACEBACK_HEADER.test(line);
  const found = lines.findLast((line) => meaningful(line) && startsLikeError(line)) ?? lines.findLast(meaningful);
  return found === undefined ? undefined : clip(found);
}

function clip(line: string): string {
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line;
}

/** `exited with code 1: RuntimeError: boom`: how it ended and, when known, why (one line). */
export function describeDeath(code: number | null, signal: NodeJS.Signals | null, why: string | undefined): string {
  const reason = why === undefined ? undefined : clip(why.split('\n').find((line) => line.trim() !== '')?.trim() ?? '');
  return reason === undefined || reason === '' ? describeExit(code, signal) : `${describeExit(code, signal)}: ${reason}`;
}
