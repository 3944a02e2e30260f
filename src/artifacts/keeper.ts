import { existsSync, lstatSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { messageOf } from '../study/study.js';
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
  /** Trial ids whose directories this process deleted and marked (the cache never re-reads finished trials). */
  private readonly done = new Set<number>();
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

  /** Apply retention to the study's trials as of a fresh read; runs one at a time, never throws. */
  sweep(study: Study): Promise<void> {
    const run = this.sweeping.then(async () => {
      try {
        await study.refresh();
        await this.apply(study);
      } catch (error) {
        this.notice(`artifact retention failed: ${messageOf(error)}`);
      }
    });
    this.sweeping = run;
    return run;
  }

  private async apply(study: Study): Promise<void> {
    const doomed = trialsToDelete(study.trials, study.directions, this.policy);
    const doomedIds = new Set(doomed.map((t) => t.id));
    for (const trial of doomed) {
      if (this.done.has(trial.id)) continue;
      // A process killed right after creating the directory may not have stored its path yet.
      const path = trialArtifactDirOf(trial) ?? trialArtifactPath(this.dir, study.name, trial.number);
      // The stored path must still look like <root>/<study>/<number>: never delete anything else.
      if (basename(path) !== String(trial.number) || basename(dirname(path)) !== study.name) {
        this.notice(`trial ${trial.number}: stored artifact directory ${path} is not <dir>/${study.name}/${trial.number}; left alone`);
        this.done.add(trial.id);
        continue;
      }
      const existed = existsSync(path);
      if (existed) {
        try {
          rmSync(path, { recursive: true, force: true });
        } catch (error) {
          this.notice(`trial ${trial.number}: could not delete its artifacts in ${path}: ${messageOf(error)}`);
          continue;
        }
      }
      if (!artifactsDeleted(trial) && (existed || recordedArtifacts(trial).length > 0)) {
        await study.storage.setTrialAttr(trial.id, 'system', ARTIFACTS_DELETED_ATTR, new Date().toISOString());
      }
      this.done.add(trial.id);
    }
    // A trial that ended without being recorded (its process died, it was failed as stale) and keeps its directory: record it now.
    for (const trial of study.trials) {
      if (doomedIds.has(trial.id) || this.done.has(trial.id) || (trial.state !== 'FAIL' && trial.state !== 'PRUNED' && trial.state !== 'COMPLETE')) continue;
      if (artifactsRecorded(trial)) continue;
      const path = trialArtifactDirOf(trial);
      if (path === undefined || !isDirectory(path)) {
        this.done.add(trial.id);
        continue;
      }
      const scan = await scanArtifacts(path);
      for (const [key, value] of Object.entries(artifactAttrs(study.name, trial.number, scan.files))) await study.storage.setTrialAttr(trial.id, 'system', key, value);
      this.done.add(trial.id);
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
