import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { JsonValue } from '../json.js';
import { CHECKPOINT_ATTR, CHECKPOINT_STEP_ATTR } from '../storage/metadata.js';
import { isInside } from '../paths.js';

// What sodate stores on a trial that saved a checkpoint (system attributes, keys in
// src/storage/metadata.ts), so that a paused trial can be resumed by any process reading the study.

/** Where a resumed trial picks up: its checkpoint file and the step it holds. */
export interface ResumePoint {
  /** Absolute path of the checkpoint file. */
  readonly path: string;
  readonly step: number;
}

/**
 * Why the file `name` under `dir` cannot be resumed from because a symbolic link on its way
 * (the file itself, or a folder above it) leads out of `dir`, as the artifact recorder
 * refuses such a link; undefined when none does, or the file is not there (yet). A link
 * to a file inside `dir` is fine: what it names stays in the trial's directory.
 */
function linkLeaving(dir: string, name: string, shown: string): string | undefined {
  let real: string;
  let root: string;
  try {
    real = realpathSync(join(dir, name));
    root = realpathSync(dir);
  } catch {
    return undefined;
  }
  if (isInside(root, real)) return undefined;
  // Name the link the way leaves by: the first part of the path that is one.
  let link = join(dir, name);
  let path = dir;
  for (const part of name.split(sep)) {
    path = join(path, part);
    try {
      if (lstatSync(path).isSymbolicLink()) {
        link = path;
        break;
      }
    } catch {
      break;
    }
  }
  let target: string;
  try {
    target = resolve(dirname(link), readlinkSync(link));
  } catch {
    target = real;
  }
  return `checkpoint ${shown} is a symbolic link${link === join(dir, name) ? '' : ` (${link})`} to ${target}, outside the trial's directory ${dir}; not used (copy the file into the directory instead)`;
}

/**
 * The checkpoint `path` a trial named (relative to its directory, or absolute inside it),
 * as a path relative to `dir`; a string starting with "refused:" says why it cannot be one:
 * outside the directory by name, or by a symbolic link leading out of it.
 */
export function checkpointName(dir: string, path: string): { name: string } | { refused: string } {
  if (typeof path !== 'string' || path.length === 0) return { refused: `a checkpoint must name a file, got ${JSON.stringify(path)}` };
  const name = relative(dir, resolve(dir, path));
  if (name === '' || name === '..' || name.startsWith(`..${sep}`) || isAbsolute(name)) {
    return { refused: `checkpoint ${path} is outside the trial's directory ${dir}; save it under SODATE_TRIAL_DIR (trial.artifactDir)` };
  }
  const leaving = linkLeaving(dir, name, path);
  return leaving === undefined ? { name } : { refused: leaving };
}

/**
 * Why the checkpoint file at `path` (in the trial's directory `dir`) cannot be resumed
 * from: it is missing, or a symbolic link leads out of `dir` (put there after the trial
 * named it); undefined when it can.
 */
export function checkpointProblem(dir: string, path: string): string | undefined {
  try {
    statSync(path);
  } catch {
    return `checkpoint ${path} is missing`;
  }
  return linkLeaving(dir, relative(dir, path), path);
}

/** The resume point recorded on a trial, if it saved a checkpoint in `dir`. */
export function resumePointOf(dir: string | undefined, attrs: Readonly<Record<string, JsonValue>>): ResumePoint | undefined {
  const name = attrs[CHECKPOINT_ATTR];
  const step = attrs[CHECKPOINT_STEP_ATTR];
  if (dir === undefined || typeof name !== 'string' || typeof step !== 'number') return undefined;
  return { path: resolve(dir, name), step };
}
