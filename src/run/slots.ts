import { errorMessage } from '../errors.js';
import type { LoopMessage, TrialMessage, TrialOutcome, TrialTask } from './messages.js';

/** One place a trial can run; it owns one device. */
export interface Slot {
  /** "cpu#0", "gpu1#0": the device and the slot's index on it. */
  readonly name: string;
  /** "cpu" or "cuda:<index>". */
  readonly device: string;
  /** The GPU index (what CUDA_VISIBLE_DEVICES is set to), or null for the CPU. */
  readonly gpu: number | null;
}

/** How a trial ended, as the loop sees it: the trial side's outcome, or the slot's end. */
export type TrialEnd =
  | TrialOutcome
  /** The slot died under the trial (a crash, a kill -9, an out-of-memory kill): retried when retries allow. */
  | { readonly type: 'crashed'; readonly message: string }
  /** The loop stopped it: its timeout, a second Ctrl-C, or a pruned command. */
  | { readonly type: 'stopped'; readonly why: StopWhy };

export type StopWhy = 'timeout' | 'interrupted' | 'pruned';

/**
 * Answers what the trial side asks while it runs. `suggest` is answered synchronously
 * (a thread blocks on it); reports may wait for storage and the pruner.
 */
export type TrialMessageHandler = (message: TrialMessage) => LoopMessage | Promise<LoopMessage> | undefined;

export interface RunningTrial {
  /** Resolves once, when the trial ended; never rejects. */
  readonly ended: Promise<TrialEnd>;
  /** Stop it now: SIGTERM then SIGKILL for processes, terminate for threads. No-op once ended. */
  stop(why: StopWhy): void;
}

/** A kind of slot: threads of a pool, child processes, commands, or the loop's own thread. */
export interface SlotRunner {
  readonly kind: 'thread' | 'process' | 'command' | 'inline';
  start(task: TrialTask, slot: Slot, handle: TrialMessageHandler): RunningTrial;
  /** Stop every slot and release the pool / children. */
  close(): Promise<void>;
}

/** A promise with its resolver, resolved at most once. */
export function settleOnce<T>(): { promise: Promise<T>; resolve: (value: T) => boolean; settled: () => boolean } {
  let done = false;
  let resolveFn!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolveFn = r));
  return {
    promise,
    resolve: (value) => {
      if (done) return false;
      done = true;
      resolveFn(value);
      return true;
    },
    settled: () => done,
  };
}

/**
 * The loop's answer to a message from a slot's trial: a handler that throws answers a
 * request (one with a `seq`) with `refused` and the error's message, a notice with nothing.
 */
export async function answerMessage(handle: TrialMessageHandler, message: TrialMessage): Promise<LoopMessage | undefined> {
  try {
    return await handle(message);
  } catch (error) {
    return 'seq' in message ? { type: 'refused', seq: message.seq, message: errorMessage(error) } : undefined;
  }
}
