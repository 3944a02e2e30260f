import { errorMessage } from '../errors.js';
import type { ArtifactKeeper } from '../artifacts/keeper.js';
import type { SodateError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { ObjectiveLoadError } from '../objectives/module-objective.js';
import type { SearchSpace } from '../space/search-space.js';
import { suggestAll } from '../space/search-space.js';
import type { FrozenTrial } from '../storage/records.js';
import { RERUN_ATTRS } from '../study/seeds.js';
import type { Study, TrialResult, TrialValues } from '../study/study.js';
import type { StudyTrial } from '../study/trial.js';
import { TrialPruned } from '../study/trial-pruned.js';
import type { LoopMessage, TrialMessage, TrialTask } from './messages.js';
import type { Reporter, StopReason, StudyStartInfo } from './reporter.js';
import type { Slot, SlotRunner, TrialEnd } from './slots.js';
import { TrialLog, trialLogPath } from './trial-log.js';
import type { ResumePoint } from '../study/checkpoint.js';
import type { ActiveTrial } from './active-trial.js';
import { PUT_BACK_TO_PAUSED, noteCheckpoint, pauseIfResumable, promoteNext, stopRunsPutBackToPaused } from './pausing.js';
import { CHECKPOINT_ATTR, DEVICE_ATTR, FIXED_PARAMS_KEY, LOG_TAIL_ATTR, RESUMES_ATTR, RETRIES_ATTR, RETRY_OF_ATTR, SLOT_ATTR, TRIAL_SEED_ATTR } from '../storage/metadata.js';

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function pick(attrs: Readonly<Record<string, JsonValue>>, keys: readonly string[]): Record<string, JsonValue> {
  return Object.fromEntries(keys.filter((k) => attrs[k] !== undefined).map((k) => [k, attrs[k] as JsonValue]));
}

export interface OrchestratorOptions {
  readonly study: Study;
  /** The declared space; the loop suggests it for each trial before dispatch. */
  readonly space: SearchSpace;
  readonly runner: SlotRunner;
  /** Each running trial owns one of these. */
  readonly slots: readonly Slot[];
  readonly reporter: Reporter;
  /** Trials the study should hold in all, across every process (undefined: no limit). Retried failures do not count. */
  readonly maxTrials: number | undefined;
  /** Stop asking for new trials after this many seconds (undefined: never). */
  readonly timeoutSeconds: number | undefined;
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
  const { study, reporter, runner } = options;
  if (options.slots.length === 0) throw new Error('the orchestrator needs at least one slot');
  const now = options.now ?? Date.now;
  const heartbeatMs = (options.heartbeatSeconds ?? 5) * 1000;
  const staleAfter = options.staleAfterSeconds ?? 30;
  const retries = options.retries ?? 0;
  const deadline = options.timeoutSeconds === undefined ? Infinity : now() + options.timeoutSeconds * 1000;
  const active = new Map<number, ActiveTrial>();
  const free: Slot[] = [...options.slots];
  const finishing = new Set<Promise<void>>();
  /** Retention sweeps still running: even a run that fails waits for them, before its caller closes the storage. */
  const sweeps = new Set<Promise<void>>();
  let fatal: SodateError | undefined;

  let wakeUp: (() => void) | undefined;
  const wake = () => {
    const resolve = wakeUp;
    wakeUp = undefined;
    resolve?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wakeUp = undefined;
        resolve();
      }, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const requeue = async (trial: FrozenTrial, why: string): Promise<void> => {
    const used = typeof trial.systemAttrs[RETRIES_ATTR] === 'number' ? (trial.systemAttrs[RETRIES_ATTR] as number) : 0;
    if (used >= retries) {
      if (retries > 0) reporter.notice?.(`trial ${trial.number} ${why}; it used all ${retries} retries`);
      return;
    }
    const created = await study.storage.createTrial(study.id, {
      state: 'WAITING',
      systemAttrs: { [FIXED_PARAMS_KEY]: { ...trial.params }, [RETRY_OF_ATTR]: trial.number, [RETRIES_ATTR]: used + 1, ...pick(trial.systemAttrs, [TRIAL_SEED_ATTR]) },
      // A retried re-run (confirm, ablate) stays one (same configuration, same seed).
      userAttrs: pick(trial.userAttrs, RERUN_ATTRS),
    });
    reporter.notice?.(`trial ${trial.number} ${why}; re-queued with the same parameters as trial ${created?.number ?? '?'} (retry ${used + 1} of ${retries})`);
  };

  let checkingStale = false;
  const failStale = async () => {
    if (checkingStale) return;
    checkingStale = true;
    try {
      const stale = await study.storage.failStaleTrials(study.id, staleAfter);
      for (const trial of stale) {
        // One of ours can only go stale if this process stalled longer than the grace period.
        const mine = [...active.values()].find((a) => a.trial.id === trial.id);
        mine?.run?.stop('interrupted');
        await requeue(trial, `was left running by a process that died (no heartbeat for ${staleAfter}s) and is recorded as failed`);
      }
      // A resumed trial found stale (by any process) goes back to paused and is not in that list.
      await stopRunsPutBackToPaused(study, active.values(), (line) => reporter.notice?.(`${line} (no heartbeat for ${staleAfter}s); its run here stops`));
    } finally {
      checkingStale = false;
    }
  };

  const handler =
    (entry: ActiveTrial) =>
    (message: TrialMessage): LoopMessage | Promise<LoopMessage> | undefined => {
      switch (message.type) {
        case 'log':
          entry.log.append(message.text);
          return undefined;
        case 'attr':
          entry.trial.setUserAttr(message.key, message.value);
          return undefined;
        case 'constraint': {
          const declared = Object.keys(study.constraintLimits);
          if (!declared.includes(message.name)) {
            entry.failure ??= `constraint "${message.name}" is not declared under constraints: in the space file (${declared.length === 0 ? 'it declares none' : `declared: ${declared.join(', ')}`}); declare it with a min or max`;
          } else entry.trial.setConstraint(message.name, message.value);
          return undefined;
        }
        case 'sync':
          return entry.reports.then((): LoopMessage => ({ type: 'continue', seq: message.seq }));
        case 'suggest':
          try {
            return { type: 'suggested', seq: message.seq, value: entry.trial.suggest(message.name, message.distribution) };
          } catch (error) {
            return { type: 'refused', seq: message.seq, message: errorMessage(error) };
          }
        case 'checkpoint':
          noteCheckpoint(study, entry, message.path, message.step);
          return undefined;
        case 'report':
        case 'fold': {
          if (message.type === 'report') entry.lastStep = Math.max(entry.lastStep ?? -1, message.step);
          const answer = entry.reports.then(async (): Promise<LoopMessage> => {
            if (entry.stopSaid) return { type: 'stop', seq: message.seq };
            try {
              if (message.type === 'fold') await entry.trial.reportFold(message.fold, message.value);
              else await entry.trial.report(message.step, message.values ?? message.value);
              return { type: 'continue', seq: message.seq };
            } catch (error) {
              if (error instanceof TrialPruned) {
                entry.stopSaid = true;
                return { type: 'stop', seq: message.seq };
              }
              // A refused fold (twice, mixed with steps) fails the trial even if its code goes on.
              if (message.type === 'fold') entry.failure ??= errorMessage(error);
              return { type: 'refused', seq: message.seq, message: errorMessage(error) };
            }
          });
          entry.reports = answer.catch(() => undefined);
          return answer;
        }
      }
    };

  const finish = async (entry: ActiveTrial, end: TrialEnd): Promise<void> => {
    const { trial } = entry;
    await entry.reports;
    let result: TrialResult;
    let retryWhy: string | undefined;
    if (entry.failure !== undefined) result = { state: 'fail', error: new Error(entry.failure) };
    else if (entry.stopSaid) {
      result = { state: 'pruned' };
      if (pauseIfResumable(study, entry)) reporter.notice?.(`trial ${trial.number} paused at step ${entry.lastStep ?? '?'} (checkpoint at step ${entry.checkpoint?.step ?? '?'}); a promotion resumes it`);
    }
    // A fold trial that returns nothing completes with the mean over its folds.
    else if (end.type === 'done' && end.value === undefined && trial.reportsFolds) result = { state: 'complete' };
    else if (end.type === 'done') {
      // One number, or one per objective: tell checks the count against the study's directions.
      result = typeof end.value === 'number' || Array.isArray(end.value) ? (end.value as TrialValues) : { state: 'fail', error: new Error(`objective returned ${describeValue(end.value)}, expected ${study.isMultiObjective ? `${study.directions.length} numbers` : 'a number'}`) };
    }
    else if (end.type === 'pruned') result = { state: 'pruned' };
    else if (end.type === 'error') {
      result = { state: 'fail', error: new Error(end.message) };
      if (end.code === 'SODATE_OBJECTIVE_LOAD') fatal ??= new ObjectiveLoadError(end.message);
    } else if (end.type === 'crashed') {
      result = { state: 'fail', error: new Error(end.message) };
      retryWhy = `failed: ${end.message}`;
    } else if (end.why === 'pruned') result = { state: 'pruned' };
    else if (end.why === 'timeout') result = { state: 'fail', error: new Error(`timed out after ${options.trialTimeoutSeconds}s`) };
    else result = { state: 'fail', error: new Error('interrupted') };
    if (entry.artifactDir !== undefined) await options.artifacts?.record(entry.artifactDir, study.name, trial, (line) => entry.log.append(line));
    if (!entry.log.empty) trial.setSystemAttr(LOG_TAIL_ATTR, entry.log.tail());
    await entry.log.close();
    let frozen: FrozenTrial | undefined;
    try {
      frozen = await study.tell(trial, result);
    } catch (error) {
      // A trial put back to paused under a run that stalled is PRUNED already: nothing to tell.
      if (entry.failure !== PUT_BACK_TO_PAUSED) reporter.notice?.(`trial ${trial.number} could not be recorded: ${errorMessage(error)}`);
    }
    if (frozen !== undefined && retryWhy !== undefined) {
      try {
        await requeue(frozen, retryWhy);
      } catch (error) {
        reporter.notice?.(`trial ${trial.number} could not be re-queued: ${errorMessage(error)}`);
      }
    }
    if (frozen !== undefined) reporter.trialFinish?.(frozen, study);
    // Not awaited here: the slot takes its next trial while retention deletes beaten trials'
    // files (sweeps run one at a time and never throw); the run waits for it with the trials.
    const sweep = options.artifacts?.sweep(study, { refresh: false });
    if (sweep !== undefined) {
      finishing.add(sweep);
      sweeps.add(sweep);
      void sweep.finally(() => {
        finishing.delete(sweep);
        sweeps.delete(sweep);
      });
    }
  };

  const dispatch = async (trial: StudyTrial, slot: Slot, resume?: ResumePoint): Promise<void> => {
    const log = new TrialLog(options.logDir === undefined ? undefined : trialLogPath(options.logDir, study.name, trial.number));
    const stored = trial.frozen();
    const entry: ActiveTrial = {
      trial,
      slot,
      log,
      run: undefined,
      stopSaid: false,
      reports: Promise.resolve(),
      // A resumed run goes on after its checkpoint's step (its earlier reports past it were deleted by the resume).
      lastStep: resume?.step,
      checkpoint: resume === undefined ? undefined : { name: stored.systemAttrs[CHECKPOINT_ATTR] as string, step: resume.step },
      resumed: resume !== undefined,
    };
    active.set(trial.number, entry);
    let timer: NodeJS.Timeout | undefined;
    const done = (async () => {
      let end: TrialEnd;
      try {
        // A resumed trial has its parameters, and its directory holds the checkpoint it resumes from.
        if (resume === undefined) suggestAll(options.space, trial);
        trial.setSystemAttr(SLOT_ATTR, slot.name);
        trial.setSystemAttr(DEVICE_ATTR, slot.device);
        if (resume !== undefined) {
          const resumes = stored.systemAttrs[RESUMES_ATTR];
          trial.setSystemAttr(RESUMES_ATTR, (typeof resumes === 'number' ? resumes : 0) + 1);
          if (options.artifacts !== undefined) entry.artifactDir = options.artifacts.reopen(study.name, trial);
          reporter.notice?.(`trial ${trial.number} promoted: resumed from its checkpoint at step ${resume.step}`);
        } else if (options.artifacts !== undefined) entry.artifactDir = options.artifacts.prepare(study.name, trial);
        // Beaten once at its creation (askWithin); again now that the sampler is done.
        await study.storage.heartbeat(trial.id);
        reporter.trialStart?.({ number: trial.number, params: trial.params, slot: slot.name, device: slot.device });
        const task: TrialTask = {
          study: study.name,
          number: trial.number,
          trialId: trial.id,
          params: trial.params,
          distributions: trial.frozen().distributions,
          device: slot.device,
          slot: slot.name,
          ...(trial.seed === undefined ? {} : { seed: trial.seed }),
          ...(entry.artifactDir === undefined ? {} : { artifactDir: entry.artifactDir }),
          ...(resume === undefined ? {} : { resumeFrom: resume.path, resumeStep: resume.step }),
        };
        const run = runner.start(task, slot, handler(entry));
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
        await finish(entry, end);
      } finally {
        active.delete(trial.number);
        free.push(slot);
        wake();
      }
    })();
    finishing.add(done);
    void done.finally(() => finishing.delete(done));
  };

  const onStop = () => {
    for (const entry of active.values()) entry.run?.stop('interrupted');
    wake();
  };
  options.signal.addEventListener('abort', wake);
  options.stopSignal?.addEventListener('abort', onStop);

  let exhausted = false;
  const askNext = async (): Promise<StudyTrial | null> => {
    await study.refresh();
    if (study.isSearchExhausted()) {
      exhausted = true;
      return null;
    }
    // A failed trial that was re-queued is replaced by its retry: the retry does not use up the budget.
    const retried = study.trials.filter((t) => t.systemAttrs[RETRY_OF_ATTR] !== undefined).length;
    return study.askWithin(options.maxTrials === undefined ? undefined : options.maxTrials + retried, { heartbeat: true });
  };

  const beat = setInterval(() => {
    for (const entry of active.values()) void study.storage.heartbeat(entry.trial.id).catch(() => undefined);
    void failStale()
      .catch((error: unknown) => reporter.notice?.(`checking for stale trials failed: ${errorMessage(error)}`))
      .finally(wake);
  }, heartbeatMs);

  let reason: StopReason = 'budget';
  try {
    await failStale();
    // Deletions a killed run left pending.
    await options.artifacts?.sweep(study);
    await study.refresh();
    reporter.studyStart?.({
      ...options.info,
      study,
      maxTrials: options.maxTrials,
      timeoutSeconds: options.timeoutSeconds,
      resumedFrom: study.trials.filter((t) => t.state !== 'WAITING').length,
    });
    let toldWaiting = false;
    for (;;) {
      if (options.signal.aborted || options.stopSignal?.aborted) reason = 'interrupted';
      else if (now() >= deadline) reason = 'timeout';
      const canAsk = reason === 'budget' && fatal === undefined;
      let budgetReached = false;
      while (canAsk && free.length > 0 && !options.signal.aborted) {
        // A promoted paused trial goes before a new one; it does not count toward the budget again.
        const promoted = await promoteNext(study, options.artifacts, active);
        if (promoted !== null) {
          await dispatch(promoted.trial, free.shift() as Slot, promoted.resume);
          continue;
        }
        const trial = await askNext();
        if (trial === null) {
          budgetReached = true;
          break;
        }
        await dispatch(trial, free.shift() as Slot);
      }
      if (active.size === 0) {
        const others = budgetReached && options.waitForOthers !== false ? study.trials.filter((t) => t.state === 'RUNNING').length : 0;
        if (others === 0 || fatal !== undefined) break;
        if (!toldWaiting) reporter.notice?.(`budget reached; waiting for ${others} trial(s) running in other processes`);
        toldWaiting = true;
      }
      await sleep(Math.max(10, Math.min(heartbeatMs, deadline - now())));
    }
    await Promise.all(finishing);
    if (exhausted && reason === 'budget') reason = 'exhausted';
  } finally {
    clearInterval(beat);
    options.signal.removeEventListener('abort', wake);
    options.stopSignal?.removeEventListener('abort', onStop);
    await Promise.allSettled(sweeps);
  }
  if (fatal !== undefined) throw fatal;
  await options.artifacts?.sweep(study);
  await study.refresh();
  reporter.studyEnd?.(study, reason);
  return reason;
}
