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
import { artifactRoot } from '../artifacts/paths.js';
import { OptionError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { randomSeed } from '../samplers/rng.js';
import { stageSeed } from '../study/seeds.js';
import type { ParamValue } from '../space/distributions.js';
import { contains, toInternal } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';
import type { StageSpec } from '../space/stages.js';
import { stageSpace, stageStudyName } from '../space/stages.js';
import { BASELINE_ATTR, CONFIG_ATTR, MAX_TRIALS_ATTR, PRUNER_NAME_ATTR, SAMPLER_NAME_ATTR, SPACE_FILE_ATTR, STAGE_ATTR, STAGE_CARRIED_ATTR, STUDY_SEED_ATTR, configValue, storedSeed } from '../storage/metadata.js';
import { budgetTrialCount } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { createStudy } from '../study/create.js';
import type { StageLineage } from '../study/stage-lineage.js';
import { stageLineageOf } from '../study/stage-lineage.js';
import type { Study } from '../study/study.js';
import type { StudyFile } from '../study-file/study-file.js';
import type { RunPlan } from './plan.js';
import { buildPolicies } from './policies.js';
import type { Reporter } from './reporter.js';
import type { ExecuteOptions } from './session.js';
import { samplerSeedOf, studyFileOptions } from './session.js';
import { checkSpaceAgainstTrials } from './space-compatibility.js';

export interface RunStagesOptions {
  readonly name: string;
  /** The space file, as given. */
  readonly path: string;
  readonly cwd: string;
  readonly file: StudyFile;
  readonly storage: Storage;
  readonly storageUrl: string;
  readonly plan: RunPlan;
  readonly seed: number | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly execute: (options: ExecuteOptions) => Promise<number>;
  readonly shared: Pick<ExecuteOptions, 'trialTimeoutSeconds' | 'retries' | 'staleAfterSeconds' | 'logDir'> & { readonly artifactDir: string | undefined };
  /** How a stage's run is shown (the CLI's dashboard or lines); closed when the stage ends. */
  readonly present: (study: Study) => StagePresentation;
  /** A line for the user: why the run stops before its last stage. */
  readonly say: (line: string) => void;
}

export interface StagePresentation {
  readonly reporter: Reporter;
  close(): Promise<void>;
}

/** How the stages run went: the exit code, each stage run, and whether every stage ran its budget. */
export interface StagesOutcome {
  readonly code: number;
  readonly results: readonly StageResult[];
  readonly done: boolean;
}

export interface StageResult {
  readonly stage: StageSpec;
  readonly study: string;
  readonly trials: number;
  readonly best: { number: number; value: number; params: Readonly<Record<string, ParamValue>> } | undefined;
}

/** Run (or resume) every stage in order; stops at the first stage whose run ends with a non-zero exit code. */
export async function runStages(options: RunStagesOptions): Promise<StagesOutcome> {
  const { file, storage, name } = options;
  const stages = file.stages as readonly StageSpec[];
  const write = options.say;
  const deadline = options.timeoutSeconds === undefined ? undefined : Date.now() + options.timeoutSeconds * 1000;
  const results: StageResult[] = [];
  let previous: StageResult | undefined;
  let executed = false;
  // Every stage's sampler and pruner options are checked now: a bad one found when its stage starts would come hours late.
  for (const stage of stages) buildPolicies({ ...file, sampler: stage.sampler ?? file.sampler, pruner: stage.pruner ?? file.pruner }, 0);
  await checkStagesAsRun(storage, name, file, stages, options.path);
  for (const [index, stage] of stages.entries()) {
    // Checked before the stage's study exists: its lineage would carry whatever best the
    // previous stage has now, and keep it for good.
    if (deadline !== undefined && Date.now() >= deadline) {
      write(`stage ${stage.name}: not started, the timeout is spent; run sodate tune again to go on`);
      return { code: 0, results, done: false };
    }
    const studyName = stageStudyName(name, stage);
    const existing = await storage.loadStudy(studyName);
    const stored = stageLineageOf(existing);
    let carried: Readonly<Record<string, ParamValue>> = {};
    /** Set when this stage was built on an earlier best of the stage before, which has since grown. */
    let staleBase: string | undefined;
    if (index > 0) {
      if (stored !== undefined) {
        carried = stored.carried;
        const built = stored.parentBest;
        const now = previous?.best;
        if (built !== null && now !== undefined && built.trial !== now.number) {
          staleBase =
            `stage ${stage.name} (study ${studyName}) was built on trial ${built.trial} of ${stored.parent ?? ''} (${built.value}), whose best is now trial ${now.number} (${now.value}); ` +
            `it keeps the values it carried: to build it on the new best, delete its study (sodate delete ${studyName}) and those of the stages after it, and run sodate tune again`;
        }
      }
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
    // A stage's study keeps the seed it was created with (its trial and confirm seeds derive
    // from it); a new one takes the flag's or the file's, else its sampler's, each stage its own (stageSeed).
    const storedStudySeed = existing === null ? undefined : storedSeed(existing.systemAttrs);
    const given = options.seed ?? samplerSeedOf(stageFile);
    const seed = storedStudySeed ?? (given === undefined ? randomSeed() : stageSeed(given, index));
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
      await study.enqueueTrial(start, { skipIfExists: true, retryFailed: true, userAttrs: index === 0 ? { [BASELINE_ATTR]: true } : { [STAGE_CARRIED_ATTR]: previous?.study ?? '' } });
    }
    await study.setSystemAttr(SAMPLER_NAME_ATTR, policies.samplerName);
    await study.setSystemAttr(PRUNER_NAME_ATTR, policies.prunerName);
    await study.setSystemAttr(MAX_TRIALS_ATTR, stage.trials);
    // What \`sodate confirm\` and \`sodate ablate\` need to re-run configurations in this stage's
    // study (the whole file: its space holds every value a re-run may take). Workers still refuse stages.
    await study.setSystemAttr(
      CONFIG_ATTR,
      configValue({ file: resolve(options.cwd, options.path), text: readFileSync(resolve(options.cwd, options.path), 'utf8'), trials: stage.trials, trialTimeoutSeconds: options.shared.trialTimeoutSeconds ?? null, retries: options.shared.retries }),
    );

    const remaining = deadline === undefined ? undefined : Math.max(0.001, (deadline - Date.now()) / 1000);
    const { reporter, close } = options.present(study);
    if (staleBase !== undefined) reporter.notice?.(staleBase);
    const earlier = new Set(stages.slice(0, index).flatMap((s) => s.params));
    const fixed = Object.keys(carried).filter((p) => earlier.has(p) && space.params.some((s) => s.name === p));
    reporter.notice?.(
      `stage ${index + 1}/${stages.length} ${stage.name} (study ${studyName}, ${stage.trials} trials): opens ${stage.params.join(', ')}` +
        (index === 0 ? '' : `; ${stage.carry === 'fix' ? 'fixes' : 'narrows around'} ${fixed.join(', ')} from ${previous?.study ?? stored?.parent ?? ''}`),
    );
    let code: number;
    const planSaid = executed;
    executed = true;
    try {
      code = await options.execute({
        study,
        // What the plan has to say (GPUs it could not check) is said once, before the first stage that runs.
        plan: planSaid ? { ...options.plan, notices: [] } : options.plan,
        reporter,
        file: stageFile,
        maxTrials: stage.trials,
        timeoutSeconds: remaining,
        ...options.shared,
        artifactDir: artifactRoot(options.shared.artifactDir, file.artifacts?.dir, options.storageUrl, options.cwd),
        samplerName: policies.samplerName,
        prunerName: policies.prunerName,
      });
    } finally {
      await close();
    }
    if (code !== 0) return { code, results, done: false };
    await study.refresh();
    const best = study.bestTrial;
    const result: StageResult = {
      stage,
      study: studyName,
      trials: budgetTrialCount(study.trials),
      best: best === undefined ? undefined : { number: best.number, value: best.values?.[0] as number, params: best.params },
    };
    results.push(result);
    previous = result;
    await study.close();
    // A stage the timeout cut short is not the next one's start: the next run finishes it first.
    if (deadline !== undefined && Date.now() >= deadline && result.trials < stage.trials && index + 1 < stages.length) {
      write(`stage ${stage.name}: stopped by the timeout after ${result.trials} of ${stage.trials} trials; run sodate tune again to finish it before stage ${(stages[index + 1] as StageSpec).name} starts`);
      return { code: 0, results, done: false };
    }
  }
  return { code: 0, results, done: true };
}

/**
 * Refuses, before any trial runs, a file whose stages no longer match the stage studies
 * already stored (a parameter moved to another stage, the stages reordered, `carry`
 * changed): each stored stage's space was built from its lineage, so resuming it under
 * another layout would fail its trials one by one or carry values from the wrong stage.
 * Budgets, samplers and pruners may change between runs.
 */
async function checkStagesAsRun(storage: Storage, name: string, file: StudyFile, stages: readonly StageSpec[], path: string): Promise<void> {
  for (const [index, stage] of stages.entries()) {
    const studyName = stageStudyName(name, stage);
    const record = await storage.loadStudy(studyName);
    const stored = stageLineageOf(record);
    if (record === null || stored === undefined) continue;
    const parent = index === 0 ? null : stageStudyName(name, stages[index - 1] as StageSpec);
    const changes: string[] = [];
    if (stored.index !== index) changes.push(`it was stage ${stored.index + 1}, the file makes it stage ${index + 1}`);
    if ([...stored.opens].sort().join('\u0000') !== [...stage.params].sort().join('\u0000')) changes.push(`it opened ${stored.opens.join(', ')}, the file opens ${stage.params.join(', ')}`);
    if (index > 0 && stored.carry !== stage.carry) changes.push(`it carried with ${stored.carry}, the file says ${stage.carry}`);
    if (stored.index === index && stored.parent !== parent) changes.push(`it continued ${stored.parent ?? 'no stage'}, the file puts it after ${parent ?? 'no stage'}`);
    if (changes.length > 0) {
      throw new OptionError(
        `${path}:${stage.line}: stages[${index}] (${stage.name}) already ran as study ${studyName}, and ${changes.join('; ')}: give the changed stage a new name, or delete its study (sodate delete ${studyName}) and those of the stages after it to run it again`,
      );
    }
    const opened = file.space.params.filter((p) => stage.params.includes(p.name));
    await checkSpaceAgainstTrials(storage, record, opened, (param: string) => `${path}:${stage.line}: stages[${index}] (${stage.name}), ${param}`);
  }
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
