/**
 * The messages that cross a slot's boundary (worker thread, child process, command
 * runner), defined once and imported by both sides. Every message is tagged by `type`.
 *
 *   trial side ──TrialMessage──►  loop        (report, fold, suggest, attr, log)
 *   trial side ◄──LoopMessage──   loop        (continue / stop / suggested / refused)
 *   trial side ──TrialOutcome──►  loop        (done / pruned / error: how the objective ended)
 */
import type { MessagePort } from 'node:worker_threads';
import type { BuiltinStudy, ObjectiveRef, TrialTask } from '../objectives/task.js';
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';

export type { BuiltinStudy, ObjectiveRef, TrialTask };

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
  /** `stack`: where an objective's own error was thrown, for the trial's log (a known SodateError has none). */
  | { readonly type: 'error'; readonly message: string; readonly code?: string; readonly stack?: string };

/**
 * Written by a process slot's child to stdout and stderr when a trial ends, before the
 * `end` message: the parent has the trial's whole output once it read both.
 */
export const OUTPUT_END_MARK = '\u001esodate:trial-end\u001e\n';

/** Parent → child process of a process slot. */
export type ChildRequest = { readonly type: 'run'; readonly task: TrialTask; readonly objective: ObjectiveRef } | LoopMessage;

/**
 * Child process of a process slot → parent. `uncaught`: an error no code caught (an async
 * throw, an unhandled rejection) is ending the child; its message is the trial's fail reason.
 */
export type ChildMessage = TrialMessage | { readonly type: 'end'; readonly outcome: TrialOutcome } | { readonly type: 'uncaught'; readonly message: string };

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
