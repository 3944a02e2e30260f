import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ArtifactKeeper } from '../artifacts/keeper.js';
import { openArtifactKeeper } from '../artifacts/open.js';
import { LOG_FOLDER, claimStudyDir, ownerOf } from '../artifacts/owner.js';
import { randomSeed } from '../samplers/rng.js';
import { BASELINE_ATTR, CONFIG_ATTR, MAX_TRIALS_ATTR, PRUNER_NAME_ATTR, SAMPLER_NAME_ATTR, SPACE_FILE_ATTR, STUDY_SEED_ATTR, configValue, storedConfig, storedSeed } from '../storage/metadata.js';
import type { StoredConfig } from '../storage/metadata.js';
import type { StudyRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import type { CreateStudyOptions } from '../study/create.js';
import { createStudy } from '../study/create.js';
import type { Study } from '../study/study.js';
import type { Isolation, StudyFile } from '../study-file/study-file.js';
import { parseStudyFile } from '../study-file/study-file.js';
import { spaceChanges } from '../study-file/space-changes.js';
import type { parseDevicesFlag } from './devices.js';
import { installInterrupts } from './interrupts.js';
import { checkSpaceAgainstTrials } from './space-compatibility.js';
import { DEFAULT_HEARTBEAT_SECONDS, runOrchestrator } from './orchestrator.js';
import type { RunPlan } from './plan.js';
import type { BuiltPolicies } from './policies.js';
import { buildPolicies, policyCatalog } from './policies.js';
import type { Reporter, StopReason } from './reporter.js';
import { placeWarmStartError, warmStartFor } from './warm-start.js';

/**
 * What `sodate tune` and `sodate worker` do once their flags are read: open the study with
 * the right seed and policies, store what other processes need, and run it. The CLI parses
 * flags, picks a reporter and calls these.
 */

/** A study opened for a run, with the policies it runs under. */
export interface RunSession {
  readonly study: Study;
  readonly policies: BuiltPolicies;
  /** A resumed study's parameters changed since its last `tune` (src/study-file/space-changes.ts); empty when none did. */
  readonly spaceChanges?: readonly string[];
}

export interface TuneSessionOptions {
  readonly name: string;
  /** The space file, as given (stored as `sodate:space_file`; read again for `sodate:config`). */
  readonly path: string;
  readonly cwd: string;
  readonly file: StudyFile;
  readonly storage: Storage;
  /** `--seed`; else the file's `seed:`, else the one stored with the study, else a random one (stored). */
  readonly seedFlag: number | undefined;
  /** The study's trial budget in all (`--trials`, else the file's). */
  readonly trials: number | undefined;
  readonly trialTimeoutSeconds: number | undefined;
  readonly retries: number;
}

/**
 * What a study made from a study file is created with, whichever command makes it (a
 * plain study or one stage): its objectives and constraints, its policies, and the metric
 * names the dashboard and reports read. Opened if it exists, so a run resumes.
 */
export function studyFileOptions(file: StudyFile, policies: BuiltPolicies): Pick<CreateStudyOptions, 'directions' | 'constraints' | 'loadIfExists' | 'sampler' | 'pruner' | 'userAttrs' | 'trialSeeds'> {
  return {
    directions: file.directions,
    ...(file.trialSeeds === undefined ? {} : { trialSeeds: file.trialSeeds }),
    ...(file.constraints === undefined ? {} : { constraints: file.constraints }),
    loadIfExists: true,
    sampler: policies.sampler,
    pruner: policies.pruner,
    userAttrs: { metric: file.metric, ...(file.metrics.length > 1 ? { metrics: [...file.metrics] } : {}) },
  };
}

/**
 * Create or resume the study a space file describes: seed precedence, policies, warm start,
 * the baseline trial (once, also when resumed), the configuration `sodate worker` joins
 * with, and what an attached dashboard shows in its header.
 */
export async function openTuneSession(options: TuneSessionOptions): Promise<RunSession> {
  const { name, path, file, storage } = options;
  const existing = await storage.loadStudy(name);
  if (existing !== null) await checkSpaceAgainstTrials(storage, existing, file.space.params, (param) => `${path}: params.${param}`);
  const changes = existing === null ? [] : changesSinceLastRun(existing, file);
  const stored = existing === null ? undefined : storedSeed(existing.systemAttrs);
  const seed = options.seedFlag ?? file.seed ?? stored ?? samplerSeedOf(file) ?? randomSeed();
  const policies = buildPolicies(file, seed);
  const warmStart = await warmStartFor(file, storage);
  const study = await createStudy({
    name,
    storage,
    ...studyFileOptions(file, policies),
    systemAttrs: { [STUDY_SEED_ATTR]: seed, [SPACE_FILE_ATTR]: path },
    ...(warmStart === undefined ? {} : { warmStart }),
  }).catch((error: unknown) => {
    throw placeWarmStartError(error, file);
  });
  if (existing !== null && stored === undefined) await study.setSystemAttr(STUDY_SEED_ATTR, seed);
  // The plain configuration the study grows from runs first (once, also when resumed; again when its run failed).
  if (file.baseline !== undefined) await study.enqueueTrial(file.baseline, { skipIfExists: true, retryFailed: true, userAttrs: { [BASELINE_ATTR]: true } });
  // What `sodate worker` needs to join this study from another process.
  const config: StoredConfig = { file: resolve(options.cwd, path), text: readFileSync(resolve(options.cwd, path), 'utf8'), trials: options.trials ?? null, trialTimeoutSeconds: options.trialTimeoutSeconds ?? null, retries: options.retries };
  await study.setSystemAttr(CONFIG_ATTR, configValue(config));
  // What an attached dashboard shows in its header.
  await study.setSystemAttr(SAMPLER_NAME_ATTR, policies.samplerName);
  await study.setSystemAttr(PRUNER_NAME_ATTR, policies.prunerName);
  await study.setSystemAttr(MAX_TRIALS_ATTR, options.trials ?? null);
  return { study, policies, spaceChanges: changes };
}

/** The parameters `file` changed against the file text the study's last `tune` stored; none when it stored none or that text no longer parses. */
function changesSinceLastRun(record: StudyRecord, file: StudyFile): string[] {
  const stored = storedConfig(record.systemAttrs);
  if (stored === undefined) return [];
  try {
    return spaceChanges(parseStudyFile(stored.text, stored.file, policyCatalog()).space, file.space);
  } catch {
    // A file an older sodate wrote that this one refuses: nothing to compare it with.
    return [];
  }
}

/**
 * The sampler's seed, for a new study whose file gives no study `seed:`: a user who seeded
 * the sampler expects the same study again, trial seeds (weights, data order) included.
 */
export function samplerSeedOf(file: StudyFile): number | undefined {
  const seed = file.sampler?.options['seed'];
  return typeof seed === 'number' && Number.isInteger(seed) ? seed : undefined;
}

export interface WorkerSessionOptions {
  readonly name: string;
  readonly storage: Storage;
  /** The study as stored, started by `sodate tune` (its configuration read from `record`). */
  readonly record: StudyRecord;
  /** The study file parsed from the stored configuration. */
  readonly file: StudyFile;
  /** `--seed`; else the study's stored seed, else a random one. */
  readonly seedFlag: number | undefined;
}

/** Join a study `sodate tune` started, with its seed and the same warm start as tune's. */
export async function openWorkerSession(options: WorkerSessionOptions): Promise<RunSession> {
  const { name, storage, file } = options;
  // Samplers derive each trial's randomness from (seed, trial number), so workers sharing
  // the study's seed never draw the same point and the study stays reproducible.
  const policies = buildPolicies(file, options.seedFlag ?? storedSeed(options.record.systemAttrs) ?? randomSeed());
  // The same warm start as tune's, so every process's sampler reads the same history.
  const warmStart = await warmStartFor(file, storage);
  const study = await createStudy({ name, storage, directions: file.directions, loadIfExists: true, sampler: policies.sampler, pruner: policies.pruner, ...(warmStart === undefined ? {} : { warmStart }) }).catch(
    (error: unknown) => {
      throw placeWarmStartError(error, file);
    },
  );
  return { study, policies };
}

/** Per-trial limits a run applies: the flags', else those `sodate tune` stored. */
export interface RunLimits {
  readonly trialTimeoutSeconds: number | undefined;
  readonly retries: number;
  readonly staleAfterSeconds: number | undefined;
}

/** A stored study's per-trial limits as a later run applies them: a flag wins over what `tune` stored. */
export function storedLimits(flags: Pick<ExecutionSettings, 'trialTimeoutSeconds' | 'retries' | 'staleAfterSeconds'>, config: StoredConfig): RunLimits {
  return { trialTimeoutSeconds: flags.trialTimeoutSeconds ?? config.trialTimeoutSeconds ?? undefined, retries: flags.retries ?? config.retries, staleAfterSeconds: flags.staleAfterSeconds };
}

/** Where and how a command's trials execute, as its flags set them (each undefined: the study file's or the stored configuration's). */
export interface ExecutionSettings {
  readonly devices: ReturnType<typeof parseDevicesFlag> | undefined;
  readonly perDevice: number | undefined;
  readonly isolation: Isolation | undefined;
  readonly trialTimeoutSeconds: number | undefined;
  readonly retries: number | undefined;
  readonly staleAfterSeconds: number | undefined;
  readonly logDir: string | undefined;
  readonly artifactDir: string | undefined;
}

export interface ExecuteOptions {
  readonly study: Study;
  readonly plan: RunPlan;
  readonly reporter: Reporter;
  readonly file: StudyFile;
  readonly maxTrials: number | undefined;
  /** Run only the trials that wait (confirm's and ablate's re-runs); see OrchestratorOptions. */
  readonly waitingOnly?: boolean | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly trialTimeoutSeconds: number | undefined;
  readonly retries: number;
  readonly staleAfterSeconds: number | undefined;
  readonly logDir: string;
  /** Root of the trial directories: `--artifact-dir`, else the file's `artifacts.dir`, else next to the SQLite file. Undefined: trials get none. */
  readonly artifactDir?: string | undefined;
  readonly samplerName: string;
  readonly prunerName: string;
  /** Aborted when the run should stop asking new trials as at a first Ctrl-C (its output was closed). */
  readonly stopAsking?: AbortSignal | undefined;
}

/** Start the slots, run the orchestrator with two-step Ctrl-C, close the slots. Exit code 0 or 130. */
export async function executeStudy(options: ExecuteOptions): Promise<number> {
  const { reporter } = options;
  const spec = options.file.artifacts;
  // With artifacts.url the bucket is checked before any trial starts (bad credentials stop the run here).
  const artifacts: ArtifactKeeper | undefined =
    options.artifactDir === undefined
      ? undefined
      : await openArtifactKeeper({ dir: options.artifactDir, keep: spec?.keep, keepFailed: spec?.keepFailed, url: spec?.url, endpoint: spec?.endpoint, region: spec?.region, notice: (text) => reporter.notice?.(text), study: options.study });
  // The log folder is the study's as its trial directories are (one claim each, before any trial).
  try {
    claimStudyDir(options.logDir, ownerOf(options.study, options.study.storage.url), (text) => reporter.notice?.(text), LOG_FOLDER);
  } catch (error) {
    artifacts?.close();
    throw error;
  }
  for (const notice of options.plan.notices) reporter.notice?.(notice);
  const stale = options.staleAfterSeconds;
  const runner = options.plan.create();
  const interrupts = installInterrupts(reporter, process, options.stopAsking);
  let reason: StopReason;
  try {
    reason = await runOrchestrator({
      study: options.study,
      space: options.file.space,
      runner,
      slots: options.plan.slots,
      reporter,
      maxTrials: options.maxTrials,
      waitingOnly: options.waitingOnly,
      timeoutSeconds: options.timeoutSeconds,
      trialTimeoutSeconds: options.trialTimeoutSeconds,
      retries: options.retries,
      signal: interrupts.signal,
      stopSignal: interrupts.stopSignal,
      logDir: options.logDir,
      artifacts,
      ...(stale === undefined ? {} : { staleAfterSeconds: stale, heartbeatSeconds: Math.min(DEFAULT_HEARTBEAT_SECONDS, stale / 3) }),
      info: { metric: options.file.metric, samplerName: options.samplerName, prunerName: options.prunerName },
    });
  } finally {
    interrupts.dispose();
    await runner.close();
    artifacts?.close();
  }
  return reason === 'interrupted' ? 130 : 0;
}
