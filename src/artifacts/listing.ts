import { copyFileSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { FrozenTrial } from '../storage/records.js';
import type { ArtifactFile } from './record.js';
import { artifactsDeleted, recordedArtifacts, trialArtifactDirOf } from './record.js';

/** present: on disk as recorded (same size); deleted: retention removed it; missing: gone, or changed size, otherwise. */
export type ArtifactStatus = 'present' | 'deleted' | 'missing';

export interface ArtifactEntry extends ArtifactFile {
  readonly trial: number;
  readonly state: FrozenTrial['state'];
  /** Where the file is (or was) on disk; undefined when its name would leave the trial's directory. */
  readonly path: string | undefined;
  readonly status: ArtifactStatus;
}

/** `root/name`, or undefined when the name leaves `root` (a hand-edited attribute). */
function inside(root: string, name: string): string | undefined {
  const path = resolve(root, name);
  const rel = relative(resolve(root), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? undefined : path;
}

function isRegularFile(path: string, size: number): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isFile() && (size < 0 || stat.size === size);
  } catch {
    return false;
  }
}

/** The files recorded on a trial, each with its status on this machine's disk. */
export function artifactEntries(trial: FrozenTrial): ArtifactEntry[] {
  const dir = trialArtifactDirOf(trial);
  const deleted = artifactsDeleted(trial);
  return recordedArtifacts(trial).map((file) => {
    const path = dir === undefined ? undefined : inside(dir, file.name);
    const status: ArtifactStatus = deleted ? 'deleted' : path !== undefined && isRegularFile(path, file.size) ? 'present' : 'missing';
    return { ...file, trial: trial.number, state: trial.state, path, status };
  });
}

/**
 * Copy a trial's present files into `target` (sub-folders kept); never follows a link.
 * Returns the entries copied and those that were not (deleted, missing).
 */
export function copyArtifacts(trial: FrozenTrial, target: string): { copied: ArtifactEntry[]; skipped: ArtifactEntry[] } {
  const copied: ArtifactEntry[] = [];
  const skipped: ArtifactEntry[] = [];
  for (const entry of artifactEntries(trial)) {
    const to = inside(target, entry.name);
    if (entry.status !== 'present' || entry.path === undefined || to === undefined) {
      skipped.push(entry);
      continue;
    }
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(entry.path, to);
    copied.push(entry);
  }
  return { copied, skipped };
}

/** `target/<trial>` for one of several trials copied side by side. */
export function copyTargetFor(target: string, trial: FrozenTrial, several: boolean): string {
  return several ? join(target, String(trial.number)) : target;
}
