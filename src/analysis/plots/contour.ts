import { OptionError } from '../../errors.js';
import { completeTrials, fromUnit, paramColumns } from '../columns.js';
import type { ParamColumn } from '../columns.js';
import type { PlotInput } from './history.js';
import { MAX_POINTS } from './history.js';
import { thin } from './thin.js';
import type { ContourPlot } from './types.js';
import { paramAxis } from './value-axis.js';

/** Grid cells per numeric axis. */
export const CONTOUR_GRID = 32;
/** Trials the smoothing reads at most (evenly thinned). */
const MAX_SMOOTHING_POINTS = 2000;

/**
 * The objective over the plane of two parameters: a Nadaraya–Watson (Gaussian kernel)
 * average of the trials that have both, on a grid of the [0, 1]-mapped plane (log-mapped
 * for log distributions; one cell per choice for categoricals). The bandwidth n^(−1/3),
 * kept within [0.04, 0.2] of the range, follows the trials' density: smooth for a few
 * dozen trials, detailed for thousands.
 */
export function contourPlot(input: PlotInput, params: readonly [string, string]): ContourPlot {
  if (params[0] === params[1]) throw new OptionError(`a contour needs two different parameters, got "${params[0]}" twice`);
  const both = completeTrials(input.trials).filter((t) => t.distributions[params[0]] !== undefined && t.distributions[params[1]] !== undefined);
  const [cx, cy] = paramColumns(both, params) as [ParamColumn, ParamColumn];
  const values = both.map((t) => t.values?.[0] as number);
  const gx = gridOf(cx);
  const gy = gridOf(cy);
  const sample = thin(
    both.map((_, i) => i),
    MAX_SMOOTHING_POINTS,
  );
  const ux = Float64Array.from(sample, (i) => unitPosition(cx, cx.values[i] as number));
  const uy = Float64Array.from(sample, (i) => unitPosition(cy, cy.values[i] as number));
  const vs = Float64Array.from(sample, (i) => values[i] as number);
  const h = Math.min(0.2, Math.max(0.04, Math.cbrt(1 / Math.max(1, sample.length))));
  const inv = 1 / (2 * h * h);
  const grid: number[] = [];
  for (const v of gy.units) {
    for (const u of gx.units) {
      let num = 0;
      let den = 0;
      for (let k = 0; k < vs.length; k++) {
        const dx = (ux[k] as number) - u;
        const dy = (uy[k] as number) - v;
        const w = Math.exp(-(dx * dx + dy * dy) * inv) + 1e-300;
        num += w * (vs[k] as number);
        den += w;
      }
      grid.push(den > 0 ? num / den : NaN);
    }
  }
  const finite = values.filter(Number.isFinite);
  const points = thin(
    both.map((_, i) => ({ x: axisPosition(cx, cx.values[i] as number), y: axisPosition(cy, cy.values[i] as number), value: values[i] as number })),
    MAX_POINTS,
  );
  return {
    kind: 'contour',
    title: `Contour of ${params[0]} × ${params[1]}`,
    direction: input.direction,
    params: [params[0], params[1]],
    x: paramAxis(cx),
    y: paramAxis(cy),
    xs: gx.positions,
    ys: gy.positions,
    values: grid,
    valueRange: finite.length > 0 ? [Math.min(...finite), Math.max(...finite)] : [0, 1],
    points,
    shown: points.length,
    total: both.length,
  };
}

/** A column value (unit for numeric, index for categorical) on [0, 1]. */
function unitPosition(column: ParamColumn, v: number): number {
  return column.kind === 'categorical' ? (column.choices.length > 1 ? v / (column.choices.length - 1) : 0.5) : v;
}

/** A column value in its axis' units (external value, or category index). */
function axisPosition(column: ParamColumn, v: number): number {
  return column.kind === 'categorical' ? v : fromUnit(column, v);
}

function gridOf(column: ParamColumn): { units: number[]; positions: number[] } {
  if (column.kind === 'categorical') {
    const k = column.choices.length;
    const units = Array.from({ length: k }, (_, i) => (k > 1 ? i / (k - 1) : 0.5));
    return { units, positions: units.map((_, i) => i) };
  }
  const units = Array.from({ length: CONTOUR_GRID }, (_, i) => (i + 0.5) / CONTOUR_GRID);
  return { units, positions: units.map((u) => fromUnit(column, u)) };
}
