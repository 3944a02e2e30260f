/**
 * A process slot's child: `fork`ed by ProcessSlots with CUDA_VISIBLE_DEVICES already set,
 * it loads the objective once and runs one trial at a time for as long as the slot lives.
 * It exits when the loop goes away (the IPC channel closes).
 */
import { inspect } from 'node:util';
import { errorMessage } from '../errors.js';
import { objectiveCache } from '../objectives/load.js';
import type { ChildMessage, ChildRequest, LoopMessage, TrialOutcome } from './messages.js';
import { OUTPUT_END_MARK } from './messages.js';
import type { TrialTransport } from './remote-trial.js';
import { runObjectiveInSlot } from './run-objective.js';

const load = objectiveCache();
const pending = new Map<number, (answer: LoopMessage) => void>();
/** Set once an uncaught error is ending the child. */
let dying = false;

function send(message: ChildMessage): void {
  // A child dying of an uncaught error says only that: a result its trial still reaches is not its end.
  if (dying && message.type === 'end') return;
  process.send?.(message);
}

const transport: TrialTransport = {
  send,
  request: (message) =>
    new Promise((resolve) => {
      pending.set(message.seq, resolve);
      send(message);
    }),
  requestSync: undefined,
};

process.on('message', (request: ChildRequest) => {
  if (request.type === 'run') {
    void runObjectiveInSlot(request.task, request.objective, transport, load).then(async (outcome: TrialOutcome) => {
      await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write(OUTPUT_END_MARK, done))));
      try {
        send({ type: 'end', outcome });
      } catch (error) {
        send({ type: 'end', outcome: { type: 'error', message: `the objective's result cannot be sent to the loop: ${errorMessage(error)}` } });
      }
    });
    return;
  }
  const resolve = pending.get(request.seq);
  pending.delete(request.seq);
  resolve?.(request);
});
process.on('disconnect', () => process.exit(0));

/**
 * An uncaught error ends the child as it ends any Node program (stack on stderr, code 1),
 * but first tells the loop its message: else the trial's fail reason would only say
 * `exited with code 1`. Stderr to a pipe is written synchronously; the message is awaited.
 */
function dieOf(error: unknown): void {
  if (dying) return;
  dying = true;
  process.stderr.write(`${error instanceof Error ? inspect(error) : `Uncaught ${inspect(error)}`}\n`);
  const exit = () => process.exit(1);
  if (!process.connected) return exit();
  setTimeout(exit, 2000);
  try {
    process.send?.({ type: 'uncaught', message: errorMessage(error) } satisfies ChildMessage, exit);
  } catch {
    exit();
  }
}
// An objective that listens for these itself keeps the process alive, as it would without ours.
process.on('uncaughtException', (error) => {
  if (process.listenerCount('uncaughtException') === 1) dieOf(error);
});
// A rejection nobody handles is thrown as itself (an objective's uncaughtException listener sees it, as in Node).
process.on('unhandledRejection', (reason) => {
  if (process.listenerCount('unhandledRejection') === 1) throw reason;
});
