import type { JsonValue } from '../json.js';

/**
 * The metric name of each objective, as `sodate tune` stored them (`metrics`, or the one
 * `metric`); `value`, `value_1`, … where a study carries none. Here rather than in `cli`
 * so that the dashboard and the report, which may not import `cli`, name objectives the
 * same way the commands do.
 */
export function metricNames(userAttrs: Readonly<Record<string, JsonValue>>, objectives: number): string[] {
  const many = userAttrs['metrics'];
  if (Array.isArray(many) && many.length === objectives && many.every((m) => typeof m === 'string')) return many as string[];
  const one = userAttrs['metric'];
  if (objectives === 1) return [typeof one === 'string' ? one : 'value'];
  return Array.from({ length: objectives }, (_, i) => (i === 0 && typeof one === 'string' ? one : i === 0 ? 'value' : `value_${i}`));
}
