import type { JsonValue } from '../json.js';
import { isFeasible, trialConstraints } from '../multi-objective/constraints.js';
import type { FrozenTrial } from '../storage/records.js';
import { formatNumber } from './format.js';

/**
 * The metric name of each objective, as `sodate tune` stored them (`metrics`, or the one
 * `metric`); `value`, `value_1`, … where a study carries none.
 */
export function metricNames(userAttrs: Readonly<Record<string, JsonValue>>, objectives: number): string[] {
  const many = userAttrs['metrics'];
  if (Array.isArray(many) && many.length === objectives && many.every((m) => typeof m === 'string')) return many as string[];
  const one = userAttrs['metric'];
  if (objectives === 1) return [typeof one === 'string' ? one : 'value'];
  return Array.from({ length: objectives }, (_, i) => (i === 0 && typeof one === 'string' ? one : i === 0 ? 'value' : `value_${i}`));
}

/** `val_loss=0.312 latency_ms=12.5`, and ` (infeasible)` for a trial past a constraint. */
export function formatTrialValues(trial: FrozenTrial, metrics: readonly string[]): string {
  const values = trial.values ?? [];
  const text = metrics.map((m, i) => `${m}=${formatNumber(values[i])}`).join(' ');
  return Object.keys(trialConstraints(trial)).length > 0 && !isFeasible(trial) ? `${text} (infeasible)` : text;
}
