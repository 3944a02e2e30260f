import type { SearchSpace } from '../space/search-space.js';
import { suggestAll } from '../space/search-space.js';
import type { FrozenTrial } from '../storage/records.js';
import type { Objective } from '../study/optimize.js';
import { runTrial } from '../study/optimize.js';
import type { Study } from '../study/study.js';
import type { Reporter, StopReason, StudyStartInfo } from './reporter.js';

export interface TuneRunOptions {
  readonly study: Study;
  /** The declared space; each trial suggests it before the objective runs. */
  readonly space: SearchSpace;
  readonly objective: Objective;
  readonly reporter: Reporter;
  /** Trials the study should hold in all, across every process (undefined: no limit). */
  readonly maxTrials: number | undefined;
  readonly timeoutSeconds: number | undefined;
  /** Aborted: no new trials; the running one finishes. */
  readonly signal: AbortSignal;
  readonly info: Omit<StudyStartInfo, 'study' | 'maxTrials' | 'timeoutSeconds' | 'resumedFrom'>;
  /** Seconds between heartbeats of the running trial. Default 5. */
  readonly heartbeatSeconds?: number;
  /** A trial whose heartbeat is older than this is failed as stale at start. Default 30. */
  readonly staleAfterSeconds?: number;
  readonly now?: () => number;
}

/**
 * Run a study from a space file in this process, one trial at a time: fail the trials a
 * dead process left RUNNING, then ask / suggest the declared space / run / tell until the
 * budget, the timeout or an interrupt. The study's storage is the only shared state, so
 * several of these loops may work on one study at once.
 */
export async function runTuneLoop(options: TuneRunOptions): Promise<StopReason> {
  const { study, reporter } = options;
  const now = options.now ?? Date.now;
  const stale = await study.storage.failStaleTrials(study.id, options.staleAfterSeconds ?? 30);
  if (stale.length > 0) reporter.notice?.(`failed ${stale.length} stale trial(s) left running by a process that died: ${stale.map((t) => t.number).join(', ')}`);
  await study.refresh();
  reporter.studyStart?.({
    ...options.info,
    study,
    maxTrials: options.maxTrials,
    timeoutSeconds: options.timeoutSeconds,
    resumedFrom: study.trials.filter((t) => t.state !== 'WAITING').length,
  });
  const deadline = options.timeoutSeconds === undefined ? Infinity : now() + options.timeoutSeconds * 1000;
  const objective: Objective = async (trial) => {
    suggestAll(options.space, trial);
    reporter.trialStart?.({ number: trial.number, params: trial.params });
    return options.objective(trial);
  };
  let reason: StopReason = 'budget';
  for (;;) {
    if (options.signal.aborted) {
      reason = 'interrupted';
      break;
    }
    if (now() >= deadline) {
      reason = 'timeout';
      break;
    }
    const trial = await study.askWithin(options.maxTrials);
    if (trial === null) break;
    await study.storage.heartbeat(trial.id);
    const beat = setInterval(() => void study.storage.heartbeat(trial.id).catch(() => undefined), (options.heartbeatSeconds ?? 5) * 1000);
    let finished: FrozenTrial;
    try {
      finished = await runTrial(study, trial, objective);
    } finally {
      clearInterval(beat);
    }
    reporter.trialFinish?.(finished, study);
  }
  await study.refresh();
  reporter.studyEnd?.(study, reason);
  return reason;
}
