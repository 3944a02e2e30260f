import { isFeasible, trialConstraints } from '../../multi-objective/constraints.js';
import { intermediateVectors } from '../../multi-objective/intermediate.js';
import type { FrozenTrial } from '../../storage/records.js';
import { fit, formatNumber } from './format.js';
import type { Span, StudyHeader } from './types.js';
import { MEASURED_KEY_PREFIX } from '../../storage/metadata.js';

/**
 * Every objective's value of a trial, as the trial list and the detail panel show them, and
 * whether the trial met its constraints.
 */

/** One name per objective: the study's metrics, else `metric` for the first and `value_i` for the others. */
export function objectiveNames(study: StudyHeader): string[] {
  const count = study.directions?.length ?? 1;
  return Array.from({ length: count }, (_, i) => study.metrics?.[i] ?? (i === 0 ? study.metric : `value_${i}`));
}

/** A complete trial past a constraint (stored as Optuna 5 does): never on the front nor the best. */
export function isInfeasible(trial: FrozenTrial): boolean {
  return trial.state === 'COMPLETE' && !isFeasible(trial);
}

/** The state as the trial list writes it: a complete trial past a constraint reads INFEAS. */
export function stateLabel(trial: FrozenTrial): { text: string; infeasible: boolean } {
  return isInfeasible(trial) ? { text: 'INFEAS.', infeasible: true } : { text: trial.state, infeasible: false };
}

/** Width of each value cell of the trial list when `count` values share `room` columns: 9 at most, 6 at least. */
export function valueCellWidth(count: number, room: number): number {
  return Math.max(6, Math.min(9, Math.floor(room / Math.max(1, count))));
}

/** The trial's values, right-aligned in cells of `cellWidth` (fewer significant digits in narrower cells); '-' for none. */
export function valueCells(values: readonly (number | undefined)[], count: number, cellWidth: number): Span[] {
  const digits = cellWidth >= 9 ? 5 : cellWidth >= 7 ? 4 : 3;
  return Array.from({ length: count }, (_, i) => ({ text: fit(` ${formatNumber(values[i], digits)}`, cellWidth, 'right') }));
}

/**
 * `val_loss 0.312  latency_ms 12.5` for a finished trial; for a running one, the last step's
 * values when it reports every objective per step, else the first objective's.
 */
export function namedValuesText(trial: FrozenTrial, names: readonly string[]): string {
  if (trial.state === 'RUNNING') {
    const vectors = intermediateVectors(trial);
    let step = -1;
    for (const s of trial.intermediateValues.keys()) step = Math.max(step, s);
    if (step < 0) return `${names[0] ?? 'value'} -`;
    const vector = vectors.get(step) ?? [trial.intermediateValues.get(step)];
    return `${names.map((n, i) => `${n} ${formatNumber(vector[i])}`).join('  ')} at step ${step}`;
  }
  if (trial.state === 'FAIL') return `${names[0] ?? 'value'} -`;
  return names.map((n, i) => `${n} ${formatNumber(trial.values?.[i])}`).join('  ');
}

/**
 * Each constraint of the trial: the measured value when the study stored it beside its limit
 * (`sodate:measured:<name>`), and how far past the limit it is (≤ 0: met), e.g.
 * `params 308074 ✗ 108074 over · gpu_mem_gb 14 ✓`; undefined for a trial without constraints.
 */
export function constraintsText(trial: FrozenTrial): string | undefined {
  const violations = Object.entries(trialConstraints(trial));
  if (violations.length === 0) return undefined;
  return violations
    .map(([name, over]) => {
      const measured = trial.systemAttrs[`${MEASURED_KEY_PREFIX}${name}`];
      const value = typeof measured === 'number' ? `${formatNumber(measured)} ` : '';
      return over <= 0 ? `${name} ${value}✓` : `${name} ${value}✗ ${formatNumber(over)} over`;
    })
    .join(' · ');
}
