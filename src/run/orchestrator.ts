import { OthersRunning } from './others-running.js';
import type { ArtifactKeeper } from '../artifacts/keeper.js';
import { errorMessage } from '../errors.js';
import type { SearchSpace } from '../space/search-space.js';
import { inactiveParams, suggestAll } from '../space/search-space.js';
import type { FrozenTrial } from '../storage/records.js';
import { budgetTrialCount, isOffBudget } from '../storage/records.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../storage/storage.js';
import type { ResumePoint } from '../study/checkpoint.js';
import type { Study } from '../study/study.js';
import type { StudyTrial } from '../study/trial.js';
import type { ActiveTrial } from './active-trial.js';
import { answerTrialMessage } from './answer-message.js';
import type { TrialTask } from './messages.js';
import { DeadTrials } from './dead-trials.js';
import { PUT_BACK_TO_PAUSED, pauseIfResumable, promoteNext } from './pausing.js';
import type { Reporter, StopReason, StudyStartInfo } from './reporter.js';
import type { Slot, SlotRunner, TrialEnd } from './slots.js';
import { TrialLog, trialLogPath } from './trial-log.js';
import { endedTrial } from './trial-result.js';
import { CHECKPOINT_ATTR, DEVICE_ATTR, LOG_TAIL_ATTR, RESUMES_ATTR, RETRY_OF_ATTR, SLOT_ATTR } from '../storage/metadata.js';


/** How often running trials beat when the run gives no period (a shorter stale grace shortens it). */
export const DEFAULT_HEARTBEAT_SECONDS = 5;

export interface OrchestratorOptions {
  readonly study: Study;
  /** The declared space; the loop suggests it for each trial before dispatch. Default: none (define-by-run). */
  readonly space?: SearchSpace | undefined;
  readonly runner: SlotRunner;
  /** Each running trial owns one of these. */
  readonly slots: readonly Slot[];
  readonly reporter: Reporter;
  /** Trials the study should hold in all, across every process (undefined: no limit). Retried failures do not count. */
  readonly maxTrials: number | undefined;
  /** Stop asking for new trials after this many seconds (undefined: never). */
  readonly timeoutSeconds: number | undefined;
  /** Trials this run asks, wherever they came from (new, enqueued, retried); promoted ones do not count. Default: no limit. */
  readonly nTrials?: number | undefined;
  /** Run the trials that wait (enqueued re-runs and their retries) and ask no new one. Default false. */
  readonly waitingOnly?: boolean | undefined;
  /** Called after each trial this run tells, before its slot takes the next; if it throws, no trial is asked any more and the run throws that. */
  readonly afterTrial?: ((trial: FrozenTrial) => void | Promise<void>) | undefined;
  /** A constraint the study has no limit for is recorded as how far it is past its limit (the API's `trial.setConstraint`), instead of failing the trial. Default false. */
  readonly undeclaredConstraints?: boolean;
  /** A trial running longer is stopped and recorded as FAIL. Default: no limit. */
  readonly trialTimeoutSeconds?: number | undefined;
  /** Times a trial whose slot died (a crash, a kill, a stale heartbeat) is re-queued with the same parameters. Default 0. */
  readonly retries?: number;
  /** Aborted (first Ctrl-C): no new trials; running ones finish. */
  readonly signal: AbortSignal;
  /** Aborted (second Ctrl-C): running trials are stopped and recorded as FAIL "interrupted". */
  readonly stopSignal?: AbortSignal;
  readonly info: Omit<StudyStartInfo, 'study' | 'maxTrials' | 'timeoutSeconds' | 'resumedFrom'>;
  /** Seconds between heartbeats of running trials (and checks for stale ones). Default 5. */
  readonly heartbeatSeconds?: number;
  /** A RUNNING trial whose heartbeat is older than this is failed as stale (its process died). Default 30. */
  readonly staleAfterSeconds?: number;
  /** Trial logs go to `<logDir>/<study>/<number>.log`; without it only the tail is kept (in storage). */
  readonly logDir?: string | undefined;
  /** A directory per trial (`SODATE_TRIAL_DIR`, `trial.artifactDir`), recorded when it ends, with retention. Default: none. */
  readonly artifacts?: ArtifactKeeper | undefined;
  /**
   * When the budget is reached but trials of other processes still run, wait for them
   * (re-running their retries if they die) instead of returning. Default true.
   */
  readonly waitForOthers?: boolean;
  readonly now?: () => number;
}

/**
 * The orchestrator: one loop in the main thread that owns the study. It asks a trial for
 * every free slot, suggests the declared space, dispatches the trial to its slot, answers
 * the slot's reports with the pruner's continue/stop, and tells the study how each trial
 * ended. Samplers, pruners and slots never call each other; every storage write happens
 * here. It also beats the heartbeat of running trials, fails trials whose process died
 * (re-queueing them with `retries`), enforces the per-trial timeout, and shuts down in
 * two steps (first signal: no new trials; second: stop the running ones).
 */
export async function runOrchestrator(options: OrchestratorOptions): Promise<StopReason> {
  if (options.slots.length === 0) throw new Error('the orchestrator needs at least one slot');
  return new TuneLoop(options).run();
}

/**
 * The loop's state and its steps, in the spirit of Syne Tune's `Tuner`: `run` repeats
 * ask → dispatch while slots are free, then sleeps until a trial ends, a signal comes or the
 * heartbeat ticks; `answer` (answer-message.ts) hears a running trial; `finish` tells the
 * study how it ended; `DeadTrials` fails the trials of processes that died.
 */
class TuneLoop {
  private readonly study: Study;
  private readonly reporter: Reporter;
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private readonly staleAfter: number;
  private readonly retries: number;
  private readonly deadTrials: DeadTrials;
  private readonly deadline: number;
  private readonly active = new Map<number, ActiveTrial>();
  private readonly free: Slot[];
  private readonly finishing = new Set<Promise<void>>();
  /** Retention sweeps still running: even a run that fails waits for them, before its caller closes the storage. */
  private readonly sweeps = new Set<Promise<void>>();
  /** Why no trial may be asked any more and the run throws: an objective that cannot load, an `afterTrial` that threw. */
  private fatal: { readonly error: unknown } | undefined;
  private readonly othersRunning: OthersRunning;
  private asked = 0;
  private exhausted = false;
  /** Paused trials this run said it cannot resume (each said once). */
  private readonly toldUnresumable = new Set<number>();
  private wakeUp: (() => void) | undefined;
  /** A wake came while the loop was busy: its next sleep returns at once. */
  private wakePending = false;

  constructor(private readonly options: OrchestratorOptions) {
    this.study = options.study;
    this.reporter = options.reporter;
    this.now = options.now ?? Date.now;
    this.heartbeatMs = (options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
    this.staleAfter = options.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS;
    this.othersRunning = new OthersRunning(options.study, options.reporter, this.staleAfter, this.now);
    this.retries = options.retries ?? 0;
    this.deadTrials = new DeadTrials(options.study, options.reporter, this.staleAfter, this.retries);
    this.deadline = options.timeoutSeconds === undefined ? Infinity : this.now() + options.timeoutSeconds * 1000;
    this.free = [...options.slots];
  }

  async run(): Promise<StopReason> {
    const { options, study, reporter } = this;
    const wake = () => this.wake();
    const onStop = () => {
      for (const entry of this.active.values()) entry.run?.stop('interrupted');
      this.wake();
    };
    options.signal.addEventListener('abort', wake);
    options.stopSignal?.addEventListener('abort', onStop);
    const beat = setInterval(() => this.beat(), this.heartbeatMs);
    let reason: StopReason = 'budget';
    try {
      await this.deadTrials.reap(this.active);
      // Deletions a killed run left pending.
      await options.artifacts?.sweep(study);
      await study.refresh();
      reporter.studyStart?.({
        ...options.info,
        study,
        maxTrials: options.maxTrials,
        timeoutSeconds: options.timeoutSeconds,
        resumedFrom: budgetTrialCount(study.trials),
      });
      // Trials marked running at the start hold budget until they finish or go stale (a dead process's): say so.
      const marked = study.trials.filter((t) => t.state === 'RUNNING').length;
      if (marked > 0) reporter.notice?.(`${marked} trial(s) marked running, by another process or left by one that stopped: they count toward the budget, and one whose heartbeat stops for ${this.staleAfter}s is recorded as failed ${this.retries > 0 ? `and re-queued (up to ${this.retries} retries)` : '(--retries 1 runs such a trial again)'}`);
      let toldWaiting = false;
      for (;;) {
        if (options.signal.aborted || options.stopSignal?.aborted) reason = 'interrupted';
        else if (this.now() >= this.deadline) reason = 'timeout';
        const budgetReached = reason === 'budget' && this.fatal === undefined ? await this.fillFreeSlots() : false;
        if (this.active.size === 0) {
          const others = budgetReached && options.waitForOthers !== false ? await this.othersRunning.count() : 0;
          if (others === 0 || this.fatal !== undefined) break;
          if (!toldWaiting) reporter.notice?.(`budget reached; waiting for ${others} trial(s) running in other processes`);
          toldWaiting = true;
        }
        await this.sleep(Math.max(10, Math.min(this.heartbeatMs, this.deadline - this.now())));
      }
      await Promise.all(this.finishing);
      if (this.exhausted && reason === 'budget') reason = 'exhausted';
    } finally {
      clearInterval(beat);
      options.signal.removeEventListener('abort', wake);
      options.stopSignal?.removeEventListener('abort', onStop);
      await Promise.allSettled(this.sweeps);
    }
    if (this.fatal !== undefined) throw this.fatal.error;
    await options.artifacts?.sweep(study);
    await study.refresh();
    reporter.studyEnd?.(study, reason);
    return reason;
  }

  /** Ask and dispatch a trial for every free slot; true when the budget (or the search space) ran out. */
  private async fillFreeSlots(): Promise<boolean> {
    while (this.free.length > 0 && !this.options.signal.aborted) {
      // A promoted paused trial goes before a new one; it does not count toward the budget again.
      const promoted = await promoteNext(this.study, this.options.artifacts, this.active, (trial, why) => {
        if (this.toldUnresumable.has(trial.number)) return;
        this.toldUnresumable.add(trial.number);
        this.reporter.notice?.(`trial ${trial.number} is paused but cannot be resumed here: ${why} (run where its checkpoint is, or with the --artifact-dir it ran with); it stays paused`);
      });
      if (promoted !== null) {
        await this.dispatch(promoted.trial, this.free.shift() as Slot, promoted.resume);
        continue;
      }
      const trial = await this.ask();
      if (trial === null) return true;
      await this.dispatch(trial, this.free.shift() as Slot);
    }
    return false;
  }

  /** A new trial (an enqueued one first), or null when the search is exhausted or the study holds its budget. */
  private async ask(): Promise<StudyTrial | null> {
    const { study, options } = this;
    if (options.nTrials !== undefined && this.asked >= options.nTrials) return null;
    await study.refresh();
    if (study.isSearchExhausted()) {
      this.exhausted = true;
      return null;
    }
    // The storage counts every trial but WAITING ones against the limit it is given, so the
    // budget counts tuning trials only with these added to it: retries in any state (each
    // replaces a failed trial, so a waiting one can still be claimed) and started re-runs (a
    // waiting re-run must not make room for a tuning trial; confirm and ablate run those).
    const offBudget = study.trials.filter((t) => t.systemAttrs[RETRY_OF_ATTR] !== undefined || (t.state !== 'WAITING' && isOffBudget(t))).length;
    const limit = options.maxTrials === undefined ? undefined : options.maxTrials + offBudget;
    const trial = await study.askWithin(limit, { heartbeat: true, ...(options.waitingOnly === true ? { waitingOnly: true } : {}) });
    if (trial !== null) this.asked++;
    return trial;
  }

  /** Start `trial` on `slot` (resumed from its checkpoint when promoted); `finish` runs when it ends. */
  private async dispatch(trial: StudyTrial, slot: Slot, resume?: ResumePoint): Promise<void> {
    const { options, study } = this;
    const stored = trial.frozen();
    const entry: ActiveTrial = {
      trial,
      slot,
      log: new TrialLog(options.logDir === undefined ? undefined : trialLogPath(options.logDir, study.name, trial.number), { fresh: resume === undefined }),
      run: undefined,
      stopSaid: false,
      reports: Promise.resolve(),
      // A resumed run goes on after its checkpoint's step (its earlier reports past it were deleted by the resume).
      lastStep: resume?.step,
      checkpoint: resume === undefined ? undefined : { name: stored.systemAttrs[CHECKPOINT_ATTR] as string, step: resume.step },
      resumed: resume !== undefined,
    };
    this.active.set(trial.number, entry);
    const done = (async () => {
      let timer: NodeJS.Timeout | undefined;
      let end: TrialEnd;
      try {
        const task = await this.prepare(entry, resume);
        const run = this.options.runner.start(task, slot, (message) => answerTrialMessage(study, entry, message, options.undeclaredConstraints === true));
        entry.run = run;
        if (options.stopSignal?.aborted) run.stop('interrupted');
        const limit = options.trialTimeoutSeconds;
        if (limit !== undefined) timer = setTimeout(() => run.stop('timeout'), limit * 1000);
        end = await run.ended;
      } catch (error) {
        end = { type: 'error', message: errorMessage(error) };
      }
      clearTimeout(timer);
      try {
        await this.finish(entry, end);
      } finally {
        this.active.delete(trial.number);
        this.free.push(slot);
        this.wake();
      }
    })();
    this.finishing.add(done);
    void done.finally(() => this.finishing.delete(done));
  }

  /** Suggest the declared space, record the slot and the trial's directory, beat: the task its slot runs. */
  private async prepare(entry: ActiveTrial, resume: ResumePoint | undefined): Promise<TrialTask> {
    const { options, study } = this;
    const { trial, slot } = entry;
    // A resumed trial has its parameters, and its directory holds the checkpoint it resumes from.
    if (resume === undefined && options.space !== undefined) suggestAll(options.space, trial);
    trial.setSystemAttr(SLOT_ATTR, slot.name);
    trial.setSystemAttr(DEVICE_ATTR, slot.device);
    if (resume !== undefined) {
      const resumes = trial.frozen().systemAttrs[RESUMES_ATTR];
      trial.setSystemAttr(RESUMES_ATTR, (typeof resumes === 'number' ? resumes : 0) + 1);
      if (options.artifacts !== undefined) entry.artifactDir = options.artifacts.reopen(study.name, trial);
      this.reporter.notice?.(`trial ${trial.number} promoted: resumed from its checkpoint at step ${resume.step}`);
    } else if (options.artifacts !== undefined) entry.artifactDir = options.artifacts.prepare(study.name, trial);
    // Beaten once at its creation (askWithin); again now that the sampler is done.
    await study.storage.heartbeat(trial.id);
    this.reporter.trialStart?.({ number: trial.number, params: trial.params, slot: slot.name, device: slot.device });
    return {
      study: study.name,
      number: trial.number,
      trialId: trial.id,
      params: trial.params,
      distributions: trial.frozen().distributions,
      ...(options.space === undefined ? {} : { inactive: inactiveParams(options.space, trial.params) }),
      device: slot.device,
      slot: slot.name,
      ...(trial.seed === undefined ? {} : { seed: trial.seed }),
      ...(entry.artifactDir === undefined ? {} : { artifactDir: entry.artifactDir }),
      ...(resume === undefined ? {} : { resumeFrom: resume.path, resumeStep: resume.step }),
    };
  }

  /** Tell the study how the trial ended (pausing, recording its directory and log tail, re-queueing a crash), then sweep. */
  private async finish(entry: ActiveTrial, end: TrialEnd): Promise<void> {
    const { options, study, reporter } = this;
    const { trial } = entry;
    await entry.reports;
    let ended = endedTrial(study, entry, end, options.trialTimeoutSeconds);
    if (ended.fatal !== undefined) this.fatal ??= { error: ended.fatal };
    if (entry.failure === undefined && entry.stopSaid && pauseIfResumable(study, entry)) {
      reporter.notice?.(`trial ${trial.number} paused at step ${entry.lastStep ?? '?'} (checkpoint at step ${entry.checkpoint?.step ?? '?'}); a promotion resumes it`);
    } else if (entry.failure === undefined && entry.resumed && end.type === 'stopped' && end.why === 'interrupted' && pauseIfResumable(study, entry)) {
      // A resumed trial stopped by a second Ctrl-C goes back to paused, as one whose process
      // died does: failing it would let retention delete the checkpoint its progress lives in.
      ended = { result: { state: 'pruned' } };
      reporter.notice?.(`trial ${trial.number} interrupted: paused again at its checkpoint (step ${entry.checkpoint?.step ?? '?'}); a later run resumes it`);
    }
    // The fail reason is the message alone; where it was thrown goes to the log `sodate logs` prints.
    if (end.type === 'error' && end.stack !== undefined) entry.log.append(`${end.stack}\n`);
    if (entry.artifactDir !== undefined) await options.artifacts?.record(entry.artifactDir, study.name, trial, (line) => entry.log.append(line));
    if (!entry.log.empty) trial.setSystemAttr(LOG_TAIL_ATTR, entry.log.tail());
    await entry.log.close();
    let frozen: FrozenTrial | undefined;
    try {
      frozen = await study.tell(trial, ended.result);
    } catch (error) {
      // A trial put back to paused under a run that stalled is PRUNED already: nothing to tell.
      if (entry.failure !== PUT_BACK_TO_PAUSED) reporter.notice?.(`trial ${trial.number} could not be recorded: ${errorMessage(error)}`);
    }
    if (frozen !== undefined && ended.retryWhy !== undefined) {
      try {
        await this.deadTrials.requeue(frozen, ended.retryWhy);
      } catch (error) {
        reporter.notice?.(`trial ${trial.number} could not be re-queued: ${errorMessage(error)}`);
      }
    }
    if (frozen !== undefined) reporter.trialFinish?.(frozen, study);
    if (frozen !== undefined && options.afterTrial !== undefined) {
      try {
        await options.afterTrial(frozen);
      } catch (error) {
        this.fatal ??= { error };
      }
    }
    // Not awaited here: the slot takes its next trial while retention deletes beaten trials'
    // files (sweeps run one at a time and never throw); the run waits for it with the trials.
    const sweep = options.artifacts?.sweep(study, { refresh: false });
    if (sweep !== undefined) {
      this.finishing.add(sweep);
      this.sweeps.add(sweep);
      void sweep.finally(() => {
        this.finishing.delete(sweep);
        this.sweeps.delete(sweep);
      });
    }
  }

  /** The heartbeat tick: beat every running trial, look for stale ones, let the loop look again. */
  private beat(): void {
    for (const entry of this.active.values()) void this.study.storage.heartbeat(entry.trial.id).catch(() => undefined);
    void this.deadTrials.reap(this.active)
      .catch((error: unknown) => this.reporter.notice?.(`checking for stale trials failed: ${errorMessage(error)}`))
      .finally(() => this.wake());
  }

  private wake(): void {
    const resolve = this.wakeUp;
    this.wakeUp = undefined;
    if (resolve === undefined) this.wakePending = true;
    resolve?.();
  }

  /** Wait `ms`, or less when `wake` is called (a trial ended, a signal, a heartbeat tick). */
  private sleep(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
