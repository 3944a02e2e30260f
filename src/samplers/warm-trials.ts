/**
 * How a sampler tells a warm start's old trials from the study's own: the old ones come
 * first in the sampler's view, with negative ids (src/study/warm-start.ts).
 */
import type { FrozenTrial } from '../storage/records.js';
import type { StudyView } from '../policies/policies.js';

export function isWarmStarted(study: StudyView): boolean {
  return (study.getTrials()[0]?.id ?? 0) < 0;
}

export function isOwnTrial(trial: FrozenTrial): boolean {
  return trial.id >= 0;
}

/** A trial's number in its own study: the sampler's view numbers it past the old trials. */
export function ownNumber(study: StudyView, trial: FrozenTrial): number {
  const trials = study.getTrials();
  const old = trials.findIndex(isOwnTrial);
  return trial.number - (old < 0 ? trials.length : old);
}

/** The study without a warm start's old trials (the study itself when it has none). */
export function ownTrialsView(study: StudyView): StudyView {
  if (!isWarmStarted(study)) return study;
  return { ...study, getTrials: (states) => study.getTrials(states).filter(isOwnTrial) };
}

/** A warm start's old trials in these states (none when the study was not warm-started). */
export function oldTrials(study: StudyView, states?: Parameters<StudyView['getTrials']>[0]): FrozenTrial[] {
  if (!isWarmStarted(study)) return [];
  return study.getTrials(states).filter((t) => !isOwnTrial(t));
}
