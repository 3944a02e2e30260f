import { hasConstraints, isFeasible } from '../../multi-objective/constraints.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';
import { isRerun } from '../../storage/records.js';
import { completeTrials } from '../columns.js';
import { linearAxis } from './axes.js';
import { thin } from './thin.js';
import type { HistoryPlot } from './types.js';
import { valueAxis } from './value-axis.js';

export interface PlotInput {
  readonly trials: readonly FrozenTrial[];
  readonly direction: Direction;
  /** The objective's name on axes. Default 'value'. */
  readonly metric?: string;
}

/** Most trials a scatter draws. */
export const MAX_POINTS = 2000;

/**
 * Objective value by trial number, with the best-so-far step line (every improvement kept).
 * In a constrained study the trials past a constraint are marked `infeasible` and never
 * count as the best, as Optuna's best trial is a feasible one.
 */
export function historyPlot(input: PlotInput): HistoryPlot {
  const metric = input.metric ?? 'value';
  const complete = completeTrials(input.trials);
  const infeasible = hasConstraints(complete) ? new Set(complete.filter((t) => !isFeasible(t)).map((t) => t.number)) : undefined;
  const better = input.direction === 'minimize' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  const best: { number: number; value: number }[] = [];
  const improved = new Set<number>();
  let current: number | undefined;
  for (const t of complete) {
    // The best-so-far line follows the tuning trials: a re-run by confirm or ablate is a point, not a new best.
    if (infeasible?.has(t.number) || isRerun(t)) continue;
    const v = t.values?.[0] as number;
    if (current === undefined || better(v, current)) {
      current = v;
      best.push({ number: t.number, value: v });
      improved.add(t.number);
    }
  }
  const last = complete[complete.length - 1];
  if (last !== undefined && current !== undefined && best[best.length - 1]?.number !== last.number) best.push({ number: last.number, value: current });
  const points = thin(
    complete.map((t) => (infeasible?.has(t.number) ? { number: t.number, value: t.values?.[0] as number, infeasible: true as const } : { number: t.number, value: t.values?.[0] as number })),
    MAX_POINTS,
    (p) => improved.has(p.number),
  );
  const numbers = input.trials.map((t) => t.number);
  return {
    kind: 'history',
    title: 'Optimization history',
    direction: input.direction,
    x: linearAxis('trial', numbers.length > 0 ? numbers : [0, 1], 0.02),
    y: valueAxis(metric, points.map((p) => p.value)),
    points,
    best,
    shown: points.length,
    total: complete.length,
  };
}
