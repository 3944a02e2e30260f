/**
 * Finding a staged study's stages in a storage. `sodate tune` runs each stage of a space
 * file's `stages:` as its own study `<study>.<stage>` and stores its lineage with it
 * (`sodate:stage`): the stage's place, the study it continued and the values it carried.
 * Reports, the dashboard, `sodate confirm` and `sodate ablate` read stages back through here.
 */
import type { ParamValue } from '../space/distributions.js';
import { STAGE_ATTR } from '../storage/metadata.js';
import type { FrozenTrial, StudyRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';

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
