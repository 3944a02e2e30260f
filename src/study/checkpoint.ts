import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { JsonValue } from '../json.js';
import { CHECKPOINT_ATTR, CHECKPOINT_STEP_ATTR } from '../storage/metadata.js';

// What sodate stores on a trial that saved a checkpoint (system attributes, keys in
// src/storage/metadata.ts), so that a paused trial can be resumed by any process reading the study.

/** Where a resumed trial picks up: its checkpoint file and the step it holds. */
export interface ResumePoint {
  /** Absolute path of the checkpoint file. */
  readonly path: string;
  readonly step: number;
}

/**
 * The checkpoint `path` a trial named (relative to its directory, or absolute inside it),
 * as a path relative to `dir`; a string starting with "refused:" says why it cannot be one.
 */
export function checkpointName(dir: string, path: string): { name: string } | { refused: string } {
  if (typeof path !== 'string' || path.length === 0) return { refused: `a checkpoint must name a file, got ${JSON.stringify(path)}` };
  const name = relative(dir, resolve(dir, path));
  if (name === '' || name === '..' || name.startsWith(`..${sep}`) || isAbsolute(name)) {
    return { refused: `checkpoint ${path} is outside the trial's directory ${dir}; save it under SODATE_TRIAL_DIR (trial.artifactDir)` };
  }
  return { name };
}

/** The resume point recorded on a trial, if it saved a checkpoint in `dir`. */
export function resumePointOf(dir: string | undefined, attrs: Readonly<Record<string, JsonValue>>): ResumePoint | undefined {
  const name = attrs[CHECKPOINT_ATTR];
  const step = attrs[CHECKPOINT_STEP_ATTR];
  if (dir === undefined || typeof name !== 'string' || typeof step !== 'number') return undefined;
  return { path: resolve(dir, name), step };
}
