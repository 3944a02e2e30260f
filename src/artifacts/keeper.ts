import { existsSync, lstatSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { messageOf } from '../study/study.js';
import type { FrozenTrial } from '../storage/records.js';
import { isFinished } from '../storage/records.js';
import type { Study } from '../study/study.js';
import type { Trial } from '../study/trial.js';
import { trialArtifactPath } from './paths.js';
import { ARTIFACTS_DELETED_ATTR, ARTIFACT_DIR_ATTR, artifactAttrs, artifactsDeleted, artifactsRecorded, recordedArtifacts, scanArtifacts, trialArtifactDirOf } from './record.js';
import type { RetentionPolicy } from './retention.js';
import { checkRetentionPolicy, trialsToDelete } from './retention.js';

export interface ArtifactKeeperOptions extends RetentionPolicy {
  /** Trial directories go to `<dir>/<study>/<number>/`. */
  readonly dir: string;
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
  private sweeping: Promise<void> = Promise.resolve();

  constructor(options: ArtifactKeeperOptions) {
    this.dir = resolve(options.dir);
    this.policy = checkRetentionPolicy({ keep: options.keep, keepFailed: options.keepFailed });
    this.notice = options.notice ?? (() => undefined);
  }

  /** Create the trial's directory (empty) and note it on the trial; returns its absolute path. Throws when it cannot be created. */
  prepare(study: string, trial: Pick<Trial, 'number' | 'setSystemAttr'>): string {
    const path = trialArtifactPath(this.dir, study, trial.number);
    try {
      // A retry or a re-run of the same number starts from an empty directory.
      rmSync(path, { recursive: true, force: true });
      mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new Error(`cannot create the trial's artifact directory ${path}: ${messageOf(error)}`);
    }
    trial.setSystemAttr(ARTIFACT_DIR_ATTR, path);
    return path;
  }

  /**
   * Record the files under the trial's directory on the trial (Optuna's `artifacts:<id>`
   * layout); every entry refused (a symbolic link, a path escaping the directory) gives one
   * line to `log`. An empty directory is removed and nothing is recorded.
   */
  async record(path: string, study: string, trial: Pick<Trial, 'number' | 'setSystemAttr'>, log: (line: string) => void): Promise<void> {
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
      for (const [key, value] of Object.entries(artifactAttrs(study, trial.number, scan.files))) trial.setSystemAttr(key, value);
    } catch (error) {
      log(`sodate: the trial's artifacts in ${path} could not be recorded: ${messageOf(error)}\n`);
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
        this.notice(`artifact retention failed: ${messageOf(error)}`);
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
    const fresh = study.trials.filter((t) => isFinished(t.state) && !this.decided.has(t.id));
    if (fresh.length === 0 && this.pending.length === 0) return;
    const candidates = [...this.kept, ...fresh];
    const doomed = trialsToDelete(candidates, study.directions, this.policy);
    const doomedIds = new Set(doomed.map((t) => t.id));
    for (const trial of fresh) this.decided.add(trial.id);
    // Only a COMPLETE trial kept by rank can be beaten later; every other fate is final.
    this.kept = this.policy.keep === undefined ? [] : candidates.filter((t) => t.state === 'COMPLETE' && !doomedIds.has(t.id));
    const retry = this.pending;
    this.pending = [];
    for (const trial of [...retry, ...doomed]) await this.delete(study, trial);
    // A trial that ended without being recorded (its process died, it was failed as stale) and keeps its directory: record it now.
    for (const trial of fresh) {
      if (doomedIds.has(trial.id) || artifactsRecorded(trial)) continue;
      const path = trialArtifactDirOf(trial);
      if (path === undefined || !isDirectory(path)) continue;
      const scan = await scanArtifacts(path);
      for (const [key, value] of Object.entries(artifactAttrs(study.name, trial.number, scan.files))) await study.storage.setTrialAttr(trial.id, 'system', key, value);
    }
  }

  /** Delete a trial's directory (idempotent) and mark the trial; a failure is retried at the next sweep. */
  private async delete(study: Study, trial: FrozenTrial): Promise<void> {
    // A process killed right after creating the directory may not have stored its path yet.
    const path = trialArtifactDirOf(trial) ?? trialArtifactPath(this.dir, study.name, trial.number);
    // The stored path must still look like <root>/<study>/<number>: never delete anything else.
    if (basename(path) !== String(trial.number) || basename(dirname(path)) !== study.name) {
      this.notice(`trial ${trial.number}: stored artifact directory ${path} is not <dir>/${study.name}/${trial.number}; left alone`);
      return;
    }
    const existed = existsSync(path);
    if (existed) {
      try {
        rmSync(path, { recursive: true, force: true });
      } catch (error) {
        this.notice(`trial ${trial.number}: could not delete its artifacts in ${path}: ${messageOf(error)}`);
        this.pending.push(trial);
        return;
      }
    }
    if (!artifactsDeleted(trial) && (existed || recordedArtifacts(trial).length > 0)) {
      await study.storage.setTrialAttr(trial.id, 'system', ARTIFACTS_DELETED_ATTR, new Date().toISOString());
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
