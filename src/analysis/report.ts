import { isFeasible } from '../multi-objective/constraints.js';
import { relative } from 'node:path';
import type { OwnerCheck } from '../artifacts/index.js';
import { artifactEntries } from '../artifacts/index.js';
import type { ArtifactStatus } from '../artifacts/index.js';
import type { JsonValue } from '../json.js';
import { paretoFront } from '../multi-objective/front.js';
import { metricNames } from '../multi-objective/names.js';
import type { ParamValue } from '../space/distributions.js';
import type { Direction, FrozenTrial, StudyRecord, TrialState } from '../storage/records.js';
import { isRerun } from '../storage/records.js';
import { completeTrials, paramNames } from './columns.js';
import { NotEnoughTrialsError } from './errors.js';
import { paramImportances } from './importance/index.js';
import type { ImportanceMethod, ImportanceResult } from './importance/types.js';
import { contourPlot } from './plots/contour.js';
import { historyPlot } from './plots/history.js';
import { hypervolumeHistoryPlot } from './plots/hypervolume-history.js';
import { importancePlot } from './plots/importance.js';
import { intermediatePlot } from './plots/intermediate.js';
import { parallelPlot } from './plots/parallel.js';
import { paretoPlot } from './plots/pareto.js';
import { slicePlot } from './plots/slice.js';
import type { StageRow, StageStudyInput } from './stages.js';
import { stageRows } from './stages.js';
import { timelinePlot } from './plots/timeline.js';
import type { PlotData } from './plots/types.js';
import { bestEpochOf, deviceOf, durationOf, rankedTrials } from './trial-facts.js';
import { CONFIG_ATTR, storedSpaceText } from '../storage/metadata.js';

export interface ReportOptions {
  /** Default 'ped-anova' (fast on any study size). */
  readonly importance?: ImportanceMethod;
  /** fANOVA's seed. Default 0. */
  readonly seed?: number;
  /** Rows of the best-trials table. Default 10. */
  readonly bestRows?: number;
  /** The study's own folders: files in one another study claims are not linked as its. Default: not checked. */
  readonly owners?: OwnerCheck;
  /** The report's timestamp. Default: now. */
  readonly now?: Date;
  /**
   * The folder the report is written to: its links to trial files are relative to it, so the
   * report and the artifacts folder can move together. Default: links are absolute paths.
   */
  readonly linksFrom?: string;
  /** When the study is a stage of a staged study: every stage's study so far, in stage order. Default: none. */
  readonly stages?: readonly StageStudyInput[];
}

/** One file a trial left in its directory, as the report links it. */
export interface TrialFileLink {
  readonly name: string;
  readonly size: number;
  /** Relative to `linksFrom` (absolute without it); null when the file is not on this machine's disk. */
  readonly href: string | null;
  readonly status: ArtifactStatus;
}

export interface BestTrialRow {
  readonly rank: number;
  readonly number: number;
  /** The first objective's value. */
  readonly value: number;
  /** Every objective's value. */
  readonly values: readonly number[];
  readonly durationSeconds: number | null;
  readonly device: string | null;
  readonly bestEpoch: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The files the trial recorded in its directory (none when it had none). */
  readonly files: readonly TrialFileLink[];
}

/** Everything a study report shows, computed once; renderers only draw it. */
export interface ReportData {
  readonly study: {
    readonly name: string;
    /** The first objective's direction and metric (the only ones of a single-objective study). */
    readonly direction: Direction;
    readonly metric: string;
    /** One per objective. */
    readonly directions: readonly Direction[];
    readonly metrics: readonly string[];
    readonly counts: Readonly<Record<TrialState, number>>;
    /** COMPLETE trials that miss a constraint (0 for a study without constraints). */
    readonly infeasible: number;
    readonly nTrials: number;
    readonly firstStart: string | null;
    readonly lastComplete: string | null;
  };
  /** Study attributes worth showing, by key (user ones plain, system ones as stored). */
  readonly configuration: readonly { readonly scope: 'user' | 'system'; readonly key: string; readonly value: JsonValue }[];
  /** The space file's text, when `sodate tune` stored it. */
  readonly spaceText: string | null;
  readonly params: readonly string[];
  /** Complete trials by the first objective, best first. */
  readonly best: readonly BestTrialRow[];
  /** A multi-objective study's feasible Pareto front, by the first objective; null with one objective. */
  readonly front: readonly BestTrialRow[] | null;
  readonly importance: ImportanceResult | null;
  /** The stages side by side, when the study is a stage of a staged study; null otherwise. */
  readonly stages: readonly StageRow[] | null;
  readonly plots: readonly PlotData[];
  /** Why something is missing (e.g. too few trials for importance). */
  readonly notes: readonly string[];
  readonly generatedAt: string;
}

/** Study attributes left out of the configuration table: bulky or internal to a policy. */
const HIDDEN_SYSTEM_KEYS = new Set([CONFIG_ATTR]);

export function buildReport(study: StudyRecord, trials: readonly FrozenTrial[], options: ReportOptions = {}): ReportData {
  const directions = study.directions.length > 0 ? study.directions : [study.direction];
  const multi = directions.length > 1;
  const metrics = metricNames(study.userAttrs, directions.length);
  const metric = metrics[0] as string;
  const input = { trials, direction: study.direction, metric };
  const notes: string[] = [];
  if (multi) notes.push(`${directions.length} objectives: history, importance, parallel coordinates, contour and slices show the first, ${metric}`);
  const complete = completeTrials(trials);
  const names = paramNames(complete);

  let importance: ImportanceResult | null = null;
  if (names.length > 0) {
    try {
      importance = paramImportances(trials, study.direction, { method: options.importance ?? 'ped-anova', seed: options.seed ?? 0 });
    } catch (error) {
      if (!(error instanceof NotEnoughTrialsError)) throw error;
      notes.push(`parameter importance: ${error.message}`);
    }
  }
  // Where importance cannot be measured (every trial has the same value), its equal shares
  // rank nothing: no bars (the report shows the note) and the parameters in first-use order.
  const measured = importance !== null && importance.note === undefined ? importance : null;
  const ordered = measured === null ? names : measured.importances.map((p) => p.name);

  const plots: PlotData[] = multi ? [paretoPlot({ trials, directions, metrics }), hypervolumeHistoryPlot({ trials, directions, metrics }), historyPlot(input)] : [historyPlot(input)];
  if (measured !== null) plots.push(importancePlot(measured));
  plots.push(intermediatePlot(input));
  if (names.length > 0) plots.push(parallelPlot(input, { params: ordered }), slicePlot(input, { params: ordered }));
  if (ordered.length >= 2 && complete.length >= 3) plots.push(contourPlot(input, [ordered[0] as string, ordered[1] as string]));
  else notes.push('contour: needs two parameters and three complete trials');
  plots.push(timelinePlot(trials));

  const counts: Record<TrialState, number> = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0, WAITING: 0 };
  let firstStart: Date | null = null;
  let lastComplete: Date | null = null;
  for (const t of trials) {
    counts[t.state]++;
    if (t.datetimeStart !== null && (firstStart === null || t.datetimeStart < firstStart)) firstStart = t.datetimeStart;
    if (t.datetimeComplete !== null && (lastComplete === null || t.datetimeComplete > lastComplete)) lastComplete = t.datetimeComplete;
  }
  const spaceText = storedSpaceText(study.systemAttrs);

  return {
    study: { name: study.name, direction: study.direction, metric, directions, metrics, counts, infeasible: trials.filter((t) => t.state === 'COMPLETE' && !isFeasible(t)).length, nTrials: trials.length, firstStart: firstStart?.toISOString() ?? null, lastComplete: lastComplete?.toISOString() ?? null },
    configuration: [
      ...Object.entries(study.userAttrs).map(([key, value]) => ({ scope: 'user' as const, key, value })),
      ...Object.entries(study.systemAttrs)
        .filter(([key]) => !HIDDEN_SYSTEM_KEYS.has(key))
        .map(([key, value]) => ({ scope: 'system' as const, key, value })),
    ],
    spaceText,
    params: ordered,
    // Re-runs by confirm and ablate are measurements for those analyses, not candidates.
    best: rankedTrials(trials.filter((t) => !isRerun(t)), study.direction)
      .slice(0, options.bestRows ?? 10)
      .map((t, i) => bestRow(t, i, study.direction, options.linksFrom, options.owners)),
    front: multi ? rankedTrials(paretoFront(trials, directions), study.direction).map((t, i) => bestRow(t, i, study.direction, options.linksFrom, options.owners)) : null,
    importance,
    stages: options.stages === undefined || options.stages.length === 0 ? null : stageRows(options.stages, study.direction),
    plots,
    notes,
    generatedAt: (options.now ?? new Date()).toISOString(),
  };
}

function bestRow(t: FrozenTrial, i: number, direction: Direction, linksFrom: string | undefined, owners: OwnerCheck | undefined): BestTrialRow {
  const files = artifactEntries(t, owners).map((e) => ({
    name: e.name,
    size: e.size,
    href: e.status === 'present' && e.path !== undefined ? (linksFrom === undefined ? e.path : relative(linksFrom, e.path)) : null,
    status: e.status,
  }));
  return { rank: i + 1, number: t.number, value: t.values?.[0] as number, values: t.values ?? [], durationSeconds: durationOf(t), device: deviceOf(t), bestEpoch: bestEpochOf(t, direction), params: t.params, files };
}
