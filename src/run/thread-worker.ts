/**
 * A thread slot's worker (piscina): runs one trial per call. The report/continue channel is
 * a MessagePort that comes with each task; a forwarded suggest blocks this thread on an
 * Atomics wait until the loop answers, so `trial.suggest*` stays synchronous.
 */
import { StringDecoder } from 'node:string_decoder';
import { isMainThread, receiveMessageOnPort } from 'node:worker_threads';
import { objectiveCache } from '../objectives/load.js';
import type { LoopMessage, ThreadTaskPayload, TrialMessage, TrialOutcome } from './messages.js';
import type { TrialTransport } from './remote-trial.js';
import { runObjectiveInSlot } from './run-objective.js';

const load = objectiveCache();

/** Where what the running trial prints goes; undefined between trials. */
let printed: ((text: string) => void) | undefined;

/**
 * A worker's stdout and stderr would otherwise reach the tuner's own stdout (its JSON
 * events, its dashboard). Every write of this thread (console.*, process.stdout.write) goes
 * to the running trial's log instead, as a process slot's output does; a thread runs one
 * task at a time, so the trial it belongs to is known. Output between trials is dropped,
 * as a process slot's is. What native code writes to fd 1 itself is not seen here.
 */
function captureWrites(stream: NodeJS.WriteStream): void {
  const decoder = new StringDecoder('utf8');
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    let text: string;
    if (typeof chunk === 'string') text = typeof encoding === 'string' && encoding !== 'utf8' && Buffer.isEncoding(encoding) ? Buffer.from(chunk, encoding).toString() : chunk;
    else text = decoder.write(Buffer.from(chunk as Uint8Array));
    printed?.(text);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  stream.write = write as NodeJS.WriteStream['write'];
}
if (!isMainThread) {
  captureWrites(process.stdout);
  captureWrites(process.stderr);
  // An unhandled rejection ends the thread with the rejected value, as an uncaught throw does:
  // Node's own ERR_UNHANDLED_REJECTION would put a long sentence in place of `{"code":5}`.
  // (Unless the objective listens for them itself, as then Node would not end the thread.)
  process.on('unhandledRejection', (reason) => {
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}

export default async function runTrialInThread(payload: ThreadTaskPayload): Promise<TrialOutcome> {
  const { port } = payload;
  const flag = new Int32Array(payload.signal);
  const pending = new Map<number, (answer: LoopMessage) => void>();
  const deliver = (answer: LoopMessage) => {
    const resolve = pending.get(answer.seq);
    pending.delete(answer.seq);
    resolve?.(answer);
  };
  port.on('message', deliver);
  const transport: TrialTransport = {
    send: (message) => port.postMessage(message),
    request: (message) =>
      new Promise((resolve) => {
        pending.set(message.seq, resolve);
        port.postMessage(message);
      }),
    requestSync: (message) => {
      port.postMessage(message);
      for (;;) {
        const seen = Atomics.load(flag, 0);
        const received = receiveMessageOnPort(port);
        if (received !== undefined) {
          const answer = received.message as LoopMessage;
          if (answer.seq === message.seq) return answer;
          deliver(answer);
          continue;
        }
        Atomics.wait(flag, 0, seen, 200);
      }
    },
  };
  printed = (text) => {
    if (text.length > 0) port.postMessage({ type: 'log', text } satisfies TrialMessage);
  };
  try {
    // What it prints after it ended would come after the sync below: dropped, as between trials.
    const outcome = await runObjectiveInSlot(payload.task, payload.objective, transport, load).finally(() => (printed = undefined));
    // The outcome travels on piscina's own channel: make sure the loop handled every message of ours first.
    await transport.request({ type: 'sync', seq: -1 });
    return outcome;
  } finally {
    port.off('message', deliver);
    port.close();
  }
}
