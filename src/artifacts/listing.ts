import { copyFileSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { FrozenTrial } from '../storage/records.js';
import type { ArtifactFile } from './record.js';
import { artifactsDeleted, recordedArtifacts, trialArtifactDirOf } from './record.js';
import type { RemoteArtifactStore } from './remote.js';
import { artifactsUploaded, parseS3Url, remoteRecordOf } from './remote.js';

/**
 * present: on disk (or in the object store) as recorded (same size); deleted: retention
 * removed it; missing: gone, or changed size, otherwise; uploaded: in the object store, not
 * checked yet (`remoteArtifactEntries` checks).
 */
export type ArtifactStatus = 'present' | 'deleted' | 'missing' | 'uploaded';

export interface ArtifactEntry extends ArtifactFile {
  readonly trial: number;
  readonly state: FrozenTrial['state'];
  /** Where the file is (or was) on disk; undefined when its name would leave the trial's directory. */
  readonly path: string | undefined;
  readonly status: ArtifactStatus;
}

/** The object key an `s3://bucket/key` URL names. */
function keyOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const parsed = parseS3Url(url);
  return typeof parsed === 'string' ? undefined : parsed.prefix;
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

/**
 * The files recorded on a trial, each with its status on this machine's disk; files a trial
 * uploaded to an object store are `uploaded` (the store is not asked here). Before the upload
 * (the store was unreachable) they are listed from the local staging directory.
 */
export function artifactEntries(trial: FrozenTrial): ArtifactEntry[] {
  const dir = trialArtifactDirOf(trial);
  const deleted = artifactsDeleted(trial);
  const uploaded = artifactsUploaded(trial);
  return recordedArtifacts(trial).map((file) => {
    const path = dir === undefined ? undefined : inside(dir, file.name);
    const status: ArtifactStatus = deleted ? 'deleted' : uploaded && file.url !== undefined ? 'uploaded' : path !== undefined && isRegularFile(path, file.size) ? 'present' : 'missing';
    return { ...file, trial: trial.number, state: trial.state, path: status === 'uploaded' ? undefined : path, status };
  });
}

/** A trial's entries with its uploaded files looked up in `store` (one listing of the trial's prefix): present at the recorded size, else missing. */
export async function remoteArtifactEntries(trial: FrozenTrial, store: RemoteArtifactStore): Promise<ArtifactEntry[]> {
  const entries = artifactEntries(trial);
  const prefix = keyOfUrl(remoteRecordOf(trial)?.url);
  if (prefix === undefined || !entries.some((e) => e.status === 'uploaded')) return entries;
  const objects = await store.list(prefix.endsWith('/') ? prefix : `${prefix}/`);
  return entries.map((e) => {
    if (e.status !== 'uploaded') return e;
    const key = keyOfUrl(e.url);
    const size = key === undefined ? undefined : objects.get(key);
    return { ...e, status: size !== undefined && (e.size < 0 || size === e.size) ? 'present' : 'missing' };
  });
}

/**
 * Copy entries that are present into `target` (sub-folders kept): local files are copied
 * (never following a link), uploaded ones downloaded from `store`. Returns the entries
 * copied and those that were not (deleted, missing).
 */
export async function copyEntries(entries: readonly ArtifactEntry[], target: string, store: RemoteArtifactStore | undefined): Promise<{ copied: ArtifactEntry[]; skipped: ArtifactEntry[] }> {
  const copied: ArtifactEntry[] = [];
  const skipped: ArtifactEntry[] = [];
  for (const entry of entries) {
    const to = inside(target, entry.name);
    const key = keyOfUrl(entry.url);
    if (entry.status !== 'present' || to === undefined) skipped.push(entry);
    else if (entry.path !== undefined) {
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(entry.path, to);
      copied.push(entry);
    } else if (key !== undefined && store !== undefined) {
      await store.get(key, to);
      copied.push(entry);
    } else skipped.push(entry);
  }
  return { copied, skipped };
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
