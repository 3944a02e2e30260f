import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { JsonValue } from '../json.js';

/**
 * What sodate stores on a trial that saved a checkpoint (system attributes), so that a
 * paused trial can be resumed by any process reading the study. The paused marker itself
 * is `PAUSED_ATTR` (src/storage/records.ts).
 */

/** The checkpoint file, relative to the trial's directory (`SODATE_TRIAL_DIR`). */
export const CHECKPOINT_ATTR = 'sodate:checkpoint';
/** The last step the checkpoint holds: a resumed run continues after it. */
export const CHECKPOINT_STEP_ATTR = 'sodate:checkpoint_step';
/** The last step a paused trial reported before it was stopped. */
export const PAUSED_STEP_ATTR = 'sodate:paused_step';
/** How many times the trial was resumed. */
export const RESUMES_ATTR = 'sodate:resumes';

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
