/**
 * Model coordinates of finished trials, per parameter and distribution: finished trials
 * never change, so each value is checked against the distribution and converted to its
 * model line (log, grid point, choice index) once, not on every ask.
 */
import type { Distribution } from '../../space/distributions.js';
import type { ParamColumns } from './columns.js';
import type { Domain } from './domain.js';
import { inRange, observationCoordinate } from './domain.js';

interface Entry {
  coords: Float64Array;
  /** How much of the columns' ingest log has been converted. */
  seen: number;
}

export class CoordinateCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * Per trial number, the model coordinate of `name` in each finished trial; NaN where
   * the trial lacks it or its value lies outside `dist`.
   */
  column(columns: ParamColumns, name: string, dist: Distribution, domain: Domain): Float64Array {
    const key = `${name}\u0001${distKey(dist)}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { coords: new Float64Array(64).fill(NaN), seen: 0 };
      this.entries.set(key, entry);
    }
    const log = columns.log;
    if (entry.seen === log.length) return entry.coords;
    const raw = columns.raw(name);
    for (let j = entry.seen; j < log.length; j++) {
      const number = log[j] as number;
      if (number >= entry.coords.length) {
        const grown = new Float64Array(Math.max(number + 1, 2 * entry.coords.length)).fill(NaN);
        grown.set(entry.coords);
        entry.coords = grown;
      }
      const v = raw === undefined || number >= raw.length ? NaN : (raw[number] as number);
      entry.coords[number] = inRange(dist, v) ? observationCoordinate(domain, v) : NaN;
    }
    entry.seen = log.length;
    return entry.coords;
  }
}

/** What a parameter's coordinates depend on: its bounds and scale, or its choices (ordinal ones are placed by value). */
function distKey(dist: Distribution): string {
  if (dist.kind === 'categorical') return `c${JSON.stringify(dist.choices)}`;
  return `${dist.kind}|${dist.low}|${dist.high}|${dist.step}|${dist.log}`;
}
