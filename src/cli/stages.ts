/**
 * `sodate tune` on a space file with `stages:`: the stages run in order, each as its own
 * study `<study>.<stage>` in the same storage.
 *
 * Why one study per stage, not one study with a stage attribute on its trials: each stage
 * has its own space (earlier parameters fixed or narrowed), sampler, pruner and budget. In
 * one study, TPE's groups and GP's shared space would mix trials of different spaces, the
 * budget would count every stage's trials together, and Optuna's tools (importance, plots,
 * `best_trial`) would see one study whose space changes halfway. Separate studies make each
 * stage an ordinary study that Optuna opens as it is, and make resuming plain: a stage whose
 * study holds its budget is done, the first that does not is resumed where it stopped, and
 * its stored lineage (`sodate:stage`, with the values it carried) rebuilds its space exactly.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StageRow, StageStudyInput } from '../analysis/stages.js';
import { stageRows } from '../analysis/stages.js';
import { artifactRoot } from '../artifacts/paths.js';
import { OptionError } from '../errors.js';
import type { RunPlan } from '../run/plan.js';
import type { Reporter } from '../run/reporter.js';
import { randomSeed } from '../samplers/rng.js';
import type { ParamValue } from '../space/distributions.js';
import { contains, toInternal } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';
import type { StageSpec } from '../space/stages.js';
import { stageSpace, stageStudyName } from '../space/stages.js';
import type { StudyFile } from '../study-file/study-file.js';
import type { CachedStorage } from '../storage/cached.js';
import type { FrozenTrial, StudyRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import type { JsonValue } from '../json.js';
import { createStudy } from '../study/create.js';
import { formatNumber, renderTable } from './format.js';
import type { CliIo } from './io.js';
import { println } from './io.js';
import { buildPolicies } from '../run/policies.js';
import { jsonLinesReporter } from './reporters/json-lines.js';
import { plainLinesReporter } from './reporters/plain-lines.js';
import { startDashboard } from '../tui/index.js';
import type { ExecuteOptions } from '../run/session.js';
import { studyFileOptions } from '../run/session.js';
import { BASELINE_ATTR, CONFIG_ATTR, MAX_TRIALS_ATTR, PRUNER_NAME_ATTR, SAMPLER_NAME_ATTR, SPACE_FILE_ATTR, STAGE_ATTR, STAGE_CARRIED_ATTR, STUDY_SEED_ATTR, configValue, storedSeed } from '../storage/metadata.js';

export interface StageLineage {
  readonly of: string;
  readonly index: number;
  readonly name: string;
  readonly stages: readonly string[];
  /** The previous stage's study, null for the first. */
  readonly parent: string | null;
  readonly carry: 'fix' | 'narrow';
  /** The previous stage's best configuration, which this stage's space was built from. */
  readonly carried: Readonly<Record<string, ParamValue>>;
  readonly parentBest: { readonly trial: number; readonly value: number } | null;
  readonly opens: readonly string[];
}

export interface RunStagesOptions {
  readonly name: string;
  readonly path: string;
  readonly file: StudyFile;
  readonly storage: CachedStorage;
  readonly storageUrl: string;
  readonly plan: RunPlan;
  readonly io: CliIo;
  readonly format: 'plain' | 'json';
  readonly tui: boolean;
  readonly seed: number | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly execute: (options: ExecuteOptions) => Promise<number>;
  readonly shared: Pick<ExecuteOptions, 'trialTimeoutSeconds' | 'retries' | 'staleAfterSeconds' | 'logDir'> & { readonly artifactDir: string | undefined };
}

interface StageResult {
  readonly stage: StageSpec;
  readonly study: string;
  readonly trials: number;
  readonly best: { number: number; value: number; params: Readonly<Record<string, ParamValue>> } | undefined;
}

/** Run (or resume) every stage in order; exit code 0, or the first stage's non-zero one. */
export async function runStages(options: RunStagesOptions): Promise<number> {
  const { file, storage, io, name } = options;
  const stages = file.stages as readonly StageSpec[];
  const write = (line: string) => println(io.out, line);
  const deadline = options.timeoutSeconds === undefined ? undefined : Date.now() + options.timeoutSeconds * 1000;
  const results: StageResult[] = [];
  let previous: StageResult | undefined;
  // Every stage's sampler and pruner options are checked now: a bad one found when its stage starts would come hours late.
  for (const stage of stages) buildPolicies({ ...file, sampler: stage.sampler ?? file.sampler, pruner: stage.pruner ?? file.pruner }, 0);
  for (const [index, stage] of stages.entries()) {
    // Checked before the stage's study exists: its lineage would carry whatever best the
    // previous stage has now, and keep it for good.
    if (deadline !== undefined && Date.now() >= deadline) {
      write(`stage ${stage.name}: not started, the timeout is spent; run sodate tune again to go on`);
      return 0;
    }
    const studyName = stageStudyName(name, stage);
    const existing = await storage.loadStudy(studyName);
    const stored = existing?.systemAttrs[STAGE_ATTR] as StageLineage | undefined;
    let carried: Readonly<Record<string, ParamValue>> = {};
    if (index > 0) {
      if (stored !== undefined) carried = stored.carried;
      else if (previous?.best === undefined) {
        throw new OptionError(`stage ${(previous as StageResult).stage.name} (study ${(previous as StageResult).study}) has no complete trial to carry into stage ${stage.name}; look at its failures with \`sodate trials ${(previous as StageResult).study}\``);
      } else carried = previous.best.params;
    }
    const space = stageSpace(file.space, stages, index, carried, file.baseline);
    const stageFile: StudyFile = {
      ...file,
      space,
      sampler: stage.sampler ?? file.sampler,
      pruner: stage.pruner ?? file.pruner,
      budget: { ...file.budget, trials: stage.trials },
    };
    const seed = options.seed ?? (existing === null ? undefined : storedSeed(existing.systemAttrs)) ?? randomSeed();
    const policies = buildPolicies(stageFile, seed);
    const lineage: StageLineage = {
      of: name,
      index,
      name: stage.name,
      stages: stages.map((s) => s.name),
      parent: previous?.study ?? null,
      carry: stage.carry,
      carried,
      parentBest: previous?.best === undefined ? null : { trial: previous.best.number, value: previous.best.value },
      opens: stage.params,
    };
    const study = await createStudy({
      name: studyName,
      storage,
      ...studyFileOptions(file, policies),
      systemAttrs: { [STUDY_SEED_ATTR]: seed, [SPACE_FILE_ATTR]: options.path, [STAGE_ATTR]: lineage as unknown as JsonValue },
    });
    // The first stage starts from the plain baseline, every later one from the best so far.
    const first = index === 0 ? file.baseline : carried;
    const start = first === undefined ? {} : inside(space, first);
    if (Object.keys(start).length > 0) {
      await study.enqueueTrial(start, { skipIfExists: true, userAttrs: index === 0 ? { [BASELINE_ATTR]: true } : { [STAGE_CARRIED_ATTR]: previous?.study ?? '' } });
    }
    await study.setSystemAttr(SAMPLER_NAME_ATTR, policies.samplerName);
    await study.setSystemAttr(PRUNER_NAME_ATTR, policies.prunerName);
    await study.setSystemAttr(MAX_TRIALS_ATTR, stage.trials);
    // What \`sodate confirm\` and \`sodate ablate\` need to re-run configurations in this stage's
    // study (the whole file: its space holds every value a re-run may take). Workers still refuse stages.
    await study.setSystemAttr(
      CONFIG_ATTR,
      configValue({ file: resolve(io.cwd, options.path), text: readFileSync(options.path, 'utf8'), trials: stage.trials, trialTimeoutSeconds: options.shared.trialTimeoutSeconds ?? null, retries: options.shared.retries }),
    );

    const remaining = deadline === undefined ? undefined : Math.max(0.001, (deadline - Date.now()) / 1000);
    const dashboard =
      options.format === 'plain' && options.tui && io.out.isTTY === true
        ? startDashboard({
            study,
            stdout: io.out as NodeJS.WriteStream,
            stdin: process.stdin,
            onStopRequest: () => process.kill(process.pid, 'SIGINT'),
            fallback: plainLinesReporter(write),
            readStages: () => stageRowsOf(storage, name, study.direction),
          })
        : undefined;
    const reporter: Reporter = options.format === 'json' ? jsonLinesReporter(write) : (dashboard ?? plainLinesReporter(write));
    const earlier = new Set(stages.slice(0, index).flatMap((s) => s.params));
    const fixed = Object.keys(carried).filter((p) => earlier.has(p) && space.params.some((s) => s.name === p));
    reporter.notice?.(
      `stage ${index + 1}/${stages.length} ${stage.name} (study ${studyName}, ${stage.trials} trials): opens ${stage.params.join(', ')}` +
        (index === 0 ? '' : `; ${stage.carry === 'fix' ? 'fixes' : 'narrows around'} ${fixed.join(', ')} from ${previous?.study ?? stored?.parent ?? ''}`),
    );
    let code: number;
    try {
      code = await options.execute({
        study,
        plan: options.plan,
        reporter,
        file: stageFile,
        maxTrials: stage.trials,
        timeoutSeconds: remaining,
        ...options.shared,
        artifactDir: artifactRoot(options.shared.artifactDir, file.artifacts?.dir, options.storageUrl, io.cwd),
        samplerName: policies.samplerName,
        prunerName: policies.prunerName,
      });
    } finally {
      await dashboard?.close();
    }
    if (code !== 0) return code;
    await study.refresh();
    const best = study.bestTrial;
    const result: StageResult = {
      stage,
      study: studyName,
      trials: study.trials.filter((t) => t.state !== 'WAITING').length,
      best: best === undefined ? undefined : { number: best.number, value: best.values?.[0] as number, params: best.params },
    };
    results.push(result);
    previous = result;
    await study.close();
    // A stage the timeout cut short is not the next one's start: the next run finishes it first.
    if (deadline !== undefined && Date.now() >= deadline && result.trials < stage.trials && index + 1 < stages.length) {
      write(`stage ${stage.name}: stopped by the timeout after ${result.trials} of ${stage.trials} trials; run sodate tune again to finish it before stage ${(stages[index + 1] as StageSpec).name} starts`);
      return 0;
    }
  }
  write(stagesSummary(results, file.direction));
  return 0;
}

/** A stage's study with its lineage. */
export interface StageStudy {
  readonly record: StudyRecord;
  readonly lineage: StageLineage;
}

/** The lineage of a stage's study; undefined for any other study. */
export function stageLineageOf(record: StudyRecord | null): StageLineage | undefined {
  return record?.systemAttrs[STAGE_ATTR] as StageLineage | undefined;
}

/** The studies of staged study `of`'s stages that exist in the storage (those run so far), in stage order. */
export async function stageStudiesOf(storage: Storage, of: string): Promise<StageStudy[]> {
  const found: StageStudy[] = [];
  for (const summary of await storage.listStudies()) {
    if (!summary.name.startsWith(`${of}.`)) continue;
    const record = await storage.loadStudy(summary.name);
    const lineage = stageLineageOf(record);
    if (record !== null && lineage !== undefined && lineage.of === of) found.push({ record, lineage });
  }
  return found.sort((a, b) => a.lineage.index - b.lineage.index);
}

/**
 * The study where `sodate ablate` runs the ablation of stage study `stageStudy`. Not the stage's
 * own study: the stage fixed earlier stages' parameters (a categorical as a one-choice list),
 * and the ablation needs them at their baseline values too, with every choice. One study
 * holding both lists would store the same value as different choice indexes, which Optuna
 * (and sodate) refuse; this one holds the full space only.
 */
export function ablationStudyName(stageStudy: string): string {
  return `${stageStudy}.ablation`;
}

/** A stage's trials with the re-runs of its ablation study (its best's re-runs measure the stage's gain). */
export async function stageTrialsOf(storage: Storage, record: StudyRecord): Promise<FrozenTrial[]> {
  const all = async (id: number) => (await storage.trialsSince(id, { lastTrialId: 0, openTrialIds: [] })).trials;
  const ablation = await storage.loadStudy(ablationStudyName(record.name));
  return ablation === null ? all(record.id) : [...(await all(record.id)), ...(await all(ablation.id))];
}

/** The values of `config` the stage's space holds (a later stage's parameter the best trial had at its baseline, say). */
function inside(space: SearchSpace, config: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of space.params) {
    const value = config[spec.name];
    if (value === undefined) continue;
    try {
      if (contains(spec.distribution, toInternal(spec.distribution, value))) out[spec.name] = value;
    } catch {
      // Not a value of this distribution: left to the sampler.
    }
  }
  return out;
}

/**
 * The rows of the stages table of staged study `of` (those run so far), as `sodate report`
 * and the dashboard show them.
 */
export async function stageRowsOf(storage: CachedStorage, of: string, direction: 'minimize' | 'maximize'): Promise<StageRow[]> {
  const inputs: StageStudyInput[] = [];
  for (const s of await stageStudiesOf(storage, of)) {
    inputs.push({ name: s.lineage.name, study: s.record.name, opens: s.lineage.opens, trials: await stageTrialsOf(storage, s.record) });
  }
  return stageRows(inputs, direction);
}

/** The stages side by side: best per stage and its gain over the stage before. */
export function stagesSummary(results: readonly StageResult[], direction: 'minimize' | 'maximize'): string {
  const rows = results.map((r, i) => {
    const before = i === 0 ? undefined : results[i - 1]?.best?.value;
    const value = r.best?.value;
    const gain = before === undefined || value === undefined ? '-' : formatNumber(direction === 'minimize' ? before - value : value - before);
    return [String(i + 1), r.stage.name, r.study, String(r.trials), value === undefined ? '-' : formatNumber(value), r.best === undefined ? '-' : String(r.best.number), gain, r.stage.params.join(', ')];
  });
  return `stages:\n${renderTable(['stage', 'name', 'study', 'trials', 'best', 'trial', 'gain', 'opens'], rows)}`;
}
