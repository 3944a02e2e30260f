/**
 * The orchestrator's steps for paused trials (`pause: true`): noting the checkpoints a trial
 * saves, pausing a stopped trial at its checkpoint, promoting a paused trial the pruner would
 * run on, and stopping a resumed run that a stale check put back to paused. Every decision is
 * read from the study, so workers on several machines share it.
 */
import type { ArtifactKeeper } from '../artifacts/keeper.js';
import type { FrozenTrial } from '../storage/records.js';
import { isPaused } from '../storage/records.js';
import type { ResumePoint } from '../study/checkpoint.js';
import { checkpointName, checkpointProblem, resumePointOf } from '../study/checkpoint.js';
import type { Study } from '../study/study.js';
import type { StudyTrial } from '../study/trial.js';
import type { ActiveTrial } from './active-trial.js';
import { CHECKPOINT_ATTR, CHECKPOINT_STEP_ATTR, PAUSED_ATTR, PAUSED_STEP_ATTR } from '../storage/metadata.js';

/** Why a resumed trial's run here ends when a stale check put the trial back to paused. */
export const PUT_BACK_TO_PAUSED = 'put back to paused while this process stalled';

/** A checkpoint the trial saved: kept (and stored, so another process can resume it) when it lies in the trial's directory. */
export function noteCheckpoint(study: Study, entry: ActiveTrial, path: string, step: number | undefined): void {
  if (entry.stopSaid) return;
  const warn = (why: string) => entry.log.append(`sodate: checkpoint ${path} ignored: ${why}\n`);
  if (entry.artifactDir === undefined) return warn('this run keeps no trial directories (artifacts are off)');
  const at = step ?? entry.lastStep;
  if (at === undefined) return warn('no step was reported before it; give its step ({"checkpoint": …, "step": 0})');
  const named = checkpointName(entry.artifactDir, path);
  if ('refused' in named) {
    // Only a pruner that pauses needs the file; otherwise a path elsewhere is a note, not a failure.
    if (study.pruner.pausesTrials === true) entry.failure ??= named.refused;
    else warn(named.refused);
    return;
  }
  entry.checkpoint = { name: named.name, step: at };
  entry.trial.setSystemAttr(CHECKPOINT_ATTR, named.name);
  entry.trial.setSystemAttr(CHECKPOINT_STEP_ATTR, at);
}

/**
 * A stopped trial whose pruner pauses and whose checkpoint is on disk is paused: PRUNED
 * for Optuna, with `sodate:paused` so that a later promotion can resume it.
 */
export function pauseIfResumable(study: Study, entry: ActiveTrial): boolean {
  const { checkpoint, artifactDir } = entry;
  if (study.pruner.pausesTrials !== true || checkpoint === undefined || artifactDir === undefined) return false;
  const point = resumePointOf(artifactDir, { [CHECKPOINT_ATTR]: checkpoint.name, [CHECKPOINT_STEP_ATTR]: checkpoint.step });
  const problem = point === undefined ? `checkpoint ${checkpoint.name} is missing` : checkpointProblem(artifactDir, point.path);
  if (problem !== undefined) {
    entry.log.append(`sodate: not paused: ${problem}\n`);
    return false;
  }
  entry.trial.setSystemAttr(PAUSED_STEP_ATTR, entry.lastStep ?? checkpoint.step);
  entry.trial.setSystemAttr(PAUSED_ATTR, true);
  return true;
}

/**
 * Where this process would resume a paused trial from: its checkpoint under our artifact root,
 * if it is there; `unavailable` hears why not when the trial is paused but its file is not.
 */
function resumePointHere(study: Study, keeper: ArtifactKeeper, active: ReadonlyMap<number, ActiveTrial>, trial: FrozenTrial, unavailable?: (trial: FrozenTrial, why: string) => void): ResumePoint | undefined {
  if (active.has(trial.number)) return undefined;
  const dir = keeper.trialDir(study.name, trial.number);
  const point = resumePointOf(dir, trial.systemAttrs);
  const problem = point === undefined ? `its checkpoint ${String(trial.systemAttrs[CHECKPOINT_ATTR] ?? '')} is not in ${dir}` : checkpointProblem(dir, point.path);
  if (problem !== undefined) {
    unavailable?.(trial, problem);
    return undefined;
  }
  return point;
}

/**
 * A paused trial the pruner promotes now, resumed in its own number; null when none is.
 * `unavailable` hears of paused trials this process cannot resume (their checkpoint is not
 * under its artifact root: another machine's, another --artifact-dir, or removed).
 */
export async function promoteNext(
  study: Study,
  keeper: ArtifactKeeper | undefined,
  active: ReadonlyMap<number, ActiveTrial>,
  unavailable?: (trial: FrozenTrial, why: string) => void,
): Promise<{ trial: StudyTrial; resume: ResumePoint } | null> {
  if (study.pruner.pausesTrials !== true || keeper === undefined) return null;
  const trial = await study.resumePromoted((t) => resumePointHere(study, keeper, active, t, unavailable) !== undefined);
  if (trial === null) return null;
  const resume = resumePointOf(keeper.trialDir(study.name, trial.number), trial.frozen().systemAttrs) as ResumePoint;
  return { trial, resume };
}

/**
 * A resumed trial that a stale check (of any process) put back to paused while it still runs
 * here: this process stalled past the grace period. Its run stops before another worker
 * resumes it into the same directory, and nothing it does is stored after this (the trial is
 * PRUNED again; a later tell changes nothing). `notice` gets `trial N was put back to paused`.
 */
export async function stopRunsPutBackToPaused(study: Study, active: Iterable<ActiveTrial>, notice: (line: string) => void): Promise<void> {
  for (const entry of active) {
    if (!entry.resumed || entry.stopSaid) continue;
    if (!isPaused(await study.storage.getTrial(entry.trial.id))) continue;
    entry.stopSaid = true;
    entry.failure ??= PUT_BACK_TO_PAUSED;
    entry.run?.stop('interrupted');
    notice(`trial ${entry.trial.number} was put back to paused`);
  }
}
