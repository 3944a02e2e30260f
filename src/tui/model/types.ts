import type { StageRow } from '../../analysis/stages.js';
import type { Direction, FrozenTrial } from '../../storage/records.js';

/** What a piece of text means; the components map it to a colour. */
export type Tone = 'title' | 'dim' | 'accent' | 'complete' | 'pruned' | 'failed' | 'running' | 'waiting' | 'good' | 'bad' | 'warn';

export interface Span {
  readonly text: string;
  readonly tone?: Tone;
  /** Drawn in reverse video: the selected row. */
  readonly inverse?: boolean;
  readonly bold?: boolean;
}

/** One terminal line, already fitted to its panel's width. */
export type Line = readonly Span[];

export interface Panel {
  readonly id: 'running' | 'finished' | 'history' | 'pareto' | 'importance' | 'devices' | 'detail' | 'stages';
  /** The title line (a rule with the panel's name), or null for a headless one-line panel. */
  readonly title: Line | null;
  /** Exactly `height − (title ? 1 : 0)` lines, each `width` characters. */
  readonly lines: readonly Line[];
  readonly width: number;
  readonly height: number;
}

/** Panels stacked top to bottom in one column of the screen. */
export interface ScreenColumn {
  readonly width: number;
  readonly panels: readonly Panel[];
}

/** Columns side by side. */
export interface ScreenRow {
  readonly columns: readonly ScreenColumn[];
}

/** The order of the finished-trials list; `s` cycles through them. */
export type SortOrder = 'recent' | 'best' | 'number' | 'duration';
export const SORT_ORDERS: readonly SortOrder[] = ['recent', 'best', 'number', 'duration'];

/** What the header says about the study; the caller merges stored attributes and run info. */
export interface StudyHeader {
  readonly name: string;
  /** The first objective's direction and metric (the only ones of a single-objective study). */
  readonly direction: Direction;
  readonly metric: string;
  /** A multi-objective study's directions and metrics, one per objective; absent with one objective. */
  readonly directions?: readonly Direction[] | undefined;
  readonly metrics?: readonly string[] | undefined;
  readonly sampler: string;
  readonly pruner: string;
  /** Trials the study should hold in all (every state but WAITING); undefined: no limit. */
  readonly maxTrials?: number | undefined;
  readonly timeoutSeconds?: number | undefined;
  /** When this run started (ms since epoch); attached views leave it out and use the first trial's start. */
  readonly startedAt?: number | undefined;
  /** Set once the run is over: why it ended. */
  readonly ended?: string | undefined;
  /** The run was asked to stop and waits for its running trials. */
  readonly stopping?: boolean | undefined;
}

export interface GpuReading {
  readonly index: number;
  /** Percent, 0..100. */
  readonly utilization: number;
  readonly memoryUsedMiB: number;
  readonly memoryTotalMiB: number;
}

/** One reading of this machine's devices. */
export interface DeviceSnapshot {
  readonly host: string;
  /** Empty when nvidia-smi is absent or failed. */
  readonly gpus: readonly GpuReading[];
  /** Percent busy across all cores since the previous reading; null on the first. */
  readonly cpuUtilization: number | null;
  readonly cpuCount: number;
  readonly load1: number;
  readonly memoryUsedBytes: number;
  readonly memoryTotalBytes: number;
}

export interface DashboardInput {
  readonly study: StudyHeader;
  /** Every trial of the study, ordered by number (as `CachedStorage.allTrials` gives them). */
  readonly trials: readonly FrozenTrial[];
  /** ms since epoch. */
  readonly now: number;
  readonly size: { readonly columns: number; readonly rows: number };
  readonly sort: SortOrder;
  /** The selected trial's number, or null. */
  readonly selected: number | null;
  /** The details of the selected trial are open. */
  readonly detail: boolean;
  readonly device?: DeviceSnapshot | null | undefined;
  /** A message for the footer (a notice from the run); replaced by `prompt`. */
  readonly notice?: string | null | undefined;
  /** A question waiting for y/n in the footer. */
  readonly prompt?: string | null | undefined;
  /** Keys are read (false: stdin is not a terminal, so the footer lists no keys). */
  readonly keys?: boolean | undefined;
  /** A stage of a staged study: every stage's row (`stageRows`), drawn side by side above the lists. */
  readonly stages?: readonly StageRow[] | undefined;
}

export interface DashboardView {
  readonly columns: number;
  readonly rows: number;
  /**
   * Full-width lines: the title, the progress bar, the best trial. Below `MIN_SIZE` every
   * line but the footer, with the request to enlarge the terminal, and `body` is empty.
   */
  readonly header: readonly Line[];
  readonly body: readonly ScreenRow[];
  readonly footer: Line;
  /** The selection after clamping to the trials that exist (null when there are none). */
  readonly selected: number | null;
}
