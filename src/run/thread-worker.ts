/**
 * A thread slot's worker (piscina): runs one trial per call. The report/continue channel is
 * a MessagePort that comes with each task; a forwarded suggest blocks this thread on an
 * Atomics wait until the loop answers, so `trial.suggest*` stays synchronous.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { objectiveCache } from '../objectives/load.js';
import type { LoopMessage, ThreadTaskPayload, TrialOutcome } from './messages.js';
import type { TrialTransport } from './remote-trial.js';
import { runObjectiveInSlot } from './run-objective.js';

const load = objectiveCache();

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
  try {
    const outcome = await runObjectiveInSlot(payload.task, payload.objective, transport, load);
    // The outcome travels on piscina's own channel: make sure the loop handled every message of ours first.
    await transport.request({ type: 'sync', seq: -1 });
    return outcome;
  } finally {
    port.off('message', deliver);
    port.close();
  }
}
