import { errorMessage } from '../errors.js';
import type { Study } from '../study/study.js';
import { TrialPruned } from '../study/trial-pruned.js';
import type { ActiveTrial } from './active-trial.js';
import type { LoopMessage, TrialMessage } from './messages.js';
import { noteCheckpoint } from './pausing.js';

/**
 * The orchestrator's answer to one message of a running trial: a suggestion (synchronous,
 * a thread blocks on it), a report or fold (stored in order, then the pruner's continue or
 * stop), an attribute, a constraint, a log line, a checkpoint. Every write goes to the
 * trial's study; a trial once told stop is answered stop from then on. A constraint the
 * study has no limit for fails the trial (a typo in a space file), unless
 * `undeclaredConstraints` (the API, where it is how far the trial is past its limit).
 */
export function answerTrialMessage(study: Study, entry: ActiveTrial, message: TrialMessage, undeclaredConstraints = false): LoopMessage | Promise<LoopMessage> | undefined {
  switch (message.type) {
    case 'log':
      entry.log.append(message.text);
      return undefined;
    case 'attr':
      entry.trial.setUserAttr(message.key, message.value);
      return undefined;
    case 'constraint': {
      const declared = Object.keys(study.constraintLimits);
      if (!declared.includes(message.name) && !undeclaredConstraints) {
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
    case 'fold':
      return answerReport(entry, message);
  }
}

/** Store a report or fold after the trial's earlier ones and answer with the pruner's decision. */
function answerReport(entry: ActiveTrial, message: Extract<TrialMessage, { type: 'report' | 'fold' }>): Promise<LoopMessage> {
  if (message.type === 'report') entry.lastStep = Math.max(entry.lastStep ?? -1, message.step);
  const answer = entry.reports.then(async (): Promise<LoopMessage> => {
    if (entry.stopSaid) return { type: 'stop', seq: message.seq };
    const earlier = message.type === 'report' ? entry.trial.reportedAt(message.step) : undefined;
    if (earlier !== undefined && message.type === 'report') {
      entry.log.append(`sodate: step ${message.step} was reported again (${JSON.stringify(message.values ?? message.value)}); its first value (${earlier}) is kept, as in Optuna\n`);
    }
    try {
      if (message.type === 'fold') await entry.trial.reportFold(message.fold, message.value);
      else await entry.trial.report(message.step, message.values ?? message.value);
      return { type: 'continue', seq: message.seq };
    } catch (error) {
      if (error instanceof TrialPruned) {
        entry.stopSaid = true;
        return { type: 'stop', seq: message.seq };
      }
      // A refused fold (twice, mixed with steps), or a step after folds, fails the trial even if its code goes on.
      if (message.type === 'fold' || entry.trial.reportsFolds) entry.failure ??= errorMessage(error);
      return { type: 'refused', seq: message.seq, message: errorMessage(error) };
    }
  });
  entry.reports = answer.catch(() => undefined);
  return answer;
}
