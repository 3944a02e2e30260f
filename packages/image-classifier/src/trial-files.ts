import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue, SlotTrial, Trial } from 'sodate';
import type { Checkpoint } from './checkpoint.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { saveModelFiles } from './model-files.js';
import type { EpochResult, EpochSnapshot, TrainerState } from './trainer.js';

/** The checkpoint each epoch overwrites, in the trial's directory. */
export const CHECKPOINT_FILE = 'checkpoint.bin';

/**
 * What a trial offers beyond `Trial` when a slot runs it (`sodate tune`, `study.optimize`):
 * its directory, a resumed run's checkpoint, `saveCheckpoint` and its log. A trial of the
 * ask/tell API has none of them.
 */
export interface TrialFiles {
  readonly dir: string | undefined;
  readonly resumeFrom: string | undefined;
  saveCheckpoint(path: string, step: number): void;
  /** The trial's log (`sodate logs`); standard output where the trial has none. */
  log(text: string): void;
}

export function trialFiles(trial: Trial): TrialFiles {
  const slot = trial as Partial<SlotTrial>;
  const log = typeof slot.log === 'function' ? slot.log.bind(trial) : (text: string) => console.log(text);
  const save = typeof slot.saveCheckpoint === 'function' ? slot.saveCheckpoint.bind(trial) : undefined;
  return {
    dir: typeof slot.artifactDir === 'string' && save !== undefined ? slot.artifactDir : undefined,
    resumeFrom: typeof slot.resumeFrom === 'string' ? slot.resumeFrom : undefined,
    saveCheckpoint: (path, step) => save?.(path, step),
    log,
  };
}

export interface BestEpoch {
  readonly value: number;
  readonly step: number;
  readonly result: EpochResult;
}

/** Where a trial is beyond the trainer's state: what its finished folds and its best epoch were. */
export interface TrialProgress {
  /** The index (into the trial's splits) of the fold the trainer state belongs to. */
  readonly fold: number;
  /** Each finished fold's last epoch, this one's included once its last epoch is done. */
  readonly finals: readonly EpochResult[];
  readonly best: BestEpoch | null;
  readonly imagesPerSecond: number;
  /** The options that shape the steps, to refuse a checkpoint of another layout. */
  readonly epochs: number;
  readonly folds: number;
}

/** Write the checkpoint of `progress` and the trainer's state after an epoch, then name it to sodate for `step`. */
export function saveTrialCheckpoint(files: TrialFiles, progress: TrialProgress, snapshot: EpochSnapshot, step: number): void {
  if (files.dir === undefined) return;
  writeCheckpoint(join(files.dir, CHECKPOINT_FILE), { meta: progress as unknown as JsonValue, state: snapshot.state() });
  files.saveCheckpoint(CHECKPOINT_FILE, step);
}

/** A resumed run's checkpoint, refused (one line) when it was saved with another number of epochs or folds. */
export function readTrialCheckpoint(path: string, epochs: number, folds: number): { progress: TrialProgress; state: TrainerState } {
  const checkpoint: Checkpoint = readCheckpoint(path);
  const progress = checkpoint.meta as unknown as TrialProgress;
  if (progress.epochs !== epochs || progress.folds !== folds) {
    throw new Error(`checkpoint ${path} was saved with ${progress.epochs} epochs and ${progress.folds} fold(s); this run has ${epochs} and ${folds}`);
  }
  return { progress, state: checkpoint.state };
}

/** The checkpoint is for pausing only: once the trial is done its model files are what stays. */
export function removeTrialCheckpoint(files: TrialFiles): void {
  if (files.dir !== undefined) rmSync(join(files.dir, CHECKPOINT_FILE), { force: true });
}

/** Save the model as validated after `result` into `dir`, with what it is in model.json's metadata. */
export async function saveTrialModel(dir: string, snapshot: EpochSnapshot, metadata: Record<string, JsonValue>): Promise<void> {
  const model = snapshot.exportModel();
  try {
    await saveModelFiles(model, dir, { sodate: metadata });
  } finally {
    model.dispose();
  }
}
