import { createHash } from 'node:crypto';
import { accessSync, constants, createWriteStream, mkdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FrozenTrial } from '../storage/records.js';
import type { ArtifactEntry } from './listing.js';
import { artifactEntries, inside, keyOfUrl } from './listing.js';
import { ArtifactCopyError, isLocalFileError, fileErrorInWords } from './local-files.js';
import type { RemoteArtifactStore } from './remote.js';
import { sha256Of } from './record.js';

/** What copying a trial's entries did: the entries copied, and those that were not (`why` set when the reason is not their status). */
export interface CopyResult {
  readonly copied: ArtifactEntry[];
  readonly skipped: ArtifactEntry[];
}

/** Why a file whose contents are no longer the recorded ones was not copied. */
export const CHANGED_SINCE_RECORDED = 'changed since it was recorded (its sha256 differs)';

function cannotCopyInto(target: string, reason: string): ArtifactCopyError {
  return new ArtifactCopyError(`cannot copy into ${target}: ${reason}; give --copy-to a directory you can write (it is created if missing)`);
}

/**
 * Refuse a target that cannot take the files before any is copied: an existing file, a
 * folder under a file, one not writable. Nothing is created here (a copy of nothing leaves
 * no empty folder behind).
 */
function checkTarget(target: string): void {
  for (let path = target; ; path = dirname(path)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(path) !== path) continue;
      throw cannotCopyInto(target, fileErrorInWords(error));
    }
    if (!isDirectory) throw cannotCopyInto(target, path === target ? 'it is a file, not a directory' : `it lies under the file ${path}`);
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      throw cannotCopyInto(target, `${path === target ? '' : `${path}: `}${fileErrorInWords(error)}`);
    }
    return;
  }
}

/** A stream that passes its chunks on and hashes them. */
function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/**
 * Copy one local file to `to` (never following a link), hashing it on the way: a file whose
 * sha256 is no longer the recorded one is not copied (an empty record is not checked). The
 * copy is written beside `to` and renamed, so `to` is never left half written. Returns
 * undefined when copied, else why not; throws ArtifactCopyError when the target cannot be written.
 */
async function copyLocal(from: string, to: string, sha256: string, target: string): Promise<string | undefined> {
  const partial = `${to}.sodate-copy`;
  let made: string | undefined;
  try {
    made = mkdirSync(dirname(to), { recursive: true });
  } catch (error) {
    throw cannotCopyInto(target, `${dirname(to)}: ${fileErrorInWords(error)}`);
  }
  const why = await copyInto(from, to, partial, sha256, target);
  if (why !== undefined) removeEmptyUpTo(dirname(to), made);
  return why;
}

/** Remove the folders `mkdirSync` made for a file that was not copied after all (from `dir` up to `made`), while empty: a copy of nothing leaves nothing. */
function removeEmptyUpTo(dir: string, made: string | undefined): void {
  if (made === undefined) return;
  for (let path = dir; ; path = dirname(path)) {
    try {
      rmdirSync(path);
    } catch {
      return;
    }
    if (path === made || dirname(path) === path) return;
  }
}

/** `copyLocal` once the folder is there: read (hashing), write `partial`, rename it to `to` if the hash is the recorded one. */
async function copyInto(from: string, to: string, partial: string, sha256: string, target: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  let source;
  try {
    // O_NOFOLLOW: a link put in the file's place since it was listed is refused.
    source = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    // Gone (or a link) since it was listed: not copied, as a missing file is not.
    return `could not be read (${fileErrorInWords(error)})`;
  }
  try {
    await pipeline(source.createReadStream(), hashing(hash), createWriteStream(partial));
  } catch (error) {
    rmSync(partial, { force: true });
    throw cannotCopyInto(target, isLocalFileError(error) ? `${error.path === partial ? to : error.path}: ${fileErrorInWords(error)}` : fileErrorInWords(error));
  } finally {
    await source.close().catch(() => undefined);
  }
  if (sha256 !== '' && hash.digest('hex') !== sha256) {
    rmSync(partial, { force: true });
    return CHANGED_SINCE_RECORDED;
  }
  try {
    renameSync(partial, to);
  } catch (error) {
    rmSync(partial, { force: true });
    throw cannotCopyInto(target, `${to}: ${fileErrorInWords(error)}`);
  }
  return undefined;
}

/** Download one object to `to` and check it against its recorded sha256 (a mismatch is removed again). */
async function download(store: RemoteArtifactStore, key: string, to: string, sha256: string, target: string): Promise<string | undefined> {
  let made: string | undefined;
  try {
    made = mkdirSync(dirname(to), { recursive: true });
    await store.get(key, to);
  } catch (error) {
    if (error instanceof ArtifactCopyError && error.reason !== undefined) throw cannotCopyInto(target, `${error.file ?? to}: ${error.reason}`);
    if (isLocalFileError(error)) throw cannotCopyInto(target, `${error.path}: ${fileErrorInWords(error)}`);
    removeEmptyUpTo(dirname(to), made);
    throw error;
  }
  if (sha256 !== '' && (await sha256Of(to, statSync(to).size)) !== sha256) {
    rmSync(to, { force: true });
    removeEmptyUpTo(dirname(to), made);
    return CHANGED_SINCE_RECORDED;
  }
  return undefined;
}

/**
 * Copy entries that are present into `target` (sub-folders kept): local files are copied
 * (never following a link), uploaded ones downloaded from `store`; each is checked against
 * its recorded sha256 as it is copied, since the listing checks sizes only. Returns the
 * entries copied and those that were not (deleted, missing, changed). A target that cannot
 * be written is refused in one line (ArtifactCopyError) before anything is copied.
 */
export async function copyEntries(entries: readonly ArtifactEntry[], target: string, store: RemoteArtifactStore | undefined): Promise<CopyResult> {
  const copied: ArtifactEntry[] = [];
  const skipped: ArtifactEntry[] = [];
  if (entries.some((e) => e.status === 'present')) checkTarget(target);
  for (const entry of entries) {
    const to = inside(target, entry.name);
    const key = keyOfUrl(entry.url);
    let why: string | undefined;
    if (entry.status !== 'present' || to === undefined) {
      skipped.push(entry);
      continue;
    } else if (entry.path !== undefined) {
      why = await copyLocal(entry.path, to, entry.sha256, target);
    } else if (key !== undefined && store !== undefined) {
      why = await download(store, key, to, entry.sha256, target);
    } else {
      skipped.push(entry);
      continue;
    }
    if (why === undefined) copied.push(entry);
    else skipped.push({ ...entry, status: 'missing', why });
  }
  return { copied, skipped };
}

/**
 * Copy a trial's present local files into `target` (sub-folders kept); never follows a
 * link. Returns the entries copied and those that were not (deleted, missing, changed).
 */
export function copyArtifacts(trial: FrozenTrial, target: string): Promise<CopyResult> {
  return copyEntries(artifactEntries(trial), target, undefined);
}

/** `target/<trial>` for one of several trials copied side by side. */
export function copyTargetFor(target: string, trial: FrozenTrial, several: boolean): string {
  return several ? join(target, String(trial.number)) : target;
}
