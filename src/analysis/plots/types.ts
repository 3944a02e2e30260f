import type { Direction, TrialState } from '../../storage/records.js';
import type { ImportanceMethod } from '../importance/types.js';
import type { Axis } from './axes.js';

/**
 * The data of every plot, computed once from a study's trials and drawn by any renderer
 * (SVG, PNG through SVG, the HTML report, a terminal). Plain, JSON-serializable values:
 * positions in axis units, never pixels.
 */
export type PlotData = HistoryPlot | IntermediatePlot | ParallelPlot | SlicePlot | ContourPlot | ImportancePlot | TimelinePlot | ParetoPlot | HypervolumePlot;

export type PlotKind = PlotData['kind'];

interface PlotBase {
  readonly title: string;
  /** Trials drawn and trials the plot is about; fewer are drawn when a study is large. */
  readonly shown: number;
  readonly total: number;
}

/** The objective value of each complete trial by trial number, with the best so far. */
export interface HistoryPlot extends PlotBase {
  readonly kind: 'history';
  readonly direction: Direction;
  readonly x: Axis;
  readonly y: Axis;
  /** `infeasible` only in a constrained study, on the trials past a constraint. */
  readonly points: readonly { readonly number: number; readonly value: number; readonly infeasible?: true }[];
  /** The best value so far as a step line (feasible trials only): one vertex per improvement, then the last trial. */
  readonly best: readonly { readonly number: number; readonly value: number }[];
}

/** Learning curves: each trial's reported values by step. */
export interface IntermediatePlot extends PlotBase {
  readonly kind: 'intermediate';
  readonly x: Axis;
  readonly y: Axis;
  readonly curves: readonly { readonly number: number; readonly state: TrialState; readonly points: readonly (readonly [number, number])[] }[];
}

/** One vertical axis per parameter and one for the objective; a line per complete trial. */
export interface ParallelPlot extends PlotBase {
  readonly kind: 'parallel';
  readonly direction: Direction;
  /** The objective's axis first, then the parameters'. */
  readonly axes: readonly Axis[];
  /** Per axis the position in [0, 1] (see unitOf), null where the trial lacks the parameter. */
  readonly lines: readonly { readonly number: number; readonly value: number; readonly coords: readonly (number | null)[] }[];
  readonly valueRange: readonly [number, number];
}

/** The objective against each parameter on its own. */
export interface SlicePlot extends PlotBase {
  readonly kind: 'slice';
  readonly y: Axis;
  readonly panels: readonly {
    readonly param: string;
    readonly x: Axis;
    /** x in the axis' units (a category's index for categorical parameters). */
    readonly points: readonly { readonly x: number; readonly y: number; readonly number: number }[];
  }[];
  /** Trial numbers range, for coloring points by when they ran. */
  readonly numberRange: readonly [number, number];
}

/** The objective over the plane of two parameters, smoothed from the trials, with the trials on top. */
export interface ContourPlot extends PlotBase {
  readonly kind: 'contour';
  readonly direction: Direction;
  readonly params: readonly [string, string];
  readonly x: Axis;
  readonly y: Axis;
  /** Grid centers in axis units; `values[j * xs.length + i]` is at (xs[i], ys[j]). */
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly values: readonly number[];
  readonly valueRange: readonly [number, number];
  readonly points: readonly { readonly x: number; readonly y: number; readonly value: number }[];
}

/** Parameter importances as bars, most important first. */
export interface ImportancePlot extends PlotBase {
  readonly kind: 'importance';
  readonly method: ImportanceMethod;
  readonly bars: readonly { readonly name: string; readonly importance: number }[];
}

/** When each trial ran, one lane per slot/device. */
export interface TimelinePlot extends PlotBase {
  readonly kind: 'timeline';
  readonly x: Axis;
  readonly lanes: readonly string[];
  /** Seconds since the first trial started. */
  readonly bars: readonly { readonly number: number; readonly lane: number; readonly start: number; readonly end: number; readonly state: TrialState }[];
}

/** Where a trial stands in a multi-objective study. */
export type ParetoStatus = 'front' | 'dominated' | 'infeasible';

/** The first two objectives of every complete trial, the Pareto front marked. */
export interface ParetoPlot extends PlotBase {
  readonly kind: 'pareto';
  /** The first two objectives' directions and names (x, then y). */
  readonly directions: readonly [Direction, Direction];
  readonly metrics: readonly [string, string];
  /** How many objectives the study has: with more than two, the front is over all of them. */
  readonly objectives: number;
  readonly x: Axis;
  readonly y: Axis;
  readonly points: readonly { readonly number: number; readonly x: number; readonly y: number; readonly status: ParetoStatus }[];
  /** The front's trials ordered along the first objective, best first. */
  readonly front: readonly { readonly number: number; readonly x: number; readonly y: number }[];
  /** Trials of each status (before thinning). */
  readonly counts: Readonly<Record<ParetoStatus, number>>;
}

/** The hypervolume of the feasible front after each complete trial, as a share of the ideal–reference box. */
export interface HypervolumePlot extends PlotBase {
  readonly kind: 'hypervolume';
  readonly x: Axis;
  readonly y: Axis;
  /** In each objective's own units and direction; null when no trial is feasible. */
  readonly reference: readonly number[] | null;
  readonly ideal: readonly number[] | null;
  /** The last hypervolume in objective units (the box's volume times the last share). */
  readonly volume: number;
  /** One per complete trial: the share after it, and whether it was feasible. */
  readonly points: readonly { readonly number: number; readonly hypervolume: number; readonly feasible: boolean }[];
  /** The share as a step line: one vertex per change, then the last trial. */
  readonly steps: readonly { readonly number: number; readonly hypervolume: number }[];
}
