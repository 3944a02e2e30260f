import { lstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FrozenTrial } from '../storage/records.js';
import type { ArtifactFile } from './record.js';
import { artifactsDeleted, recordedArtifacts, trialArtifactDirOf } from './record.js';
import type { OwnerCheck } from './owner.js';
import type { RemoteArtifactStore } from './remote.js';
import { artifactsUploaded, parseS3Url, remoteRecordOf } from './remote.js';
import { isInside } from '../paths.js';

/**
 * present: a regular file of the recorded size at the recorded place, on this machine's disk
 * (a trial waiting for its upload: in the local staging directory) or in the object store;
 * the contents are not hashed here (`--copy-to` checks the sha256 as it copies). deleted:
 * retention removed it. missing: otherwise: gone, a different size or not a regular file,
 * or its folder now belongs to another study (`why` says so). uploaded: in the object
 * store, not checked yet (`remoteArtifactEntries` checks).
 */
export type ArtifactStatus = 'present' | 'deleted' | 'missing' | 'uploaded';

export interface ArtifactEntry extends ArtifactFile {
  readonly trial: number;
  readonly state: FrozenTrial['state'];
  /** Where the file is (or was) on disk; undefined when its name would leave the trial's directory. */
  readonly path: string | undefined;
  readonly status: ArtifactStatus;
  /** Why a file is missing when it is not for the plain reasons: its folder is another study's. */
  readonly why?: string;
}

/** The object key an `s3://bucket/key` URL names. */
export function keyOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const parsed = parseS3Url(url);
  return typeof parsed === 'string' ? undefined : parsed.prefix;
}

/** `root/name`, or undefined when the name leaves `root` (a hand-edited attribute). */
export function inside(root: string, name: string): string | undefined {
  const path = resolve(root, name);
  return isInside(resolve(root), path) ? path : undefined;
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
 * (the store was unreachable) they are listed from the local staging directory, at their
 * path there and without the URL they will have. With `owners` (the study the trial is
 * of), files in a folder another study now claims are missing, never that study's files.
 */
export function artifactEntries(trial: FrozenTrial, owners?: OwnerCheck): ArtifactEntry[] {
  const dir = trialArtifactDirOf(trial);
  const deleted = artifactsDeleted(trial);
  const uploaded = artifactsUploaded(trial);
  const folder = dir === undefined ? undefined : dirname(dir);
  const owner = folder === undefined || owners === undefined ? undefined : owners.foreign(folder);
  const foreign = owner === undefined ? undefined : `${folder as string} ${owner}`;
  return recordedArtifacts(trial).map((file) => {
    const path = dir === undefined ? undefined : inside(dir, file.name);
    if (!deleted && uploaded && file.url !== undefined) return { ...file, trial: trial.number, state: trial.state, path: undefined, status: 'uploaded' };
    // Never uploaded (yet): its URL names no object, only where it would have gone.
    const local: ArtifactFile = { name: file.name, size: file.size, sha256: file.sha256 };
    const status: ArtifactStatus = deleted ? 'deleted' : foreign === undefined && path !== undefined && isRegularFile(path, file.size) ? 'present' : 'missing';
    return { ...(uploaded ? file : local), trial: trial.number, state: trial.state, path, status, ...(status === 'missing' && foreign !== undefined ? { why: foreign } : {}) };
  });
}

/** A trial's entries with its uploaded files looked up in `store` (one listing of the trial's prefix): present at the recorded size, else missing. */
export async function remoteArtifactEntries(trial: FrozenTrial, store: RemoteArtifactStore, owners?: OwnerCheck): Promise<ArtifactEntry[]> {
  const entries = artifactEntries(trial, owners);
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
