import { errorMessage, StorageError } from '../../errors.js';
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { trialArtifactDirOf } from '../../artifacts/index.js';
import { fileErrorInWords } from '../../artifacts/local-files.js';
import { OWNER_FILE, OwnerCheck, ownerOf } from '../../artifacts/owner.js';
import { artifactsDeleted, recordedArtifacts } from '../../artifacts/record.js';
import type { RemoteArtifactStore } from '../../artifacts/remote.js';
import { artifactsUploaded, parseS3Url, remoteRecordOf } from '../../artifacts/remote.js';
import { defaultLogDir } from '../../run/trial-log.js';
import type { FrozenTrial, StudyRecord } from '../../storage/records.js';
import type { Storage } from '../../storage/storage.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../../storage/storage.js';
import { sqlitePath } from '../../storage/url.js';
import { parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { existingStorageUrlFor, removeSqliteFile } from '../open-study-storage.js';
import { allTrialsOf, withStudy } from './trials.js';


export const DELETE_HELP = `usage: sodate delete <study> [--storage URL] [--keep-files] [--force]

Delete a study and all its trials, with the trial directories its trials recorded
(artifacts/<study>/<trial>/) and their logs in the default log folder (logs/<study>/
next to the SQLite file) on this machine, and the objects its trials uploaded to S3
(artifacts.url). A default study file (studies/<study>.db) left holding no study is
removed too. --keep-files leaves the directories, objects and logs.

A study with RUNNING trials whose heartbeat is fresh (a tune or worker is running them)
is not deleted: stop that run, or wait until their heartbeat is ${DEFAULT_STALE_AFTER_SECONDS}s old (they are
then recorded as failed), or pass --force to delete it anyway (the run then fails to
record them).
`;

/**
 * Refuses (with the way on) to delete a study another process is working on: one with
 * RUNNING trials whose heartbeat is fresh. The storage tells stale from fresh only by failing
 * the stale ones, as any `tune` or `worker` joining the study would, so that is done first
 * (a trial resumed from a pause goes back to paused); RUNNING trials that remain are fresh,
 * or never beat at all (another tool's open trial), which only --force deletes.
 * Returns the study's trials as they are after that.
 */
async function refuseWhileRunning(storage: Storage, study: StudyRecord): Promise<FrozenTrial[]> {
  const trials = await allTrialsOf(storage, study.id);
  if (!trials.some((t) => t.state === 'RUNNING')) return trials;
  await storage.failStaleTrials(study.id, DEFAULT_STALE_AFTER_SECONDS);
  const now = await allTrialsOf(storage, study.id);
  const running = now.filter((t) => t.state === 'RUNNING').map((t) => t.number);
  if (running.length === 0) return now;
  const one = running.length === 1;
  throw new StorageError(
    `sodate delete: study ${study.name} has ${running.length} trial${one ? '' : 's'} (${running.map((n) => `#${n}`).join(', ')}) RUNNING with a fresh heartbeat or none (another process is working on it, or another tool left ${one ? 'it' : 'them'} open); stop that run and try again (a dead process's trials are failed after ${DEFAULT_STALE_AFTER_SECONDS}s without a heartbeat), or pass --force to delete it anyway`,
    'SODATE_STUDY_IN_USE',
  );
}

/**
 * Deletes the objects of every trial that has an S3 record (artifacts.url), whatever its
 * upload and deletion marks say: a run killed mid-upload leaves objects without the mark,
 * and another process may upload after retention marked a trial deleted; deleting a key
 * that is gone is not an error. Returns how many trials still had objects by their marks,
 * and one line per store that failed (its other trials are not tried again).
 */
async function removeTrialObjects(trials: readonly FrozenTrial[]): Promise<{ trials: number; failures: string[] }> {
  const uploaded = trials.filter((t) => remoteRecordOf(t) !== undefined);
  if (uploaded.length === 0) return { trials: 0, failures: [] };
  const { openStoreFor } = await import('../../artifacts/open.js');
  const failures: string[] = [];
  let removed = 0;
  const stores = new Map<string, RemoteArtifactStore>();
  const failed = new Set<string>();
  try {
    for (const trial of uploaded) {
      const record = remoteRecordOf(trial)!;
      const keys = recordedArtifacts(trial).flatMap((f) => {
        const parsed = f.url === undefined ? undefined : parseS3Url(f.url);
        return parsed === undefined || typeof parsed === 'string' ? [] : [parsed.prefix];
      });
      if (keys.length === 0) continue;
      const id = JSON.stringify([record.url.split('/')[2], record.endpoint, record.region]);
      if (failed.has(id)) continue;
      try {
        let store = stores.get(id);
        if (store === undefined) {
          store = await openStoreFor(record);
          stores.set(id, store);
        }
        await store.remove(keys);
        // Counted as the user sees it: the trials whose objects were still there by the marks.
        if (artifactsUploaded(trial) && !artifactsDeleted(trial)) removed++;
      } catch (error) {
        failed.add(id);
        const endpoint = record.endpoint === undefined ? '' : ` --endpoint-url ${record.endpoint}`;
        const prefix = record.url.replace(/\/\d+\/?$/, '/');
        failures.push(`the trials' objects under ${prefix} were not deleted (${errorMessage(error)}); delete them with \`aws s3 rm --recursive ${prefix}${endpoint}\``);
      }
    }
  } finally {
    for (const store of stores.values()) store.close();
  }
  return { trials: removed, failures };
}

/** What removing a study's files left behind: folders another study claims (kept on purpose), and what could not be removed. */
interface LeftBehind {
  /** One phrase per folder kept because another study claims it. */
  readonly kept: string[];
  /** One phrase per directory or file whose removal failed, with why. */
  readonly failed: string[];
}

/**
 * Removes the trial directories a study's trials recorded, each only where it has the
 * `<root>/<study>/<number>` shape sodate gives them (a hand-edited attribute naming any
 * other folder is left alone) and `<root>/<study>` is not claimed by another study (a
 * study of the same name in another storage took the folder over: they are its files
 * now); then `<root>/<study>`, its owner file with it, when nothing else is in it. A
 * directory that cannot be removed is noted in `left` and the others are still removed.
 */
function removeTrialDirectories(study: string, trials: readonly FrozenTrial[], owners: OwnerCheck, left: LeftBehind): number {
  let removed = 0;
  const byFolder = new Map<string, string[]>();
  for (const trial of trials) {
    const dir = trialArtifactDirOf(trial);
    if (dir === undefined || basename(dir) !== String(trial.number) || basename(dirname(dir)) !== study) continue;
    byFolder.set(dirname(dir), [...(byFolder.get(dirname(dir)) ?? []), dir]);
  }
  for (const [folder, dirs] of byFolder) {
    const foreign = owners.foreign(folder);
    if (foreign !== undefined) {
      const there = dirs.filter((dir) => existsSync(dir)).length;
      if (there > 0) left.kept.push(`${there} trial director${there === 1 ? 'y' : 'ies'} in ${folder}: it ${foreign}, not to this study`);
      continue;
    }
    let failed = false;
    for (const dir of dirs) {
      // Counted only when there: retention, or an upload to S3, may have removed it already.
      if (!existsSync(dir)) continue;
      try {
        rmSync(dir, { recursive: true, force: true });
        removed++;
      } catch (error) {
        failed = true;
        left.failed.push(`${dir} (${fileErrorInWords(error)})`);
      }
    }
    if (!failed) releaseFolder(folder);
  }
  return removed;
}

/** Remove a study's folder once only its owner file is left in it (the claim goes with the study). */
function releaseFolder(folder: string): void {
  try {
    const names = readdirSync(folder);
    if (names.length === 1 && names[0] === OWNER_FILE) rmSync(join(folder, OWNER_FILE));
  } catch {
    // Already gone, or not ours to read: nothing to tidy.
  }
  removeIfEmpty(folder);
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Already gone, or not ours to read: nothing to tidy.
  }
}

/** `<logs>/<study>/<number>.log` and a command trial's `<number>.params.json`, then the folder when it is empty; a file that cannot be removed is noted in `left`. */
function removeTrialLogs(logDir: string, study: string, trials: readonly FrozenTrial[], owners: OwnerCheck, left: LeftBehind): void {
  const folder = resolve(logDir, study);
  const foreign = owners.foreign(folder);
  if (foreign !== undefined) {
    left.kept.push(`the trial logs in ${folder}: it ${foreign}, not to this study`);
    return;
  }
  for (const trial of trials) {
    for (const suffix of ['.log', '.params.json']) {
      const file = resolve(folder, `${trial.number}${suffix}`);
      try {
        rmSync(file, { force: true });
      } catch (error) {
        left.failed.push(`${file} (${fileErrorInWords(error)})`);
      }
    }
  }
  releaseFolder(folder);
}

export async function deleteCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('delete', argv, { storage: { type: 'string' }, 'keep-files': { type: 'boolean' }, force: { type: 'boolean' } }, { min: 1, max: 1, names: 'a study name' });
  if (values['help']) {
    io.out.write(DELETE_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  // The file withStudy opens: a stage's study <study>.<stage> lives in studies/<study>.db.
  const defaultFile = values['storage'] === undefined ? sqlitePath(existingStorageUrlFor(name, undefined, io)) : undefined;
  const { remaining, failed } = await withStudy('delete', name, values['storage'], io, async (storage, study) => {
    const trials = values['force'] === true ? await allTrialsOf(storage, study.id) : await refuseWhileRunning(storage, study);
    await storage.deleteStudy(study.id);
    // Files go after the rows: a crash in between leaves files without a study, never a study without its files.
    let files = '';
    const left: LeftBehind = { kept: [], failed: [] };
    let dirs = 0;
    if (values['keep-files'] !== true) {
      const owners = new OwnerCheck(ownerOf(study, storage.url));
      dirs = removeTrialDirectories(name, trials, owners, left);
      removeTrialLogs(defaultLogDir(storage.url, io.cwd), name, trials, owners, left);
      const objects = await removeTrialObjects(trials);
      for (const line of objects.failures) io.err.write(`sodate delete: ${line}\n`);
      const parts = [...(dirs > 0 ? [`${dirs} trial director${dirs === 1 ? 'y' : 'ies'}`] : []), ...(objects.trials > 0 ? [`${objects.trials} trial${objects.trials === 1 ? "'s" : "s'"} objects in S3`] : [])];
      if (parts.length > 0) files = `, and ${parts.join(' and ')}`;
    }
    println(io.out, `deleted study ${name} (${trials.length} trials${files}) from ${storage.url}`);
    for (const line of left.kept) io.err.write(`sodate delete: left ${line}\n`);
    if (left.failed.length > 0) {
      const removed = dirs > 0 ? `, with ${dirs} trial director${dirs === 1 ? 'y' : 'ies'},` : '';
      io.err.write(`sodate delete: study ${name} is deleted${removed} but ${left.failed.length} of its files or directories could not be removed: ${left.failed.join('; ')}; remove them by hand\n`);
    }
    return { remaining: (await storage.listStudies()).length, failed: left.failed.length > 0 };
  });
  if (remaining === 0 && defaultFile !== undefined) {
    removeSqliteFile(resolve(io.cwd, defaultFile));
  }
  return failed ? 1 : 0;
}
