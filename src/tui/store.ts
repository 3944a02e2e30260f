import type { StageRow } from '../analysis/stages.js';
import type { FrozenTrial } from '../storage/records.js';
import type { DeviceSnapshot, StudyHeader } from './model/types.js';

/** Everything the dashboard draws that comes from outside the terminal. */
export interface DashboardData {
  readonly header: StudyHeader;
  readonly trials: readonly FrozenTrial[];
  /** The clock at the last refresh (ms since epoch). */
  readonly now: number;
  readonly device: DeviceSnapshot | null;
  readonly notice: string | null;
  /** Following a stage of a staged study: every stage's row, side by side. */
  readonly stages?: readonly StageRow[] | undefined;
}

/** What the Ink app subscribes to (the shape of React's `useSyncExternalStore`). */
export interface DashboardSource {
  subscribe(listener: () => void): () => void;
  getSnapshot(): DashboardData;
}

/** Holds the latest data; every change makes a new snapshot object and tells the listeners. */
export class DashboardStore implements DashboardSource {
  private data: DashboardData;
  private readonly listeners = new Set<() => void>();

  constructor(initial: DashboardData) {
    this.data = initial;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): DashboardData => this.data;

  update(change: Partial<DashboardData>): void {
    this.data = { ...this.data, ...change };
    for (const l of this.listeners) l();
  }

  updateHeader(change: Partial<StudyHeader>): void {
    this.update({ header: { ...this.data.header, ...change } });
  }
}

/** A source that never changes: recorded studies in tests, one-off renders. */
export function staticSource(data: DashboardData): DashboardSource {
  return { subscribe: () => () => undefined, getSnapshot: () => data };
}
