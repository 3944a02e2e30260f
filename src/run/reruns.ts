/**
 * What `sodate confirm` and `sodate ablate` share: opening a finished study of `sodate tune`
 * to add re-runs of fixed configurations with fixed seeds, and running the re-runs waiting
 * in it through the tune execution path (the same slots, devices, retries, logs and trial
 * directories), never pruned, then stopping.
 */
import { artifactRoot } from '../artifacts/paths.js';
import { NotFoundError, UsageError } from '../errors.js';
import { NopPruner } from '../pruners/nop.js';
import { RandomSampler } from '../samplers/random.js';
import { stageSpace } from '../space/stages.js';
import { ABLATION_OF_ATTR, storedConfig, storedSeed } from '../storage/metadata.js';
import type { StudyRecord } from '../storage/records.js';
import type { StoredConfig } from '../storage/metadata.js';
import type { Storage } from '../storage/storage.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../storage/storage.js';
import { createStudy } from '../study/create.js';
import { stageLineageOf, stagedStudyHint } from '../study/stage-lineage.js';
import type { Study } from '../study/study.js';
import type { StudyFile } from '../study-file/study-file.js';
import { parseStudyFile } from '../study-file/study-file.js';
import { checkObjective, planRun } from './plan.js';
import { policyCatalog } from './policies.js';
import type { Reporter } from './reporter.js';
import type { ExecuteOptions, ExecutionSettings } from './session.js';
import { executeStudy, storedLimits } from './session.js';
import { defaultLogDir } from './trial-log.js';

export interface RerunStudy {
  readonly study: Study;
  readonly file: StudyFile;
  readonly config: StoredConfig;
  /** The study's seed (`sodate:seed`), 0 when it has none: the re-runs' seeds derive from it. */
  readonly studySeed: number;
}

/** Refuse a study `sodate ablate` made to hold a stage's ablation runs, named where its stage's study was meant. */
export function refuseAblationStudy(command: string, record: StudyRecord | null): void {
  const ablationOf = record?.systemAttrs[ABLATION_OF_ATTR];
  if (typeof ablationOf === 'string') throw new UsageError(`sodate ${command}: study "${record?.name ?? ''}" holds \`sodate ablate\`'s runs of ${ablationOf}; run \`sodate ${command} ${ablationOf}\` instead`);
}

/**
 * Load study `name` for re-runs by `sodate <command>`: refused in one line when it is not
 * there, has several objectives (`why` says what the command does with one) or was not
 * started by `sodate tune`. Re-runs a killed earlier run left RUNNING are failed once their
 * heartbeat is stale, so they are planned again.
 */
export async function openRerunStudy(command: string, name: string, storage: Storage, execution: ExecutionSettings, why: string): Promise<RerunStudy> {
  const record = await storage.loadStudy(name);
  if (record === null) {
    const staged = await stagedStudyHint(storage, name);
    throw new NotFoundError(`sodate ${command}: ${staged ?? `no study named "${name}" in ${storage.url}; list them with \`sodate studies\`, or pass --storage`}`);
  }

  if (record.directions.length > 1) {
    throw new UsageError(`sodate ${command}: study "${name}" has ${record.directions.length} objectives; ${why}, so use it on a single-objective study (\`sodate best ${name}\` shows this one's Pareto front)`);
  }
  const config = storedConfig(record.systemAttrs);
  if (config === undefined) throw new UsageError(`sodate ${command}: study "${name}" was not started by \`sodate tune\` (it has no stored configuration); run \`sodate tune\` on its space file first`);
  const parsed = parseStudyFile(config.text, config.file, policyCatalog());
  checkObjective(parsed);
  // A stage's study holds its stage's space (earlier stages' parameters fixed, a categorical as
  // a one-choice list): re-runs of its trials suggest from that space, since a categorical's
  // choices cannot change within a study. (`sodate ablate` runs elsewhere: see ablationStudyName.)
  const lineage = stageLineageOf(record);
  const file = lineage === undefined || parsed.stages === undefined ? parsed : { ...parsed, space: stageSpace(parsed.space, parsed.stages, lineage.index, lineage.carried, parsed.baseline) };
  const studySeed = storedSeed(record.systemAttrs) ?? 0;
  // Every re-run has fixed parameters: the sampler only fills what the stored ones lack. Re-runs are never pruned.
  const study = await createStudy({ name, storage, directions: file.directions, loadIfExists: true, sampler: new RandomSampler({ seed: studySeed }), pruner: new NopPruner() });
  await storage.failStaleTrials(study.id, execution.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS);
  return { study, file, config, studySeed };
}

export interface RunWaitingOptions {
  readonly opened: RerunStudy;
  readonly execution: ExecutionSettings;
  readonly storageUrl: string;
  readonly cwd: string;
  readonly reporter: Reporter;
  /** What the dashboard and logs call the sampler, e.g. 'fixed (confirmation)'. */
  readonly samplerName: string;
}

/** Run exactly the trials waiting in the study now, then stop (no new suggestions). Exit code 0, or 130 when interrupted. */
export async function runWaitingTrials(options: RunWaitingOptions): Promise<number> {
  const { opened, execution, storageUrl, cwd } = options;
  const { study, file, config } = opened;
  const trials = await study.getTrials();
  if (!trials.some((t) => t.state === 'WAITING')) return 0;
  const logDir = execution.logDir ?? defaultLogDir(storageUrl, cwd);
  const plan = planRun({ file, devices: execution.devices, perDevice: execution.perDevice, isolation: execution.isolation, logDir, staleAfterSeconds: execution.staleAfterSeconds });
  const execute: ExecuteOptions = {
    study,
    plan,
    reporter: options.reporter,
    file,
    // Only the waiting trials (and their retries) run: no budget to count.
    maxTrials: undefined,
    waitingOnly: true,
    timeoutSeconds: undefined,
    ...storedLimits(execution, config),
    logDir,
    artifactDir: artifactRoot(execution.artifactDir, file.artifacts?.dir, storageUrl, cwd),
    samplerName: options.samplerName,
    prunerName: 'none',
  };
  return executeStudy(execute);
}
