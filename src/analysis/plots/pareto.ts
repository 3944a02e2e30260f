import { OptionError } from '../../errors.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';
import { FrontSoFar, objectiveTrials } from './front-so-far.js';
import { MAX_POINTS } from './history.js';
import { thin } from './thin.js';
import type { ParetoPlot, ParetoStatus } from './types.js';
import { valueAxis } from './value-axis.js';

export interface ObjectivesInput {
  readonly trials: readonly FrozenTrial[];
  /** One per objective; at least two. */
  readonly directions: readonly Direction[];
  /** One name per objective. Default `value_0`, `value_1`, … */
  readonly metrics?: readonly string[];
}

/** An objective's axis title: its name and which way is better, `latency_ms (minimize)`. */
export function objectiveLabel(metric: string, direction: Direction): string {
  return `${metric} (${direction})`;
}

/**
 * Every COMPLETE trial's first two objectives, each marked as on the Pareto front, dominated,
 * or infeasible (past a constraint: never on the front). The front is the study's: with
 * three or more objectives it is taken over all of them, so a front point may look
 * dominated in this projection. `front` lists the front by the first objective, for the
 * step line a two-objective front draws.
 */
export function paretoPlot(input: ObjectivesInput): ParetoPlot {
  const { directions } = input;
  if (directions.length < 2) throw new OptionError(`a Pareto front needs two or more objectives, got ${directions.length}`);
  const metrics = directions.map((_, i) => input.metrics?.[i] ?? `value_${i}`);
  const drawable = objectiveTrials(input.trials, directions);
  const front = new FrontSoFar<(typeof drawable)[number]>();
  for (const p of drawable) if (p.feasible) front.add(p);
  const onFront = new Set(front.front.map((p) => p.trial.number));
  const all = drawable.map((p) => ({
    number: p.trial.number,
    x: p.values[0] as number,
    y: p.values[1] as number,
    status: (!p.feasible ? 'infeasible' : onFront.has(p.trial.number) ? 'front' : 'dominated') as ParetoStatus,
  }));
  const points = thin(all, MAX_POINTS, (p) => p.status === 'front');
  const frontLine = all.filter((p) => p.status === 'front').sort((a, b) => (directions[0] === 'maximize' ? b.x - a.x : a.x - b.x) || a.number - b.number);
  return {
    kind: 'pareto',
    title: 'Pareto front',
    directions: [directions[0] as Direction, directions[1] as Direction],
    metrics: [metrics[0] as string, metrics[1] as string],
    objectives: directions.length,
    x: valueAxis(objectiveLabel(metrics[0] as string, directions[0] as Direction), all.map((p) => p.x)),
    y: valueAxis(objectiveLabel(metrics[1] as string, directions[1] as Direction), all.map((p) => p.y)),
    points,
    front: frontLine.map(({ number, x, y }) => ({ number, x, y })),
    counts: { front: frontLine.length, dominated: all.filter((p) => p.status === 'dominated').length, infeasible: all.filter((p) => p.status === 'infeasible').length },
    shown: points.length,
    total: all.length,
  };
}
