import { errorMessage, StorageError } from '../../errors.js';
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { trialArtifactDirOf } from '../../artifacts/index.js';
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

/**
 * Removes the trial directories a study's trials recorded, each only where it has the
 * `<root>/<study>/<number>` shape sodate gives them (a hand-edited attribute naming any
 * other folder is left alone), then `<root>/<study>` when nothing else is in it.
 */
function removeTrialDirectories(study: string, trials: readonly FrozenTrial[]): number {
  let removed = 0;
  const parents = new Set<string>();
  for (const trial of trials) {
    const dir = trialArtifactDirOf(trial);
    if (dir === undefined || basename(dir) !== String(trial.number) || basename(dirname(dir)) !== study) continue;
    parents.add(dirname(dir));
    // Counted only when there: retention, or an upload to S3, may have removed it already.
    if (!existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  for (const parent of parents) removeIfEmpty(parent);
  return removed;
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Already gone, or not ours to read: nothing to tidy.
  }
}

/** `<logs>/<study>/<number>.log` and a command trial's `<number>.params.json`, then the folder when it is empty. */
function removeTrialLogs(logDir: string, study: string, trials: readonly FrozenTrial[]): void {
  const folder = resolve(logDir, study);
  for (const trial of trials) {
    for (const suffix of ['.log', '.params.json']) rmSync(resolve(folder, `${trial.number}${suffix}`), { force: true });
  }
  removeIfEmpty(folder);
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
  const remaining = await withStudy('delete', name, values['storage'], io, async (storage, study) => {
    const trials = values['force'] === true ? await allTrialsOf(storage, study.id) : await refuseWhileRunning(storage, study);
    await storage.deleteStudy(study.id);
    // Files go after the rows: a crash in between leaves files without a study, never a study without its files.
    let files = '';
    if (values['keep-files'] !== true) {
      const dirs = removeTrialDirectories(name, trials);
      removeTrialLogs(defaultLogDir(storage.url, io.cwd), name, trials);
      const objects = await removeTrialObjects(trials);
      for (const line of objects.failures) io.err.write(`sodate delete: ${line}\n`);
      const parts = [...(dirs > 0 ? [`${dirs} trial director${dirs === 1 ? 'y' : 'ies'}`] : []), ...(objects.trials > 0 ? [`${objects.trials} trial${objects.trials === 1 ? "'s" : "s'"} objects in S3`] : [])];
      if (parts.length > 0) files = `, and ${parts.join(' and ')}`;
    }
    println(io.out, `deleted study ${name} (${trials.length} trials${files}) from ${storage.url}`);
    return (await storage.listStudies()).length;
  });
  if (remaining === 0 && defaultFile !== undefined) {
    removeSqliteFile(resolve(io.cwd, defaultFile));
  }
  return 0;
}
