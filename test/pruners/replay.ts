import type { FrozenTrial } from '../../src/storage/records.js';
import type { Pruner } from '../../src/policies/policies.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

/** One trial's reports in order: [step, value]; null stands for NaN. */
export type Reports = readonly (readonly [number, number | null])[];

/**
 * Replay a sequential study the way `Study` drives a pruner: each trial reports step by
 * step, the pruner is asked after each report with the trial as it was asked (system
 * attributes written by the pruner only show in the history), and the trial ends PRUNED,
 * COMPLETE with its last value, or FAIL when that value is NaN. Returns, per trial,
 * [step, pruned] for every check up to the first prune.
 */
export function replay(pruner: Pruner, trials: readonly Reports[], direction: 'minimize' | 'maximize' = 'minimize', name = 'parity'): (readonly [number, boolean])[][] {
  const history: FrozenTrial[] = [];
  const view = makeStudyView(history, direction, name);
  const log: (readonly [number, boolean])[][] = [];
  for (const [number, reports] of trials.entries()) {
    const intermediate: [number, number][] = [];
    history.push(makeTrial({ number, intermediate }));
    const decisions: (readonly [number, boolean])[] = [];
    let pruned = false;
    for (const [step, raw] of reports) {
      const value = raw === null ? NaN : raw;
      const existing = intermediate.findIndex(([s]) => s === step);
      if (existing >= 0) intermediate.splice(existing, 1);
      intermediate.push([step, value]);
      const stored = history[number] as FrozenTrial;
      history[number] = { ...stored, intermediateValues: new Map(intermediate) };
      const asked = makeTrial({ number, intermediate });
      const decision = pruner.prune(view, asked);
      decisions.push([step, decision]);
      if (decision) {
        pruned = true;
        break;
      }
    }
    const last = intermediate.length > 0 ? (intermediate[intermediate.length - 1] as [number, number])[1] : NaN;
    const stored = history[number] as FrozenTrial;
    const state = pruned ? 'PRUNED' : Number.isNaN(last) ? 'FAIL' : 'COMPLETE';
    history[number] = { ...stored, state, values: state === 'COMPLETE' ? [last] : null, datetimeComplete: new Date(0) };
    log.push(decisions);
  }
  return log;
}
