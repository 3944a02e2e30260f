import type { JsonValue } from '../../json.js';
import { metricNames } from '../../multi-objective/names.js';
import type { Direction } from '../../storage/records.js';
import type { StudyHeader } from './types.js';
import { MAX_TRIALS_ATTR, PRUNER_NAME_ATTR, SAMPLER_NAME_ATTR } from '../../storage/metadata.js';

export interface StudyLike {
  readonly name: string;
  readonly direction: Direction;
  /** One per objective; a study with more than one gets `directions` and `metrics` in its header. */
  readonly directions?: readonly Direction[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
}

function text(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' && !Array.isArray(value) && typeof value['kind'] === 'string' ? value['kind'] : JSON.stringify(value);
}

function count(value: JsonValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The header of a stored study: metric from the user attribute `metric`, sampler and
 * pruner from the system attributes `sodate:sampler` / `sodate:pruner`, the budget from
 * `sodate:max_trials`, each falling back to `fallback` (what the running `tune` knows). A
 * multi-objective study also gets every objective's direction and metric (`metrics`).
 */
export function headerFromStudy(study: StudyLike, fallback: Partial<StudyHeader> = {}): StudyHeader {
  const objectives = study.directions ?? [];
  return {
    ...fallback,
    ...(objectives.length > 1 ? { directions: objectives, metrics: metricNames(study.userAttrs, objectives.length) } : {}),
    name: study.name,
    direction: study.direction,
    metric: text(study.userAttrs['metric']) ?? fallback.metric ?? 'value',
    sampler: text(study.systemAttrs[SAMPLER_NAME_ATTR]) ?? fallback.sampler ?? '-',
    pruner: text(study.systemAttrs[PRUNER_NAME_ATTR]) ?? fallback.pruner ?? '-',
    maxTrials: fallback.maxTrials ?? count(study.systemAttrs[MAX_TRIALS_ATTR]),
  };
}
