import { errorMessage } from '../errors.js';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ObjectiveRef, ThreadTaskPayload, TrialMessage, TrialOutcome, TrialTask } from './messages.js';
import { entryExecArgv, runModulePath } from './entry.js';
import type { RunningTrial, Slot, SlotRunner, StopWhy, TrialEnd, TrialMessageHandler } from './slots.js';
import { answerMessage, settleOnce } from './slots.js';

export interface ThreadSlotsOptions {
  readonly objective: ObjectiveRef;
  /** Threads in the pool: one per slot. */
  readonly threads: number;
}

/**
 * Thread slots: a piscina pool with one thread per slot for JS/TS objectives. Each trial
 * gets its own MessageChannel for reports and answers; stopping a trial (timeout, second
 * Ctrl-C) aborts its task, which terminates the thread, and the pool starts a fresh one.
 */
export class ThreadSlots implements SlotRunner {
  readonly kind = 'thread';
  private readonly pool: Piscina;
  private readonly objective: ObjectiveRef;

  constructor(options: ThreadSlotsOptions) {
    this.objective = options.objective;
    this.pool = new Piscina({
      filename: runModulePath('thread-worker'),
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      atomics: 'disabled',
      execArgv: entryExecArgv(),
    });
  }

  start(task: TrialTask, _slot: Slot, handle: TrialMessageHandler): RunningTrial {
    const ended = settleOnce<TrialEnd>();
    const abort = new AbortController();
    let stopped: StopWhy | undefined;
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const flag = new Int32Array(signal);
    port1.on('message', (message: TrialMessage) => {
      void (async () => {
        const answer = await answerMessage(handle, message);
        if (answer === undefined || ended.settled()) return;
        port1.postMessage(answer);
        Atomics.add(flag, 0, 1);
        Atomics.notify(flag, 0);
      })();
    });
    const payload: ThreadTaskPayload = { task, objective: this.objective, port: port2, signal };
    this.pool
      .run(payload, { transferList: [port2], signal: abort.signal })
      .then(
        (outcome: TrialOutcome) => ended.resolve(stopped === undefined ? outcome : { type: 'stopped', why: stopped }),
        (error: unknown) =>
          ended.resolve(stopped !== undefined ? { type: 'stopped', why: stopped } : { type: 'crashed', message: `worker thread died: ${errorMessage(error)}` }),
      )
      .finally(() => port1.close());
    return {
      ended: ended.promise,
      stop: (why) => {
        if (ended.settled() || stopped !== undefined) return;
        stopped = why;
        abort.abort();
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
