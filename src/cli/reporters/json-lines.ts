import type { Reporter } from '../../run/reporter.js';
import { trialToJson } from '../format.js';
import { metricNames } from '../objective-names.js';

/** One JSON object per event, for scripts (`sodate tune --format json`). */
export function jsonLinesReporter(write: (line: string) => void): Reporter {
  const emit = (event: Record<string, unknown>) => write(JSON.stringify(event));
  return {
    studyStart: (info) =>
      emit({ event: 'study_start', study: info.study.name, direction: info.study.direction, metric: info.metric, ...(info.study.isMultiObjective ? { directions: info.study.directions, metrics: metricNames(info.study.userAttrs, info.study.directions.length) } : {}), sampler: info.samplerName, pruner: info.prunerName, max_trials: info.maxTrials ?? null, storage: info.study.storage.url }),
    trialFinish: (trial) => emit({ event: 'trial_finish', ...trialToJson(trial) }),
    notice: (message) => emit({ event: 'notice', message }),
    studyEnd: (study, reason) => {
      if (study.isMultiObjective) {
        emit({ event: 'study_end', reason, trials: study.trials.length, best_trials: study.bestTrials.map(trialToJson) });
        return;
      }
      const best = study.bestTrial;
      emit({ event: 'study_end', reason, trials: study.trials.length, best: best === undefined ? null : trialToJson(best) });
    },
  };
}
