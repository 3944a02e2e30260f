import type { JsonValue } from '../json.js';
import { hashLabels } from '../samplers/rng.js';
import type { PROPOSAL_OF } from '../storage/metadata.js';
import { ABLATION_ATTR, ABLATION_SEED_ATTR, CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR } from '../storage/metadata.js';

/**
 * The user attributes that make a trial a re-run of a fixed configuration with a fixed
 * seed rather than a tuning trial: a retry keeps them (it is the same re-run), and the
 * seed attribute, when there, is the trial's seed.
 */
export const RERUN_ATTRS = [CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR, ABLATION_ATTR, ABLATION_SEED_ATTR] as const;

/** The seed a re-run fixed in its user attributes, if any. */
export function rerunSeed(userAttrs: Readonly<Record<string, JsonValue>>): number | undefined {
  for (const key of [CONFIRM_SEED_ATTR, ABLATION_SEED_ATTR]) {
    const seed = userAttrs[key];
    if (typeof seed === 'number') return seed;
  }
  return undefined;
}

/**
 * The seed of trial `number` of a study seeded `studySeed`: a 32-bit hash of both, so a
 * trial re-run with its stored seed draws the same randomness and two trials never share
 * a stream. Independent of the sampler's own streams (another label).
 */
export function trialSeed(studySeed: number, number: number): number {
  return hashLabels(studySeed, ['sodate:trial_seed', number]);
}

/**
 * The seed of stage `index` (0, 1, …) of a staged study whose file or flag gives `seed`: the
 * first stage's is `seed`, each later one's a hash of both. Every stage's study numbers its
 * trials from 0, so one seed for all would give trial n of every stage the same trial seed
 * (and the same confirm seeds): a stage's first trial, re-running the previous best, would
 * replay its run exactly instead of measuring it again.
 */
export function stageSeed(seed: number, index: number): number {
  return index === 0 ? seed : hashLabels(seed, ['sodate:stage_seed', index]);
}

/**
 * The one seed every tuning trial of a study with `trialSeeds: shared` gets: configurations
 * are then compared on the same initialisation and data order (common random numbers), and
 * a deterministic trainer given the same knobs again retraces the same curve.
 */
export function sharedTrialSeed(studySeed: number): number {
  return hashLabels(studySeed, ['sodate:shared_trial_seed']);
}

/**
 * The seed of the `k`-th re-run (k = 0, 1, …) of trial `original` by `sodate confirm`
 * (PROPOSAL_OF: of the model's proposal).
 * Fixed by its inputs, so an interrupted confirmation resumes with the same seeds and
 * `--seeds 3` re-uses the first three runs of an earlier `--seeds 5`.
 */
export function confirmSeed(studySeed: number, original: number | typeof PROPOSAL_OF, k: number): number {
  return hashLabels(studySeed, ['sodate:confirm_seed', original, k]);
}

/**
 * The `k`-th seed (k = 0, 1, …) of `sodate ablate` for a role: 'search' seeds choose the
 * path's order, 'report' seeds measure the chosen path. Every configuration of one ablation
 * runs on the same seeds (common random numbers), so differences between two of them are
 * paired seed by seed; `--seeds 3` re-uses the first three of an earlier `--seeds 5`.
 */
export function ablationSeed(studySeed: number, role: 'search' | 'report', k: number): number {
  return hashLabels(studySeed, ['sodate:ablation_seed', role, k]);
}
