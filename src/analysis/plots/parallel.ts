import { paramColumns, paramNames, completeTrials } from '../columns.js';
import { unitOf } from './axes.js';
import type { PlotInput } from './history.js';
import { thin } from './thin.js';
import type { ParallelPlot } from './types.js';
import { paramAxis, paramPosition, valueAxis } from './value-axis.js';

/** Most lines drawn; the best tenth of the trials (up to 100) is always among them. */
export const MAX_LINES = 1000;
/** Most parameter axes; the most important come first when an order is given. */
export const MAX_AXES = 10;

export interface ParallelOptions {
  /** Parameters in axis order (e.g. by importance). Default: the order trials first used them. */
  readonly params?: readonly string[];
}

export function parallelPlot(input: PlotInput, options: ParallelOptions = {}): ParallelPlot {
  const complete = completeTrials(input.trials);
  const names = (options.params ?? paramNames(complete)).slice(0, MAX_AXES);
  const columns = paramColumns(complete, names);
  const values = complete.map((t) => t.values?.[0] as number);
  const objective = valueAxis(input.metric ?? 'value', values);
  const axes = [objective, ...columns.map(paramAxis)];
  const sign = input.direction === 'minimize' ? 1 : -1;
  const ranked = complete.map((_, i) => i).sort((a, b) => sign * ((values[a] as number) - (values[b] as number)));
  const top = new Set(ranked.slice(0, Math.min(100, Math.ceil(complete.length / 10))));
  const lines = thin(
    complete.map((t, i) => ({ t, i })),
    MAX_LINES,
    ({ i }) => top.has(i),
  ).map(({ t, i }) => ({
    number: t.number,
    value: values[i] as number,
    coords: [
      unitOf(objective, values[i] as number),
      ...names.map((name, k) => {
        const dist = t.distributions[name];
        const internal = t.internalParams[name];
        return dist === undefined || internal === undefined ? null : unitOf(axes[k + 1]!, paramPosition(dist, internal));
      }),
    ],
  }));
  const finite = values.filter(Number.isFinite);
  return {
    kind: 'parallel',
    title: 'Parallel coordinates',
    direction: input.direction,
    axes,
    lines,
    valueRange: finite.length > 0 ? [Math.min(...finite), Math.max(...finite)] : [0, 1],
    shown: lines.length,
    total: complete.length,
  };
}
