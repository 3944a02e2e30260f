import { errorMessage } from '../errors.js';
import { existsSync, lstatSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { JsonValue } from '../json.js';
import type { FrozenTrial } from '../storage/records.js';
import { isFinished, isPaused } from '../storage/records.js';
import type { Study } from '../study/study.js';
import type { StudyTrial } from '../study/trial.js';
import { trialArtifactPath } from './paths.js';
import { artifactAttrs, artifactsDeleted, artifactsRecorded, recordedArtifacts, scanArtifacts, trialArtifactDirOf } from './record.js';
import type { ArtifactFile } from './record.js';
import type { RemoteArtifactStore, RemoteRecord } from './remote.js';
import { ArtifactStoreError, artifactsUploaded, objectKey, parseS3Url, remoteRecordOf, s3Url, trialKeyPrefix } from './remote.js';
import type { RetentionPolicy } from './retention.js';
import { checkRetentionPolicy, trialsToDelete } from './retention.js';
import { ARTIFACTS_DELETED_ATTR, ARTIFACTS_UPLOADED_ATTR, ARTIFACT_DIR_ATTR, ARTIFACT_REMOTE_ATTR } from '../storage/metadata.js';

export interface ArtifactKeeperOptions extends RetentionPolicy {
  /** Trial directories go to `<dir>/<study>/<number>/`. */
  readonly dir: string;
  /**
   * An object store the files go to when the trial ends (`artifacts.url`): the trial's
   * directory under `dir` is then a local staging copy, removed once uploaded. Default:
   * none, the files stay in `dir`.
   */
  readonly remote?: RemoteArtifactStore | undefined;
  /** After the store failed to answer, sweeps leave it alone for this long (uploads and deletions stay pending). Default 30. */
  readonly storeRetrySeconds?: number | undefined;
  /** Milliseconds clock. Default Date.now. */
  readonly now?: (() => number) | undefined;
  /** Where notices go (a deletion that failed). Default: nowhere. */
  readonly notice?: ((text: string) => void) | undefined;
}

/**
 * A directory per trial, what it held when the trial ended, and retention. The orchestrator
 * calls `prepare` before a trial starts, `record` when it ends (before it is told) and
 * `sweep` at the start of a run, after each trial and at the end. Every decision is read from
 * the study's trials, so a later run (after a `kill -9`) finishes what an earlier one left.
 */
export class ArtifactKeeper {
  readonly dir: string;
  private readonly policy: RetentionPolicy;
  private readonly notice: (text: string) => void;
  /** Finished trials this process has decided on (their fate is final, or they are in `kept`). */
  private readonly decided = new Set<number>();
  /** COMPLETE trials retention keeps for now: the best N, or the front; a later trial may beat them. */
  private kept: FrozenTrial[] = [];
  /** Deletions that failed (a permission, a busy file), retried at the next sweep. */
  private pending: FrozenTrial[] = [];
  /** Trials whose upload failed (the store unreachable), retried at the next sweep; a later run retries them too. */
  private pendingUploads: Upload[] = [];
  /** Trials whose failed upload was already told (one notice each). */
  private readonly toldUpload = new Set<number>();
  /** When the store last failed to answer; uploads and remote deletions wait `retryMs` from then. */
  private downSince = -Infinity;
  private readonly retryMs: number;
  private readonly now: () => number;
  /** Trials this process uploaded, with their files. */
  private readonly uploaded = new Map<number, readonly ArtifactFile[]>();
  /** Trials whose failed remote deletion was already told. */
  private readonly toldDelete = new Set<number>();
  private readonly remote: RemoteArtifactStore | undefined;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(options: ArtifactKeeperOptions) {
    this.dir = resolve(options.dir);
    this.policy = checkRetentionPolicy({ keep: options.keep, keepFailed: options.keepFailed });
    this.notice = options.notice ?? (() => undefined);
    this.remote = options.remote;
    this.retryMs = (options.storeRetrySeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Whether the store failed to answer less than `storeRetrySeconds` ago (a sweep then leaves it alone rather than wait on it again). */
  private storeDown(): boolean {
    return this.now() - this.downSince < this.retryMs;
  }

  /** Where trials' files end up: the store's `s3://bucket/prefix`, or the local root. */
  get location(): string {
    return this.remote?.url ?? this.dir;
  }

  /** Let go of the store's connections (after the last sweep). */
  close(): void {
    this.remote?.close();
  }

  /** The attributes recording `files` of a trial, with each object's URL and the trial's remote record when there is a store. */
  private recordAttrs(study: string, number: number, files: readonly ArtifactFile[]): Record<string, JsonValue> {
    const remote = this.remote;
    if (remote === undefined) return artifactAttrs(study, number, files);
    const attrs = artifactAttrs(study, number, files, new Date(), (name) => s3Url(remote.location.bucket, objectKey(remote.location, study, number, name)));
    const record: RemoteRecord = { url: s3Url(remote.location.bucket, trialKeyPrefix(remote.location, study, number)), endpoint: remote.endpoint, region: remote.region };
    attrs[ARTIFACT_REMOTE_ATTR] = JSON.parse(JSON.stringify(record)) as JsonValue;
    return attrs;
  }

  /** Create the trial's directory (empty) and note it on the trial; returns its absolute path. Throws when it cannot be created. */
  prepare(study: string, trial: Pick<StudyTrial, 'number' | 'setSystemAttr'>): string {
    const path = trialArtifactPath(this.dir, study, trial.number);
    try {
      try {
        mkdirSync(path);
      } catch (error) {
        // A retry or a re-run of the same number starts from an empty directory; the first trial makes the parents.
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') rmSync(path, { recursive: true, force: true });
        mkdirSync(path, { recursive: true });
      }
    } catch (error) {
      throw new Error(`cannot create the trial's artifact directory ${path}: ${errorMessage(error)}`);
    }
    trial.setSystemAttr(ARTIFACT_DIR_ATTR, path);
    return path;
  }

  /** The trial's directory under this keeper's root (where `prepare` creates it), whether or not it exists. */
  trialDir(study: string, number: number): string {
    return trialArtifactPath(this.dir, study, number);
  }

  /**
   * A resumed (paused, then promoted) trial's directory as it was left, its checkpoint in it:
   * unlike `prepare`, nothing is removed. Noted on the trial again; returns its absolute path.
   */
  reopen(study: string, trial: Pick<StudyTrial, 'number' | 'setSystemAttr'>): string {
    const path = this.trialDir(study, trial.number);
    try {
      mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new Error(`cannot open the resumed trial's artifact directory ${path}: ${errorMessage(error)}`);
    }
    trial.setSystemAttr(ARTIFACT_DIR_ATTR, path);
    return path;
  }

  /**
   * Record the files under the trial's directory on the trial (Optuna's `artifacts:<id>`
   * layout); every entry refused (a symbolic link, a path escaping the directory) gives one
   * line to `log`. An empty directory is removed and nothing is recorded.
   */
  async record(path: string, study: string, trial: Pick<StudyTrial, 'number' | 'setSystemAttr'>, log: (line: string) => void): Promise<void> {
    try {
      const scan = await scanArtifacts(path);
      for (const line of scan.refused) log(`sodate: ${line}\n`);
      if (scan.files.length === 0 && scan.refused.length === 0) {
        try {
          rmdirSync(path);
        } catch {
          // Not empty after all (written meanwhile) or already gone: leave it.
        }
        return;
      }
      for (const [key, value] of Object.entries(this.recordAttrs(study, trial.number, scan.files))) trial.setSystemAttr(key, value);
    } catch (error) {
      log(`sodate: the trial's artifacts in ${path} could not be recorded: ${errorMessage(error)}\n`);
    }
  }

  /**
   * Apply retention to the study's trials, as of a fresh read unless `refresh: false` (after
   * each trial: every ask re-reads the study, so its view is at most one trial behind and the
   * trial just told is decided at the next sweep; a re-read per trial cost more than the
   * recording itself). Runs one at a time, never throws.
   */
  sweep(study: Study, options: { readonly refresh?: boolean } = {}): Promise<void> {
    const run = this.sweeping.then(async () => {
      try {
        if (options.refresh !== false) await study.refresh();
        await this.apply(study);
      } catch (error) {
        this.notice(`artifact retention failed: ${errorMessage(error)}`);
      }
    });
    this.sweeping = run;
    return run;
  }

  /**
   * Retention over the trials that finished since the last sweep, together with those it
   * still keeps: a trial outside the best N (or behind the front) never gets back in, since
   * finished trials never change, so the decision over `kept + fresh` equals the one over the
   * whole study, at a cost that does not grow with it.
   */
  private async apply(study: Study): Promise<void> {
    // A paused trial is not decided yet: a pruner may resume it from the checkpoint in its directory.
    const fresh = study.trials.filter((t) => isFinished(t.state) && !isPaused(t) && !this.decided.has(t.id));
    if (fresh.length === 0 && this.pending.length === 0 && this.pendingUploads.length === 0) return;
    const candidates = [...this.kept, ...fresh];
    const doomed = trialsToDelete(candidates, study.directions, this.policy);
    const doomedIds = new Set(doomed.map((t) => t.id));
    for (const trial of fresh) this.decided.add(trial.id);
    // Only a COMPLETE trial kept by rank can be beaten later; every other fate is final.
    this.kept = this.policy.keep === undefined ? [] : candidates.filter((t) => t.state === 'COMPLETE' && !doomedIds.has(t.id));
    const retry = this.pending;
    this.pending = [];
    for (const trial of [...retry, ...doomed]) await this.delete(study, trial);
    const uploads = this.pendingUploads.filter((u) => !doomedIds.has(u.trial.id));
    this.pendingUploads = [];
    // A trial that ended without being recorded (its process died, it was failed as stale) and keeps its directory: record it now.
    for (const trial of fresh) {
      if (doomedIds.has(trial.id)) continue;
      const path = trialArtifactDirOf(trial);
      if (artifactsRecorded(trial)) {
        // Recorded for the store and not uploaded yet (this trial just ended, or an earlier run could not reach the store).
        if (this.remote !== undefined && path !== undefined && remoteRecordOf(trial) !== undefined && !artifactsUploaded(trial) && !artifactsDeleted(trial) && isDirectory(path)) {
          uploads.push({ trial, path, files: recordedArtifacts(trial) });
        }
        continue;
      }
      if (path === undefined || !isDirectory(path)) continue;
      const scan = await scanArtifacts(path);
      for (const [key, value] of Object.entries(this.recordAttrs(study.name, trial.number, scan.files))) await study.storage.setTrialAttr(trial.id, 'system', key, value);
      if (this.remote !== undefined && scan.files.length > 0) uploads.push({ trial, path, files: scan.files.map((f) => ({ ...f, url: s3Url(this.remote!.location.bucket, objectKey(this.remote!.location, study.name, trial.number, f.name)) })) });
    }
    await this.upload(study, uploads);
  }

  /**
   * Upload each trial's recorded files to the store, mark it uploaded and remove its local
   * staging directory. The first failure ends the round: the trial and those after it stay
   * pending (their files where they are), retried at the next sweep, one notice per trial.
   */
  private async upload(study: Study, uploads: readonly Upload[]): Promise<void> {
    const remote = this.remote;
    if (remote === undefined || uploads.length === 0) return;
    if (this.storeDown()) {
      this.pendingUploads.push(...uploads);
      return;
    }
    for (const [index, upload] of uploads.entries()) {
      const { trial, path, files } = upload;
      try {
        for (const file of files) {
          const key = keyOf(file.url, remote);
          if (key === undefined) throw new ArtifactStoreError(`${file.name} is recorded for ${String(file.url)}, not under ${remote.url}; not uploaded`, false);
          await remote.put(key, resolve(path, file.name), file.size, file.sha256);
        }
      } catch (error) {
        const transient = !(error instanceof ArtifactStoreError) || error.transient;
        if (!this.toldUpload.has(trial.id)) {
          this.toldUpload.add(trial.id);
          this.notice(`trial ${trial.number}: its artifacts were not uploaded (${errorMessage(error)}); they stay in ${path}${transient ? ' and a later sweep or run retries' : ''}`);
        }
        if (transient) this.downSince = this.now();
        this.pendingUploads.push(...uploads.slice(transient ? index : index + 1));
        return;
      }
      this.uploaded.set(trial.id, files);
      await study.storage.setTrialAttr(trial.id, 'system', ARTIFACTS_UPLOADED_ATTR, new Date().toISOString());
      if (isTrialPath(path, study.name, trial.number)) {
        try {
          rmSync(path, { recursive: true, force: true });
        } catch (error) {
          this.notice(`trial ${trial.number}: uploaded, but its staging directory ${path} could not be removed: ${errorMessage(error)}`);
        }
      }
    }
  }

  /**
   * Delete a trial's objects from the store, if it has any there; false when they must be
   * retried (the trial is then pending, its local directory left too).
   */
  private async deleteRemote(study: Study, trial: FrozenTrial): Promise<boolean> {
    const record = remoteRecordOf(trial);
    // This process's view of a trial it kept may predate the attributes it wrote later (a late record, the upload).
    const files = this.uploaded.get(trial.id) ?? recordedArtifacts(trial);
    // Only a trial known to be uploaded is asked for: a PRUNED or FAIL one never is (retention dooms it when it
    // ends, and uploads come after retention), nor one whose upload waits here. If another process uploaded a
    // trial after this one read it, that process deletes the objects when it sees the trial beaten (and so does
    // any later run, which reads the upload mark).
    if (!(artifactsUploaded(trial) || this.uploaded.has(trial.id)) || files.length === 0) return true;
    // Deleted (by retention, any process) after its upload: done, not asked again by every later run.
    const deletedAt = trial.systemAttrs[ARTIFACTS_DELETED_ATTR];
    const uploadedAt = trial.systemAttrs[ARTIFACTS_UPLOADED_ATTR];
    if (typeof deletedAt === 'string' && typeof uploadedAt === 'string' && uploadedAt <= deletedAt) return true;
    const where = record?.url ?? 'the object store';
    const remote = this.remote;
    if (remote === undefined) {
      this.notice(`trial ${trial.number}: its artifacts are in ${where}, but this run has no artifacts.url; not deleted there`);
      return true;
    }
    const keys = files.map((f) => (f.url === undefined ? objectKey(remote.location, study.name, trial.number, f.name) : keyOf(f.url, remote)));
    if (keys.some((k) => k === undefined)) {
      this.notice(`trial ${trial.number}: its artifacts are in ${where}, not under ${remote.url}; not deleted there`);
      return true;
    }
    if (this.storeDown()) {
      this.pending.push(trial);
      return false;
    }
    try {
      await remote.remove(keys as string[]);
      return true;
    } catch (error) {
      if (!(error instanceof ArtifactStoreError) || error.transient) this.downSince = this.now();
      if (!this.toldDelete.has(trial.id)) this.notice(`trial ${trial.number}: could not delete its artifacts in ${where}: ${errorMessage(error)}; retried at a later sweep`);
      this.toldDelete.add(trial.id);
      this.pending.push(trial);
      return false;
    }
  }

  /** Delete a trial's directory (idempotent) and mark the trial; a failure is retried at the next sweep. */
  private async delete(study: Study, trial: FrozenTrial): Promise<void> {
    // A process killed right after creating the directory may not have stored its path yet.
    const path = trialArtifactDirOf(trial) ?? trialArtifactPath(this.dir, study.name, trial.number);
    // The stored path must still look like <root>/<study>/<number>: never delete anything else.
    if (!isTrialPath(path, study.name, trial.number)) {
      this.notice(`trial ${trial.number}: stored artifact directory ${path} is not <dir>/${study.name}/${trial.number}; left alone`);
      return;
    }
    if (!(await this.deleteRemote(study, trial))) return;
    const existed = existsSync(path);
    if (existed) {
      try {
        // Asynchronous: the deletion runs beside the next trial instead of holding up the loop.
        await rm(path, { recursive: true, force: true });
      } catch (error) {
        this.notice(`trial ${trial.number}: could not delete its artifacts in ${path}: ${errorMessage(error)}`);
        this.pending.push(trial);
        return;
      }
    }
    if (!artifactsDeleted(trial) && (existed || recordedArtifacts(trial).length > 0)) {
      await study.storage.setTrialAttr(trial.id, 'system', ARTIFACTS_DELETED_ATTR, new Date().toISOString());
    }
  }
}

/** A trial's files waiting to be uploaded from its local directory. */
interface Upload {
  readonly trial: FrozenTrial;
  readonly path: string;
  readonly files: readonly ArtifactFile[];
}

/** Whether `path` looks like `<root>/<study>/<number>`: never delete anything else. */
function isTrialPath(path: string, study: string, number: number): boolean {
  return basename(path) === String(number) && basename(dirname(path)) === study;
}

/** The object key of a recorded file's URL when it lies in the store's bucket, else undefined. */
function keyOf(url: string | undefined, remote: RemoteArtifactStore): string | undefined {
  if (url === undefined) return undefined;
  const parsed = parseS3Url(url);
  return typeof parsed === 'string' || parsed.bucket !== remote.location.bucket || parsed.prefix === '' ? undefined : parsed.prefix;
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
