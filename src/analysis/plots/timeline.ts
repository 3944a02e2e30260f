import type { FrozenTrial } from '../../storage/records.js';
import { linearAxis } from './axes.js';
import { thin } from './thin.js';
import type { TimelinePlot } from './types.js';
import { DEVICE_ATTR, SLOT_ATTR } from '../../storage/metadata.js';

/** Most bars drawn. */
export const MAX_BARS = 3000;

/** The lane a trial ran in: its slot and device as `sodate tune` records them, or "main". */
export function laneOf(trial: FrozenTrial): string {
  const slot = trial.systemAttrs[SLOT_ATTR];
  const device = trial.systemAttrs[DEVICE_ATTR];
  const s = typeof slot === 'string' || typeof slot === 'number' ? String(slot) : undefined;
  const d = typeof device === 'string' || typeof device === 'number' ? String(device) : undefined;
  if (s !== undefined && d !== undefined && s !== d) return `${s} (${d})`;
  return s ?? d ?? 'main';
}

/**
 * When each trial ran, by slot/device lane, in seconds since the first start. A trial still
 * running ends at `now` (default: the latest time any trial finished or started).
 */
export function timelinePlot(trials: readonly FrozenTrial[], now?: Date): TimelinePlot {
  const started = trials.filter((t) => t.datetimeStart !== null);
  let origin = Infinity;
  let latest = -Infinity;
  for (const t of started) {
    origin = Math.min(origin, (t.datetimeStart as Date).getTime());
    latest = Math.max(latest, (t.datetimeComplete ?? t.datetimeStart as Date).getTime());
  }
  const end = now?.getTime() ?? latest;
  const lanes = [...new Set(started.map(laneOf))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const laneIndex = new Map(lanes.map((l, i) => [l, i]));
  const bars = thin(started, MAX_BARS).map((t) => ({
    number: t.number,
    lane: laneIndex.get(laneOf(t)) as number,
    start: ((t.datetimeStart as Date).getTime() - origin) / 1000,
    end: ((t.datetimeComplete?.getTime() ?? end) - origin) / 1000,
    state: t.state,
  }));
  return {
    kind: 'timeline',
    title: 'Timeline',
    x: linearAxis('seconds since the first trial started', started.length > 0 ? [0, (end - origin) / 1000] : [0, 1], 0.01),
    lanes,
    bars,
    shown: bars.length,
    total: started.length,
  };
}
