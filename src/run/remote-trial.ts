import { OptionError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { checkCompatible, contains, toInternal } from '../space/distributions.js';
import { describeDistribution } from '../study-file/space-changes.js';
import { TypedSuggester } from '../space/search-space.js';
import { checkFold } from '../study/folds.js';
import type { SlotTrial } from '../study/objective-trial.js';
import { TrialPruned } from '../study/trial-pruned.js';
import type { LoopMessage, TrialMessage, TrialRequest, TrialTask } from './messages.js';

/** How a trial side talks to the loop across its boundary. */
export interface TrialTransport {
  /** Fire and forget (attributes, log text); delivered in order with the requests. */
  send(message: TrialMessage): void;
  request(message: TrialRequest): Promise<LoopMessage>;
  /** A blocking request, or undefined where the boundary cannot block (a child process). */
  readonly requestSync: ((message: TrialRequest) => LoopMessage) | undefined;
}

/** The process, thread or command slot cannot serve a parameter the space file does not declare. */
export class UndeclaredParamError extends OptionError {}

/**
 * The trial object an objective gets inside a slot. Its parameters were sampled by the
 * loop before dispatch; `report` crosses the boundary and throws `TrialPruned` when the
 * loop answers stop. A `suggest*` for a name the space file does not declare is forwarded
 * to the loop (define-by-run) where the boundary can block (threads), refused elsewhere.
 */
export class RemoteTrial extends TypedSuggester implements SlotTrial {
  readonly number: number;
  /** Storage id of the trial. */
  readonly id: number;
  readonly study: string;
  /** "cpu" or "cuda:<index>": the device this trial's slot owns. */
  readonly device: string;
  readonly slot: string;
  /** The seed for the objective's own randomness (weights, data order), from the loop; see src/study/seeds.ts. */
  readonly seed: number | undefined;
  /** The trial's own directory for checkpoints, predictions and plots (recorded when it ends); undefined when the run keeps none. */
  readonly artifactDir: string | undefined;
  /** A resumed trial's checkpoint (absolute path), the one it saved before it was paused; undefined for a fresh run. */
  readonly resumeFrom: string | undefined;
  /** The last step `resumeFrom` holds: a resumed run reports from `resumeStep + 1`. Undefined for a fresh run. */
  readonly resumeStep: number | undefined;
  private readonly values: Record<string, ParamValue>;
  private readonly distributions: Record<string, Distribution>;
  /** Declared parameters this trial leaves out (their `when:` does not hold), with the condition as the file gives it. */
  private readonly inactive: Readonly<Record<string, string>>;
  private readonly transport: TrialTransport;
  private seq = 0;
  private stopped = false;

  constructor(task: TrialTask, transport: TrialTransport) {
    super();
    this.number = task.number;
    this.id = task.trialId;
    this.study = task.study;
    this.device = task.device;
    this.slot = task.slot;
    this.seed = task.seed;
    this.artifactDir = task.artifactDir;
    this.resumeFrom = task.resumeFrom;
    this.resumeStep = task.resumeStep;
    this.values = { ...task.params };
    this.distributions = { ...task.distributions };
    this.inactive = task.inactive ?? {};
    this.transport = transport;
  }

  /** Every parameter of this trial so far, as the objective sees it. */
  get params(): Record<string, ParamValue> {
    return { ...this.values };
  }

  suggest(name: string, distribution: Distribution): ParamValue {
    const known = this.distributions[name];
    if (known !== undefined) {
      checkCompatible(name, known, distribution);
      const value = this.values[name] as ParamValue;
      // The value was sampled from the file's range: one the objective's own range leaves out
      // would reach its code as if it had asked for it.
      if (!contains(distribution, toInternal(distribution, value))) {
        throw new OptionError(
          `parameter "${name}": the space file declares ${describeDistribution(known)}, the objective asks for ${describeDistribution(distribution)}, and the value sampled from the file (${String(value)}) lies outside what it asks; make the two agree`,
        );
      }
      return value;
    }
    const condition = this.inactive[name];
    if (condition !== undefined) {
      throw new OptionError(`parameter "${name}" is declared with when: ${condition}, which does not hold in this trial; suggest it only in that branch of the objective (or drop its when:)`);
    }
    const requestSync = this.transport.requestSync;
    if (requestSync === undefined) {
      throw new UndeclaredParamError(
        `parameter "${name}" is not declared in the space file; trials in a process slot see only declared parameters (declare it under params:, or run the objective in a thread slot)`,
      );
    }
    const answer = requestSync({ type: 'suggest', seq: ++this.seq, name, distribution });
    if (answer.type === 'refused') throw new OptionError(answer.message);
    if (answer.type !== 'suggested') throw new Error(`unexpected answer ${answer.type} to a suggest request`);
    this.values[name] = answer.value;
    this.distributions[name] = distribution;
    return answer.value;
  }

  /**
   * Report an intermediate value; the loop stores it and asks the pruner. Throws
   * `TrialPruned` when the loop says stop (and at every report after that).
   */
  async report(step: number, value: number | readonly number[]): Promise<void> {
    if (!Number.isInteger(step) || step < 0) throw new OptionError(`report step must be a non-negative integer, got ${step}`);
    const many = Array.isArray(value);
    if (many ? value.some((v) => typeof v !== 'number') || value.length === 0 : typeof value !== 'number') {
      throw new OptionError(`report value must be a number (or one per objective), got ${JSON.stringify(value)}`);
    }
    if (this.stopped) throw new TrialPruned(`trial ${this.number} was pruned`);
    const first = many ? (value[0] as number) : (value as number);
    const answer = await this.transport.request({ type: 'report', seq: ++this.seq, step, value: first, ...(many ? { values: [...value] } : {}) });
    if (answer.type === 'refused') throw new OptionError(answer.message);
    if (answer.type === 'stop') {
      this.stopped = true;
      throw new TrialPruned(`trial ${this.number} was pruned at step ${step}`);
    }
  }

  /**
   * Report one fold's value (see `Trial.reportFold`): the loop stores it keyed by the fold
   * index and asks the pruner. Throws `TrialPruned` when the loop says stop, an error
   * naming the fix for a bad fold index, a non-number or a fold reported twice.
   */
  async reportFold(fold: number, value: number): Promise<void> {
    checkFold(fold, value);
    if (this.stopped) throw new TrialPruned(`trial ${this.number} was pruned`);
    const answer = await this.transport.request({ type: 'fold', seq: ++this.seq, fold, value });
    if (answer.type === 'refused') throw new OptionError(answer.message);
    if (answer.type === 'stop') {
      this.stopped = true;
      throw new TrialPruned(`trial ${this.number} was pruned at fold ${fold}`);
    }
  }

  /** Whether the loop said stop at the last report. */
  shouldPrune(): boolean {
    return this.stopped;
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.transport.send({ type: 'attr', key, value });
  }

  /**
   * Record a constrained quantity (GPU memory, latency) declared under `constraints:` in
   * the space file; the loop stores how far it is past its limit.
   */
  setConstraint(name: string, value: number): void {
    if (typeof value !== 'number') throw new OptionError(`constraint ${name} must be a number, got ${JSON.stringify(value)}`);
    this.transport.send({ type: 'constraint', name, value });
  }

  /**
   * Say that the file at `path` (in `artifactDir`, or relative to it) holds a checkpoint of
   * everything up to `step`. With a pruner that pauses (`pause: true`), a trial stopped after
   * this is paused, and resumed from the file (`resumeFrom`, `resumeStep`) if the pruner
   * later promotes it. Call it once the file is fully written, before reporting `step`.
   */
  saveCheckpoint(path: string, step: number): void {
    if (typeof path !== 'string' || path.length === 0) throw new OptionError(`saveCheckpoint needs the checkpoint file's path, got ${JSON.stringify(path)}`);
    if (!(Number.isInteger(step) && step >= 0)) throw new OptionError(`saveCheckpoint needs the last step the checkpoint holds (a non-negative integer), got ${JSON.stringify(step)}`);
    this.transport.send({ type: 'checkpoint', path, step });
  }

  /** Append text to the trial's log (`sodate logs <study> <trial>`). */
  log(text: string): void {
    this.transport.send({ type: 'log', text: text.endsWith('\n') ? text : `${text}\n` });
  }
}

/** True for a TrialPruned from any copy of sodate (the user may import another build). */
export function isTrialPruned(error: unknown): boolean {
  return error instanceof TrialPruned || (error instanceof Error && (error.name === 'TrialPruned' || (error as { code?: unknown }).code === 'SODATE_TRIAL_PRUNED'));
}
