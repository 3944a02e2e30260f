import type { Distribution } from '../../space/distributions.js';
import type { ParamColumn } from '../columns.js';
import type { Axis } from './axes.js';
import { categoryAxis, linearAxis, logAxis } from './axes.js';

/** An objective axis: log when every value is positive and they span more than two decades. */
export function valueAxis(label: string, values: readonly number[]): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo > 0 && hi / lo > 100 ? logAxis(label, values) : linearAxis(label, values);
}

/** A parameter's axis: categories, log for log distributions, linear otherwise. */
export function paramAxis(column: Pick<ParamColumn, 'name' | 'kind' | 'low' | 'high' | 'log' | 'choices'>): Axis {
  if (column.kind === 'categorical') return categoryAxis(column.name, column.choices.map(String));
  return column.log ? logAxis(column.name, [column.low, column.high]) : linearAxis(column.name, [column.low, column.high], 0.02);
}

/** A parameter's value in its axis' units: the number, or a categorical's index. */
export function paramPosition(distribution: Distribution, internal: number): number {
  return distribution.kind === 'categorical' ? Math.round(internal) : internal;
}
