/**
 * What a slot hands an objective: the trial's task and which objective to run. Defined beside
 * the objectives that read them; run/messages.ts carries them across a slot's boundary.
 */
import type { Distribution, ParamValue } from '../space/distributions.js';

/** What a study asks of a built-in objective: the metric of each objective and the constrained quantities, by name. */
export interface BuiltinStudy {
  readonly metrics: readonly string[];
  readonly constraints: readonly string[];
}

/** What a slot runs: a module's exported objective, or a built-in one resolved inside the slot. */
export type ObjectiveRef =
  | { readonly kind: 'module'; readonly path: string; readonly exportName: string }
  | { readonly kind: 'builtin'; readonly name: string; readonly options: Readonly<Record<string, unknown>>; readonly study?: BuiltinStudy };

/** One trial handed to a slot: its pre-sampled parameters and where it runs. Structured-clonable. */
export interface TrialTask {
  readonly study: string;
  readonly number: number;
  readonly trialId: number;
  /** The declared space, suggested in the loop before dispatch (external values). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** Declared parameters this trial leaves out because their `when:` does not hold, with that condition (`{ optimizer: sgd }`). */
  readonly inactive?: Readonly<Record<string, string>>;
  /** "cpu" or "cuda:<index>". */
  readonly device: string;
  /** The slot's name, e.g. "cpu#1" or "gpu0#0". */
  readonly slot: string;
  /** The seed the objective should use (`trial.seed`, `SODATE_TRIAL_SEED`, `{seed}`); see src/study/seeds.ts. */
  readonly seed?: number;
  /** The trial's own directory for files it keeps (`trial.artifactDir`, `SODATE_TRIAL_DIR`), created before it starts. */
  readonly artifactDir?: string;
  /** A resumed trial's checkpoint (`SODATE_RESUME_FROM`, `trial.resumeFrom`): absolute path inside `artifactDir`. */
  readonly resumeFrom?: string;
  /** The last step the checkpoint holds (`SODATE_RESUME_STEP`, `trial.resumeStep`): the run reports from the next one. */
  readonly resumeStep?: number;
}
