import { completeTrials } from '../columns.js';
import { linearAxis } from './axes.js';
import type { PlotInput } from './history.js';
import { thin } from './thin.js';
import type { IntermediatePlot } from './types.js';
import { valueAxis } from './value-axis.js';

/** Most curves drawn; the best complete trials' curves are always among them. */
export const MAX_CURVES = 300;
const ALWAYS_BEST = 20;

/** Every trial's reported values by step (finite ones); pruned trials keep their state so a renderer can fade them. */
export function intermediatePlot(input: PlotInput): IntermediatePlot {
  const withCurves = input.trials.filter((t) => t.intermediateValues.size > 0);
  const sign = input.direction === 'minimize' ? 1 : -1;
  const best = new Set(
    completeTrials(withCurves)
      .sort((a, b) => sign * ((a.values?.[0] as number) - (b.values?.[0] as number)))
      .slice(0, ALWAYS_BEST)
      .map((t) => t.number),
  );
  const curves = thin(withCurves, MAX_CURVES, (t) => best.has(t.number)).map((t) => ({
    number: t.number,
    state: t.state,
    points: [...t.intermediateValues].filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[0] - b[0]),
  }));
  const steps: number[] = [];
  const values: number[] = [];
  for (const c of curves) {
    for (const [s, v] of c.points) {
      steps.push(s);
      values.push(v);
    }
  }
  return {
    kind: 'intermediate',
    title: 'Intermediate values',
    x: linearAxis('step', steps.length > 0 ? steps : [0, 1], 0.02),
    y: valueAxis(input.metric ?? 'value', values),
    curves,
    shown: curves.length,
    total: withCurves.length,
  };
}
