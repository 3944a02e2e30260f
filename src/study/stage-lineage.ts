/**
 * Finding a staged study's stages in a storage. `sodate tune` runs each stage of a space
 * file's `stages:` as its own study `<study>.<stage>` and stores its lineage with it
 * (`sodate:stage`): the stage's place, the study it continued and the values it carried.
 * Reports, the dashboard, `sodate confirm` and `sodate ablate` read stages back through here.
 */
import type { ParamValue } from '../space/distributions.js';
import { ABLATION_OF_ATTR, STAGE_ATTR } from '../storage/metadata.js';
import type { FrozenTrial, StudyRecord } from '../storage/records.js';
import { isRerun } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { rerunSeed } from './seeds.js';

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
 * What to say when `name` is no study but a staged study's name (its stages' studies are
 * `<name>.<stage>`): which studies to name instead. Undefined when it is not one either.
 */
export async function stagedStudyHint(storage: Storage, name: string): Promise<string | undefined> {
  const stages = await stageStudiesOf(storage, name);
  if (stages.length === 0) return undefined;
  return `"${name}" is a staged study: name one of its stages' studies, ${stages.map((s) => s.record.name).join(', ')}`;
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

/**
 * A stage's trials, with the re-runs of the configurations it tried wherever sodate stored
 * them: `sodate confirm` keeps its re-runs in the study it confirms (this stage's, or another
 * stage's that tried the same configuration, as each stage's first trial re-runs the one
 * before's best), and `sodate ablate` in the ablation study of the stage it ablated, which by
 * stage holds runs of every earlier stage's best (`ablate --stages` puts them all in the
 * latest stage's). A re-run of another study counts here when it ran exactly the parameters of
 * one of this stage's tuning trials; the stage's best's re-runs measure its gain. For a study
 * that is not a stage, its ablation studies are looked in.
 */
export async function stageTrialsOf(storage: Storage, record: StudyRecord): Promise<FrozenTrial[]> {
  const own = await allTrialsOf(storage, record.id);
  const tried = new Set(own.filter((t) => !isRerun(t)).map((t) => configurationKey(t.params)));
  const found: FrozenTrial[] = [];
  for (const id of await rerunStudiesOf(storage, record)) {
    for (const t of await allTrialsOf(storage, id)) if (isRerun(t) && tried.has(configurationKey(t.params))) found.push(t);
  }
  // Under one study seed, `ablate <stage>` and `ablate --stages` run an earlier stage's best
  // with the same seeds: one measurement stored twice, which would narrow its interval.
  const measured = new Set<string>();
  const firstOfItsSeed = (t: FrozenTrial) => {
    const seed = rerunSeed(t.userAttrs);
    if (!isRerun(t) || t.state !== 'COMPLETE' || seed === undefined) return true;
    const key = `${configurationKey(t.params)}\u0000${seed}`;
    if (measured.has(key)) return false;
    measured.add(key);
    return true;
  };
  return [...own, ...found].filter(firstOfItsSeed);
}

/**
 * The other studies that may hold re-runs of `record`'s configurations: for a stage, its
 * staged study's stages and the ablation studies of those (`sodate:ablation_of`); for any
 * other study, its own ablation studies.
 */
async function rerunStudiesOf(storage: Storage, record: StudyRecord): Promise<number[]> {
  const studies = await storage.listStudies();
  const of = stageLineageOf(record)?.of;
  const stages = new Set(of === undefined ? [record.name] : studies.filter((s) => stageLineageOf(s)?.of === of).map((s) => s.name));
  const ablates = (s: StudyRecord) => {
    const ablated = s.systemAttrs[ABLATION_OF_ATTR];
    return typeof ablated === 'string' && stages.has(ablated);
  };
  return studies.filter((s) => s.id !== record.id && (stages.has(s.name) || ablates(s))).map((s) => s.id);
}

async function allTrialsOf(storage: Storage, studyId: number): Promise<FrozenTrial[]> {
  return (await storage.trialsSince(studyId, { lastTrialId: 0, openTrialIds: [] })).trials;
}

/** The same key for the same parameters and values, whatever their order. */
export function configurationKey(params: Readonly<Record<string, ParamValue>>): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}
