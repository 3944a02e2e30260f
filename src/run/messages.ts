/**
 * The messages that cross a slot's boundary (worker thread, child process, command
 * runner), defined once and imported by both sides. Every message is tagged by `type`.
 *
 *   trial side ──TrialMessage──►  loop        (report, fold, suggest, attr, log)
 *   trial side ◄──LoopMessage──   loop        (continue / stop / suggested / refused)
 *   trial side ──TrialOutcome──►  loop        (done / pruned / error: how the objective ended)
 */
import type { MessagePort } from 'node:worker_threads';
import type { JsonValue } from '../json.js';
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

/** Trial side → loop, while the trial runs. Requests carry a `seq` the answer repeats. */
export type TrialMessage =
  /** `values`: one per objective, when a multi-objective trial reports them all (`value` is the first). */
  | { readonly type: 'report'; readonly seq: number; readonly step: number; readonly value: number; readonly values?: readonly number[] }
  /** One fold's value (`trial.reportFold`, a command's `{"fold": i, "value": v}`): stored keyed by the fold index. */
  | { readonly type: 'fold'; readonly seq: number; readonly fold: number; readonly value: number }
  | { readonly type: 'suggest'; readonly seq: number; readonly name: string; readonly distribution: Distribution }
  | { readonly type: 'attr'; readonly key: string; readonly value: JsonValue }
  /** A measured constrained quantity (`trial.setConstraint`, a command's `{"constraints": …}`). */
  | { readonly type: 'constraint'; readonly name: string; readonly value: number }
  | { readonly type: 'log'; readonly text: string }
  /**
   * The trial saved a checkpoint (`trial.saveCheckpoint`, a command's `{"checkpoint": "ckpt.pt"}`):
   * a file in its directory holding everything up to `step` (default: the last step it reported).
   */
  | { readonly type: 'checkpoint'; readonly path: string; readonly step?: number }
  /** Answered (continue) once everything sent before it is handled: a thread's last message before it returns. */
  | { readonly type: 'sync'; readonly seq: number };

/** Loop → trial side: the answer to a request. */
export type LoopMessage =
  | { readonly type: 'continue'; readonly seq: number }
  | { readonly type: 'stop'; readonly seq: number }
  | { readonly type: 'suggested'; readonly seq: number; readonly value: ParamValue }
  | { readonly type: 'refused'; readonly seq: number; readonly message: string };

/** How the objective ended, as the trial side saw it. */
export type TrialOutcome =
  | { readonly type: 'done'; readonly value: unknown }
  | { readonly type: 'pruned' }
  | { readonly type: 'error'; readonly message: string; readonly code?: string };

/**
 * Written by a process slot's child to stdout and stderr when a trial ends, before the
 * `end` message: the parent has the trial's whole output once it read both.
 */
export const OUTPUT_END_MARK = '\u001esodate:trial-end\u001e\n';

/** Parent → child process of a process slot. */
export type ChildRequest = { readonly type: 'run'; readonly task: TrialTask; readonly objective: ObjectiveRef } | LoopMessage;

/** Child process of a process slot → parent. */
export type ChildMessage = TrialMessage | { readonly type: 'end'; readonly outcome: TrialOutcome };

/** What a thread slot's worker function receives (the port is transferred with it). */
export interface ThreadTaskPayload {
  readonly task: TrialTask;
  readonly objective: ObjectiveRef;
  readonly port: MessagePort;
  /** One Int32 the loop bumps after answering a synchronous request (a forwarded suggest). */
  readonly signal: SharedArrayBuffer;
}

/** Requests that expect an answer. */
export type TrialRequest = Extract<TrialMessage, { seq: number }>;

export function isLoopMessage(value: unknown): value is LoopMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'continue' || type === 'stop' || type === 'suggested' || type === 'refused';
}
