import type { Reporter } from '../../run/reporter.js';
import type { FrozenTrial } from '../../storage/records.js';
import { isOffBudget } from '../../storage/records.js';
import { paretoFront } from '../../multi-objective/front.js';
import { durationSeconds, formatNumber, formatParams, formatSeconds } from '../format.js';
import { formatTrialValues, metricNames } from '../objective-names.js';
import { failReason } from '../../storage/metadata.js';
import { prunedAt } from '../../analysis/trial-facts.js';
import { bestCompleteTrial } from '../../multi-objective/best.js';
import { baselineLine } from '../../tui/model/summary.js';

/** Longest fail reason on a trial's line; the stored reason and `sodate logs` keep all of it. */
const MAX_REASON_CHARS = 200;

/** A reason's first line, cut with an ellipsis: one trial, one line, whatever the objective threw. */
function oneLine(reason: string): string {
  const lines = reason.split(/[\r\n]+/).filter((line) => line.trim() !== '');
  const first = (lines[0] ?? '').trim();
  const cut = first.length > MAX_REASON_CHARS ? first.slice(0, MAX_REASON_CHARS) : first;
  return cut.length < first.length || lines.length > 1 ? `${cut}…` : cut;
}

/** One readable line per event: what `sodate tune` prints without the dashboard. */
export function plainLinesReporter(write: (line: string) => void): Reporter {
  let metric = 'value';
  /**
   * The study's best as last shown: its history is as of its last refresh (the next ask), so a
   * trial this process told since may not be in it yet and is kept here.
   */
  let best: FrozenTrial | undefined;
  let metrics: readonly string[] = ['value'];
  let backendShown = false;
  return {
    studyStart(info) {
      metric = info.metric;
      best = undefined;
      metrics = metricNames(info.study.userAttrs, info.study.directions.length);
      const budget = info.maxTrials === undefined ? 'no trial limit' : `${info.maxTrials} trials`;
      const timeout = info.timeoutSeconds === undefined ? '' : `, timeout ${formatSeconds(info.timeoutSeconds)}`;
      // Trials still marked running get a notice of their own (the orchestrator's).
      const done = info.resumedFrom - info.study.trials.filter((t) => t.state === 'RUNNING' && !isOffBudget(t)).length;
      const resumed = done > 0 ? ` (resuming: ${done} trial(s) already done)` : '';
      const goal = info.study.directions.map((d, i) => `${d} ${metrics[i] ?? metric}`).join(', ');
      write(`study ${info.study.name}: ${goal} · sampler ${info.samplerName} · pruner ${info.prunerName} · budget ${budget}${timeout}${resumed}`);
      write(`storage ${info.study.storage.url}`);
    },
    trialFinish(trial, study) {
      // Objectives that know their compute backend (the image trainer) say so once.
      const backend = trial.userAttrs['backend'];
      if (!backendShown && typeof backend === 'string') {
        backendShown = true;
        write(`backend: ${backend}`);
      }
      let bestText: string;
      if (study.isMultiObjective) {
        // The study's history is as of its last refresh: add the trial just told.
        const front = paretoFront([...study.trials.filter((t) => t.number !== trial.number), trial], study.directions);
        bestText = `  front: ${front.length} trial(s)${front.some((t) => t.number === trial.number) ? ', this one on it' : ''}`;
      } else {
        // The study's best holds the trials of other processes (workers) up to its last refresh.
        const candidates = [study.bestTrial, best, trial].filter((t) => t !== undefined).sort((a, b) => a.number - b.number);
        best = bestCompleteTrial(candidates, study.direction);
        bestText = best === undefined ? '' : `  best=${formatNumber(best.values?.[0])} (#${best.number})`;
      }
      const took = formatSeconds(durationSeconds(trial));
      let outcome: string;
      if (trial.state === 'COMPLETE') outcome = formatTrialValues(trial, metrics);
      else if (trial.state === 'PRUNED') outcome = `pruned ${prunedAt(trial)}`;
      else outcome = `failed: ${oneLine(String(failReason(trial) ?? 'unknown error'))}`;
      write(`trial ${trial.number} ${trial.state.padEnd(8)} ${outcome}${bestText}  ${took}  ${formatParams(trial.params)}`);
    },
    notice(message) {
      write(message);
    },
    studyEnd(study, reason) {
      const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0 } as Record<string, number>;
      for (const t of study.trials) if (t.state in counts) counts[t.state] = (counts[t.state] ?? 0) + 1;
      const why = { budget: 'budget reached', timeout: 'timeout reached', interrupted: 'interrupted', exhausted: 'search space exhausted' }[reason];
      write(`done (${why}): ${study.trials.length} trials, ${counts['COMPLETE']} complete, ${counts['PRUNED']} pruned, ${counts['FAIL']} failed`);
      if (study.isMultiObjective) {
        const front = study.bestTrials;
        write(`Pareto front: ${front.length} trial(s)`);
        for (const t of front) write(`  trial ${t.number}: ${formatTrialValues(t, metrics)}  ${formatParams(t.params)}`);
        return;
      }
      const top = study.bestTrial;
      if (top !== undefined) write(`best ${metric}=${formatNumber(top.values?.[0])} at trial ${top.number}: ${formatParams(top.params)}`);
      const baseline = baselineLine(study.trials, top, metric, study.direction);
      if (baseline !== undefined) write(baseline);
    },
  };
}
