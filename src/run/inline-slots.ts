import { objectiveCache } from '../objectives/load.js';
import type { SlotObjective } from '../study/optimize.js';
import type { LoopMessage, ObjectiveRef, TrialTask } from './messages.js';
import type { TrialTransport } from './remote-trial.js';
import { runObjectiveInSlot } from './run-objective.js';
import type { RunningTrial, Slot, SlotRunner, StopWhy, TrialEnd, TrialMessageHandler } from './slots.js';
import { settleOnce } from './slots.js';

/**
 * Slots in the loop's own thread (`--isolation inline`): no isolation, for debugging an
 * objective with breakpoints and for tests of the loop. The trial still talks to the loop
 * through the same messages. Stopping one records it at once; its code cannot be killed.
 */
export class InlineSlots implements SlotRunner {
  readonly kind = 'inline';
  private readonly load: (ref: ObjectiveRef) => Promise<SlotObjective>;
  private readonly ref: ObjectiveRef;

  constructor(objective: ObjectiveRef | SlotObjective) {
    if (typeof objective === 'function') {
      this.ref = { kind: 'module', path: '<function>', exportName: objective.name || 'objective' };
      this.load = () => Promise.resolve(objective);
    } else {
      this.ref = objective;
      this.load = objectiveCache();
    }
  }

  start(task: TrialTask, _slot: Slot, handle: TrialMessageHandler): RunningTrial {
    const ended = settleOnce<TrialEnd>();
    let stopped: StopWhy | undefined;
    const transport: TrialTransport = {
      send: (message) => void handle(message),
      request: async (message) => (await handle(message)) ?? ({ type: 'continue', seq: message.seq } satisfies LoopMessage),
      requestSync: (message) => {
        const answer = handle(message);
        if (answer === undefined || answer instanceof Promise) throw new Error(`the loop cannot answer ${message.type} synchronously`);
        return answer;
      },
    };
    void runObjectiveInSlot(task, this.ref, transport, this.load).then((outcome) => ended.resolve(stopped === undefined ? outcome : { type: 'stopped', why: stopped }));
    return {
      ended: ended.promise,
      stop: (why) => {
        if (ended.settled()) return;
        stopped = why;
        ended.resolve({ type: 'stopped', why });
      },
    };
  }

  async close(): Promise<void> {}
}
