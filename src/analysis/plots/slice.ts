import { completeTrials, paramColumns, paramNames } from '../columns.js';
import type { PlotInput } from './history.js';
import { MAX_POINTS } from './history.js';
import { thin } from './thin.js';
import type { SlicePlot } from './types.js';
import { paramAxis, paramPosition, valueAxis } from './value-axis.js';

/** The objective against each parameter (trials lacking a parameter are left out of its panel). */
export function slicePlot(input: PlotInput, options: { readonly params?: readonly string[] } = {}): SlicePlot {
  const complete = completeTrials(input.trials);
  const drawn = thin(complete, MAX_POINTS);
  const names = options.params ?? paramNames(complete);
  const columns = paramColumns(complete, names);
  const values = drawn.map((t) => t.values?.[0] as number);
  const panels = columns.map((column) => ({
    param: column.name,
    x: paramAxis(column),
    points: drawn.flatMap((t) => {
      const dist = t.distributions[column.name];
      const internal = t.internalParams[column.name];
      return dist === undefined || internal === undefined ? [] : [{ x: paramPosition(dist, internal), y: t.values?.[0] as number, number: t.number }];
    }),
  }));
  const numbers = complete.map((t) => t.number);
  return {
    kind: 'slice',
    title: 'Slices',
    y: valueAxis(input.metric ?? 'value', values),
    panels,
    numberRange: numbers.length > 0 ? [numbers[0] as number, numbers[numbers.length - 1] as number] : [0, 1],
    shown: drawn.length,
    total: complete.length,
  };
}
