import { hashLabels } from '../samplers/rng.js';

/** System attribute holding the seed a trial's objective gets (`trial.seed`, `SODATE_TRIAL_SEED`, `{seed}`). */
export const TRIAL_SEED_ATTR = 'sodate:trial_seed';

/** User attributes of a confirmation trial (`sodate confirm`): the trial it re-runs and its seed. */
export const CONFIRM_OF_ATTR = 'sodate:confirm_of';
export const CONFIRM_SEED_ATTR = 'sodate:confirm_seed';

/**
 * The seed of trial `number` of a study seeded `studySeed`: a 32-bit hash of both, so a
 * trial re-run with its stored seed draws the same randomness and two trials never share
 * a stream. Independent of the sampler's own streams (another label).
 */
export function trialSeed(studySeed: number, number: number): number {
  return hashLabels(studySeed, ['sodate:trial_seed', number]);
}

/**
 * The seed of the `k`-th re-run (k = 0, 1, …) of trial `original` by `sodate confirm`.
 * Fixed by its inputs, so an interrupted confirmation resumes with the same seeds and
 * `--seeds 3` re-uses the first three runs of an earlier `--seeds 5`.
 */
export function confirmSeed(studySeed: number, original: number, k: number): number {
  return hashLabels(studySeed, ['sodate:confirm_seed', original, k]);
}
