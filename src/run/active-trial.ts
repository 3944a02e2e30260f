import type { StudyTrial } from '../study/trial.js';
import type { RunningTrial, Slot } from './slots.js';
import type { TrialLog } from './trial-log.js';

/** What the orchestrator knows of a trial it runs, from dispatch until it is told. */
export interface ActiveTrial {
  readonly trial: StudyTrial;
  readonly slot: Slot;
  readonly log: TrialLog;
  /** The trial's artifact directory, once created. */
  artifactDir?: string;
  run: RunningTrial | undefined;
  /** The loop said stop: the trial is PRUNED however it ends. */
  stopSaid: boolean;
  /** Reports are stored in order. */
  reports: Promise<unknown>;
  /** Why the trial fails whatever it returns (a constraint the space file does not declare). */
  failure?: string;
  /** The highest step reported so far (for a resumed trial: its checkpoint's step at first). */
  lastStep: number | undefined;
  /** The last checkpoint the trial saved (a resumed trial starts with the one it was resumed from). */
  checkpoint: { readonly name: string; readonly step: number } | undefined;
  /** The trial was resumed from a checkpoint here: a stale check elsewhere puts such a trial back to paused, not FAIL. */
  resumed: boolean;
}
