import type { JsonValue } from '../json.js';

/**
 * Every attribute key sodate stores beside a study or a trial, in one place: what it
 * holds, who writes it, and the typed readers for the ones several parts read. Keys are
 * `sodate:*`, except the few Optuna itself reads and writes (`fail_reason`, `fixed_params`,
 * `constraints:<name>`), kept under Optuna's names so its tools read sodate's studies.
 */

type Attrs = Readonly<Record<string, JsonValue>>;

// ── Study system attributes ────────────────────────────────────────────────────────────

/** The sampler seed a run used (`--seed`, the file's `seed:`, else a random one stored at the first run). */
export const STUDY_SEED_ATTR = 'sodate:seed';
/** The space file `sodate tune` ran the study from, as given on its command line. */
export const SPACE_FILE_ATTR = 'sodate:space_file';
/** What `sodate worker` needs to join the study from another process (`StoredConfig`). */
export const CONFIG_ATTR = 'sodate:config';
/** The sampler's and pruner's names, for an attached dashboard's header. */
export const SAMPLER_NAME_ATTR = 'sodate:sampler';
export const PRUNER_NAME_ATTR = 'sodate:pruner';
/** The study's trial budget (null: none), for an attached dashboard's header. */
export const MAX_TRIALS_ATTR = 'sodate:max_trials';
/** A stage's study: where it sits in the staged study and what it carried. */
export const STAGE_ATTR = 'sodate:stage';
/** An ablation study (`<study>.<stage>.ablation`): the stage study it ablates. */
export const ABLATION_OF_ATTR = 'sodate:ablation_of';
/** The limits of the study's constrained metrics (`constraints:` of the space file). */
export const CONSTRAINT_LIMITS_KEY = 'sodate:constraints';
/** How many paused trials were resumed, bumped by each resume in its transaction (readers re-read paused trials only after one). */
export const RESUME_COUNT_ATTR = 'sodate:resume_count';
/** What a warm start used: `{ from, storage, trials, dropped }`. */
export const WARM_START_SYSTEM_ATTR = 'sodate:warm_start';

// ── Trial system attributes ────────────────────────────────────────────────────────────

/** Why a trial failed (Optuna's key). */
export const FAIL_REASON_KEY = 'fail_reason';
/**
 * Constraint values, where Optuna 5 keeps them: one attribute per constraint,
 * `constraints:<name>`, holding how far the trial is past the limit (≤ 0: satisfied).
 * Optuna's older form, one `constraints` list, is read too.
 */
export const CONSTRAINT_KEY_PREFIX = 'constraints:';
export const LEGACY_CONSTRAINTS_KEY = 'constraints';
/** Parameters an enqueued trial must take (Optuna's key). */
export const FIXED_PARAMS_KEY = 'fixed_params';
/** The slot and device a trial ran on, set at dispatch. */
export const SLOT_ATTR = 'sodate:slot';
export const DEVICE_ATTR = 'sodate:device';
/** The last bytes of the trial's log. */
export const LOG_TAIL_ATTR = 'sodate:log_tail';
/** A retried trial's original number, and how many retries it has had. */
export const RETRY_OF_ATTR = 'sodate:retry_of';
export const RETRIES_ATTR = 'sodate:retries';
/** A note on the trial's value that storage cannot hold as a number ('NaN'). */
export const VALUE_NOTE_ATTR = 'sodate:value';
/** The expected last step, when the runner knows it (an objective may set the user attribute `max_step`). */
export const MAX_STEP_ATTR = 'sodate:max_step';
/** The seed a trial's objective gets (`trial.seed`, `SODATE_TRIAL_SEED`, `{seed}`). */
export const TRIAL_SEED_ATTR = 'sodate:trial_seed';
/**
 * Study system attribute: `'shared'` when every tuning trial gets the same seed (common random
 * numbers; `trialSeeds` in a space file), `'per-trial'` or absent when each draws its own.
 */
export const TRIAL_SEEDS_ATTR = 'sodate:trial_seeds';
export type TrialSeeds = 'per-trial' | 'shared';
export const TRIAL_SEEDS: readonly TrialSeeds[] = ['per-trial', 'shared'];
/** True on a trial that reports folds (`reportFold`) instead of steps. */
export const FOLDS_ATTR = 'sodate:folds';
/** Which sampler `auto` chose for the trial. */
export const AUTO_CHOICE_ATTR = 'sodate:auto_sampler';
/** Prefix of a constrained metric's measured value (the violation is under `constraints:<name>`). */
export const MEASURED_KEY_PREFIX = 'sodate:measured:';
/**
 * Prefix of the attributes holding several objectives' intermediate values, one per step
 * (`sodate:values@<step>`, see src/multi-objective/intermediate.ts); storage drops them when a
 * resume deletes the steps after a checkpoint.
 */
export const INTERMEDIATE_VECTOR_PREFIX = 'sodate:values@';
/**
 * On a PRUNED trial paused at a checkpoint rather than dropped: true while a pruner may still
 * promote it (resume it in the same trial number), false once it was resumed. Optuna reads the
 * trial as PRUNED; sodate reads it again after a resume (see `TrialCursor`).
 */
export const PAUSED_ATTR = 'sodate:paused';
/** The checkpoint file, relative to the trial's directory (`SODATE_TRIAL_DIR`), and the last step it holds (a resumed run continues after it). */
export const CHECKPOINT_ATTR = 'sodate:checkpoint';
export const CHECKPOINT_STEP_ATTR = 'sodate:checkpoint_step';
/** The last step a paused trial reported before it was stopped. */
export const PAUSED_STEP_ATTR = 'sodate:paused_step';
/** How many times the trial was resumed. */
export const RESUMES_ATTR = 'sodate:resumes';
/** The trial's directory (absolute, set when it starts), when its files were recorded and how many (`{ at, files, bytes }`), when retention deleted it (an ISO time). */
export const ARTIFACT_DIR_ATTR = 'sodate:artifact_dir';
export const ARTIFACTS_RECORDED_ATTR = 'sodate:artifacts_recorded';
export const ARTIFACTS_DELETED_ATTR = 'sodate:artifacts_deleted';
/** Where the trial's directory was uploaded, and what was uploaded. */
export const ARTIFACT_REMOTE_ATTR = 'sodate:artifact_remote';
export const ARTIFACTS_UPLOADED_ATTR = 'sodate:artifacts_uploaded';

// ── Trial user attributes ──────────────────────────────────────────────────────────────

/** True on the space file's `baseline:` trial. */
export const BASELINE_ATTR = 'sodate:baseline';
/** A confirmation trial (`sodate confirm`): the trial it re-runs (PROPOSAL_OF for the model's proposal) and its seed. */
export const CONFIRM_OF_ATTR = 'sodate:confirm_of';
export const CONFIRM_SEED_ATTR = 'sodate:confirm_seed';
/** `sodate:confirm_of` of a re-run of the model's proposal, a configuration no tuning trial ran. */
export const PROPOSAL_OF = 'model';
/** On a proposal's re-runs: which tuning trials the proposal was made from (a later proposal, after more tuning, is another configuration). */
export const CONFIRM_PROPOSAL_ATTR = 'sodate:confirm_proposal';
/**
 * An ablation trial (`sodate ablate`): which configuration it measures (an object: the
 * baseline and target trials, the parameters taken from the target, the seed's role and
 * index) and its seed.
 */
export const ABLATION_ATTR = 'sodate:ablation';
export const ABLATION_SEED_ATTR = 'sodate:ablation_seed';
/** The trial that re-runs the previous stage's best configuration first: that stage's study. */
export const STAGE_CARRIED_ATTR = 'sodate:stage_carried_from';
/** Each old trial as samplers see it in a warm-started study: `<study>#<number>`. */
export const WARM_START_OF_ATTR = 'sodate:warm_start_of';
/** The enqueued best old configuration of a warm start: the earlier study's name. */
export const WARM_START_BEST_ATTR = 'sodate:warm_start_best';

// ── Typed readers and writers ──────────────────────────────────────────────────────────

/** A number attribute, or undefined when missing or not a number. */
export function numberAttr(attrs: Attrs, key: string): number | undefined {
  const value = attrs[key];
  return typeof value === 'number' ? value : undefined;
}

/** A string attribute, or undefined when missing or not a string. */
export function stringAttr(attrs: Attrs, key: string): string | undefined {
  const value = attrs[key];
  return typeof value === 'string' ? value : undefined;
}

/** The seed stored with a study, if it has one. */
export function storedSeed(studySystemAttrs: Attrs): number | undefined {
  return numberAttr(studySystemAttrs, STUDY_SEED_ATTR);
}

/** Why a trial failed, as stored; undefined for one that did not fail or left no reason. */
export function failReason(trial: { readonly systemAttrs: Attrs }): JsonValue | undefined {
  return trial.systemAttrs[FAIL_REASON_KEY];
}

/** The fail reason of a trial a second Ctrl-C stopped. */
export const INTERRUPTED_REASON = 'interrupted';
/** How the fail reason of a trial whose process died (no heartbeat) begins. */
export const STALE_REASON_PREFIX = 'no heartbeat for ';

/** Whether a FAIL trial was cut short from outside (interrupted, or its process died) rather than failed by its own run. */
export function wasCutShort(trial: { readonly systemAttrs: Attrs }): boolean {
  const reason = failReason(trial);
  return reason === INTERRUPTED_REASON || (typeof reason === 'string' && reason.startsWith(STALE_REASON_PREFIX));
}

/** Whether a trial is the space file's baseline. */
export function isBaseline(trial: { readonly userAttrs: Attrs }): boolean {
  return trial.userAttrs[BASELINE_ATTR] === true;
}

/** What `sodate tune` stores (`sodate:config`) so that `sodate worker` and re-runs can join the study. */
export interface StoredConfig {
  /** The space file's absolute path: relative paths in it resolve as they did for tune. */
  file: string;
  /** The space file's text when the study was tuned. */
  text: string;
  trials: number | null;
  trialTimeoutSeconds: number | null;
  retries: number;
}

/** The stored configuration of a study, or undefined when `sodate tune` did not start it. */
export function storedConfig(studySystemAttrs: Attrs): StoredConfig | undefined {
  const c = studySystemAttrs[CONFIG_ATTR] as Partial<StoredConfig> | null | undefined;
  if (c === null || typeof c !== 'object' || typeof c.file !== 'string' || typeof c.text !== 'string') return undefined;
  return {
    file: c.file,
    text: c.text,
    trials: typeof c.trials === 'number' ? c.trials : null,
    trialTimeoutSeconds: typeof c.trialTimeoutSeconds === 'number' ? c.trialTimeoutSeconds : null,
    retries: typeof c.retries === 'number' ? c.retries : 0,
  };
}

/** A configuration as it is stored (key order kept: it is what Optuna's tools show). */
export function configValue(config: StoredConfig): JsonValue {
  return { file: config.file, text: config.text, trials: config.trials, trialTimeoutSeconds: config.trialTimeoutSeconds, retries: config.retries };
}

/** The space file's text in a study's stored configuration, if any. */
export function storedSpaceText(studySystemAttrs: Attrs): string | null {
  const config = studySystemAttrs[CONFIG_ATTR];
  return config !== null && typeof config === 'object' && !Array.isArray(config) && typeof config['text'] === 'string' ? config['text'] : null;
}
