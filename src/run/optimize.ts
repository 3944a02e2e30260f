import type { FrozenTrial } from '../storage/records.js';
import type { Objective, OptimizeOptions } from '../study/optimize.js';
import type { Study } from '../study/study.js';
import { InlineSlots } from './inline-slots.js';
import { runOrchestrator } from './orchestrator.js';
import type { Slot } from './slots.js';

/**
 * `study.optimize`: the orchestrator with `nJobs` inline slots (the objective runs in this
 * thread; with several jobs their trials interleave at each `await`). The API's loop is then
 * the CLI's: heartbeats, stale trials of dead processes failed (and re-queued with
 * `retries`), a per-trial timeout, and one mapping of how a trial ended to what is told.
 * The package root plugs it into `Study.optimize` (src/index.ts), which `study/` cannot
 * import.
 */
export async function optimizeInline(study: Study, objective: Objective, options: OptimizeOptions = {}): Promise<FrozenTrial[]> {
  const nJobs = options.nJobs ?? 1;
  if (!Number.isInteger(nJobs) || nJobs < 1) throw new RangeError(`nJobs must be a positive integer, got ${nJobs}`);
  const slots: Slot[] = Array.from({ length: nJobs }, (_, i) => ({ name: `inline#${i}`, device: 'cpu', gpu: null }));
  const finished: FrozenTrial[] = [];
  const runner = new InlineSlots(objective);
  try {
    await runOrchestrator({
      study,
      runner,
      slots,
      reporter: {},
      maxTrials: options.maxTrials,
      nTrials: options.nTrials,
      timeoutSeconds: options.timeoutSeconds,
      trialTimeoutSeconds: options.trialTimeoutSeconds,
      retries: options.retries ?? 0,
      signal: options.signal ?? new AbortController().signal,
      // Trials another process runs are its own business: this call returns when its trials end.
      waitForOthers: false,
      undeclaredConstraints: true,
      afterTrial: async (trial) => {
        finished.push(trial);
        for (const callback of options.callbacks ?? []) await callback(study, trial);
      },
      info: { metric: 'value', samplerName: study.sampler.constructor.name, prunerName: study.pruner.constructor.name },
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  } finally {
    await runner.close();
  }
  return finished;
}
