import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { DEFAULT_KILL_GRACE_SECONDS, describeDeath, keepTail, lastErrorLine, terminate } from './child-exit.js';
import { deviceEnv } from './devices.js';
import { entryExecArgv, runModulePath } from './entry.js';
import type { ChildMessage, ChildRequest, ObjectiveRef, TrialOutcome, TrialTask } from './messages.js';
import { OUTPUT_END_MARK } from './messages.js';
import type { RunningTrial, Slot, SlotRunner, StopWhy, TrialEnd, TrialMessageHandler } from './slots.js';
import { answerMessage, settleOnce } from './slots.js';

interface ChildSlot {
  readonly child: ChildProcess;
  current: ((message: Exclude<ChildMessage, { type: 'uncaught' }>) => void) | undefined;
  log: ((text: string) => void) | undefined;
  /** Called when a stream (stdout or stderr) printed the end mark of the current trial. */
  outputEnded: (() => void) | undefined;
  exited: boolean;
  /** Its stdout, stderr and IPC channel are all read to their end. */
  closed: boolean;
  /** The current trial's stderr (its end), to say why the child died (V8's out-of-memory line). */
  stderrTail: string;
  /** The message of the uncaught error that is ending the child, as it said over IPC. */
  uncaught: string | undefined;
}

/** Pass a stream's text to the log (and stderr's to its tail), cutting out end marks (which may straddle chunks). */
function outputReader(record: ChildSlot, stream: 'stdout' | 'stderr'): (data: Buffer) => void {
  const log = (text: string) => {
    if (stream === 'stderr') record.stderrTail = keepTail(record.stderrTail, text);
    record.log?.(text);
  };
  let pending = '';
  return (data) => {
    let text = pending + data.toString();
    pending = '';
    let at: number;
    while ((at = text.indexOf(OUTPUT_END_MARK)) >= 0) {
      if (at > 0) log(text.slice(0, at));
      text = text.slice(at + OUTPUT_END_MARK.length);
      record.outputEnded?.();
    }
    // Keep a possible start of a mark for the next chunk.
    for (let keep = Math.min(OUTPUT_END_MARK.length - 1, text.length); keep > 0; keep--) {
      if (OUTPUT_END_MARK.startsWith(text.slice(text.length - keep))) {
        pending = text.slice(text.length - keep);
        text = text.slice(0, text.length - keep);
        break;
      }
    }
    if (text.length > 0) log(text);
  };
}

/** How long a dead child's output and messages are awaited before its trial is failed without them. */
const CLOSE_WAIT_MS = 1000;

export interface ProcessSlotsOptions {
  readonly objective: ObjectiveRef;
  /** Seconds between SIGTERM and SIGKILL when a trial is stopped. Default 5. */
  readonly killGraceSeconds?: number;
}

/**
 * Process slots for JS/TS objectives: a long-lived child per slot, forked with the slot's
 * CUDA_VISIBLE_DEVICES so the framework it loads sees only its GPU (and tfjs-node, which
 * does not survive worker threads, gets a process of its own). A child that dies or is
 * stopped is replaced by a fresh one at the slot's next trial.
 */
export class ProcessSlots implements SlotRunner {
  readonly kind = 'process';
  private readonly objective: ObjectiveRef;
  private readonly graceMs: number;
  private readonly children = new Map<string, ChildSlot>();

  constructor(options: ProcessSlotsOptions) {
    this.objective = options.objective;
    this.graceMs = (options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS) * 1000;
  }

  private childFor(slot: Slot): ChildSlot {
    const existing = this.children.get(slot.name);
    if (existing !== undefined && !existing.exited && existing.child.connected) return existing;
    const child = fork(runModulePath('process-child'), [], {
      env: { ...process.env, ...deviceEnv(slot) },
      execArgv: entryExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    const record: ChildSlot = { child, current: undefined, log: undefined, outputEnded: undefined, exited: false, closed: false, stderrTail: '', uncaught: undefined };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'uncaught') record.uncaught = message.message;
      else record.current?.(message);
    });
    child.stdout?.on('data', outputReader(record, 'stdout'));
    child.stderr?.on('data', outputReader(record, 'stderr'));
    child.on('exit', () => (record.exited = true));
    child.on('close', () => (record.closed = true));
    child.on('error', () => undefined);
    this.children.set(slot.name, record);
    return record;
  }

  start(task: TrialTask, slot: Slot, handle: TrialMessageHandler): RunningTrial {
    const record = this.childFor(slot);
    const { child } = record;
    const ended = settleOnce<TrialEnd>();
    let stopped: StopWhy | undefined;
    const finish = (end: TrialEnd) => {
      if (!ended.resolve(end)) return;
      record.current = undefined;
      record.log = undefined;
      record.outputEnded = undefined;
      child.off('exit', onExit);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (stopped !== undefined) return finish({ type: 'stopped', why: stopped });
      // Why it died comes on the IPC channel or stderr, which may still be unread at its exit.
      const crashed = () => finish({ type: 'crashed', message: `trial process ${describeDeath(code, signal, record.uncaught ?? lastErrorLine(record.stderrTail, signal))}` });
      if (record.closed) return crashed();
      // A grandchild that holds the pipes open does not hold the trial's end for long.
      const timer = setTimeout(crashed, CLOSE_WAIT_MS);
      child.once('close', () => {
        clearTimeout(timer);
        crashed();
      });
    };
    child.on('exit', onExit);
    if (!record.exited) record.stderrTail = '';
    record.log = (text) => void handle({ type: 'log', text });
    // The trial ends when the child said so and both streams printed their end mark.
    let marks = 0;
    let outcome: TrialOutcome | undefined;
    const maybeFinish = () => {
      if (outcome !== undefined && marks >= 2) finish(stopped !== undefined ? { type: 'stopped', why: stopped } : outcome);
    };
    record.outputEnded = () => {
      marks++;
      maybeFinish();
    };
    record.current = (message) => {
      if (message.type === 'end') {
        outcome = message.outcome;
        maybeFinish();
        return;
      }
      void (async () => {
        const answer = await answerMessage(handle, message);
        if (answer !== undefined && !ended.settled() && child.connected) child.send(answer satisfies ChildRequest);
      })();
    };
    if (record.exited) onExit(child.exitCode, child.signalCode);
    else child.send({ type: 'run', task, objective: this.objective } satisfies ChildRequest);
    return {
      ended: ended.promise,
      stop: (why) => {
        if (ended.settled() || stopped !== undefined) return;
        stopped = why;
        this.children.delete(slot.name);
        terminate(child, this.graceMs);
      },
    };
  }

  async close(): Promise<void> {
    const exits = [...this.children.values()].map(
      (record) =>
        new Promise<void>((resolve) => {
          if (record.exited) return resolve();
          record.child.once('exit', () => resolve());
          if (record.child.connected) record.child.disconnect();
          terminate(record.child, this.graceMs);
        }),
    );
    this.children.clear();
    await Promise.all(exits);
  }
}
