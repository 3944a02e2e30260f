import { isFeasible, trialConstraints } from '../multi-objective/constraints.js';
import type { FrozenTrial } from '../storage/records.js';
import { formatNumber } from './format.js';

/** One name per objective: see src/multi-objective/names.ts. */
export { metricNames } from '../multi-objective/names.js';

/** `val_loss=0.312 latency_ms=12.5`, and ` (infeasible)` for a trial past a constraint. */
export function formatTrialValues(trial: FrozenTrial, metrics: readonly string[]): string {
  const values = trial.values ?? [];
  const text = metrics.map((m, i) => `${m}=${formatNumber(values[i])}`).join(' ');
  return Object.keys(trialConstraints(trial)).length > 0 && !isFeasible(trial) ? `${text} (infeasible)` : text;
}
