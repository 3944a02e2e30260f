import { errorMessage, isSodateError } from '../errors.js';
import type { SlotObjective } from '../study/optimize.js';
import type { ObjectiveRef, TrialOutcome, TrialTask } from './messages.js';
import type { TrialTransport } from './remote-trial.js';
import { RemoteTrial, isTrialPruned } from './remote-trial.js';

/**
 * Inside a slot: load the objective, run it on a RemoteTrial and say how it ended. Never
 * throws; a crash of the slot itself (process.exit, a native abort) is seen by the loop.
 */
export async function runObjectiveInSlot(
  task: TrialTask,
  ref: ObjectiveRef,
  transport: TrialTransport,
  load: (ref: ObjectiveRef) => Promise<SlotObjective>,
): Promise<TrialOutcome> {
  let objective: SlotObjective;
  try {
    objective = await load(ref);
  } catch (error) {
    // Whatever stops the objective loading (a missing export, a built-in's bad option) stops
    // every trial alike: the loop asks no further trial (SODATE_OBJECTIVE_LOAD is fatal).
    return { type: 'error', message: errorMessage(error), code: 'SODATE_OBJECTIVE_LOAD' };
  }
  const trial = new RemoteTrial(task, transport);
  try {
    const value = await objective(trial);
    return { type: 'done', value };
  } catch (error) {
    if (isTrialPruned(error)) return { type: 'pruned' };
    return errorOutcome(error);
  }
}

export function errorOutcome(error: unknown): TrialOutcome {
  const message = errorMessage(error);
  if (isSodateError(error)) return { type: 'error', message, code: error.code };
  return error instanceof Error && error.stack !== undefined ? { type: 'error', message, stack: error.stack } : { type: 'error', message };
}
