import type { JsonValue } from '../json.js';
import type { ParamValue } from '../space/distributions.js';
import type { FrozenTrial, StudyRecord, TrialState } from '../storage/records.js';
import { completeTrials, paramNames } from './columns.js';
import { NotEnoughTrialsError } from './errors.js';
import { paramImportances } from './importance/index.js';
import type { ImportanceMethod, ImportanceResult } from './importance/types.js';
import { contourPlot } from './plots/contour.js';
import { historyPlot } from './plots/history.js';
import { importancePlot } from './plots/importance.js';
import { intermediatePlot } from './plots/intermediate.js';
import { parallelPlot } from './plots/parallel.js';
import { slicePlot } from './plots/slice.js';
import { timelinePlot } from './plots/timeline.js';
import type { PlotData } from './plots/types.js';
import { bestEpochOf, deviceOf, durationOf, rankedTrials } from './trial-facts.js';

export interface ReportOptions {
  /** Default 'ped-anova' (fast on any study size). */
  readonly importance?: ImportanceMethod;
  /** fANOVA's seed. Default 0. */
  readonly seed?: number;
  /** Rows of the best-trials table. Default 10. */
  readonly bestRows?: number;
  /** The report's timestamp. Default: now. */
  readonly now?: Date;
}

export interface BestTrialRow {
  readonly rank: number;
  readonly number: number;
  readonly value: number;
  readonly durationSeconds: number | null;
  readonly device: string | null;
  readonly bestEpoch: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** Everything a study report shows, computed once; renderers only draw it. */
export interface ReportData {
  readonly study: {
    readonly name: string;
    readonly direction: 'minimize' | 'maximize';
    readonly metric: string;
    readonly counts: Readonly<Record<TrialState, number>>;
    readonly nTrials: number;
    readonly firstStart: string | null;
    readonly lastComplete: string | null;
  };
  /** Study attributes worth showing, by key (user ones plain, system ones as stored). */
  readonly configuration: readonly { readonly scope: 'user' | 'system'; readonly key: string; readonly value: JsonValue }[];
  /** The space file's text, when `sodate tune` stored it. */
  readonly spaceText: string | null;
  readonly params: readonly string[];
  readonly best: readonly BestTrialRow[];
  readonly importance: ImportanceResult | null;
  readonly plots: readonly PlotData[];
  /** Why something is missing (e.g. too few trials for importance). */
  readonly notes: readonly string[];
  readonly generatedAt: string;
}

/** Study attributes left out of the configuration table: bulky or internal to a policy. */
const HIDDEN_SYSTEM_KEYS = new Set(['sodate:config']);

export function buildReport(study: StudyRecord, trials: readonly FrozenTrial[], options: ReportOptions = {}): ReportData {
  const metric = typeof study.userAttrs['metric'] === 'string' ? study.userAttrs['metric'] : 'value';
  const input = { trials, direction: study.direction, metric };
  const notes: string[] = [];
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
  const ordered = importance === null ? names : importance.importances.map((p) => p.name);

  const plots: PlotData[] = [historyPlot(input)];
  if (importance !== null) plots.push(importancePlot(importance));
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
  const config = study.systemAttrs['sodate:config'];
  const spaceText = config !== null && typeof config === 'object' && !Array.isArray(config) && typeof config['text'] === 'string' ? config['text'] : null;

  return {
    study: { name: study.name, direction: study.direction, metric, counts, nTrials: trials.length, firstStart: firstStart?.toISOString() ?? null, lastComplete: lastComplete?.toISOString() ?? null },
    configuration: [
      ...Object.entries(study.userAttrs).map(([key, value]) => ({ scope: 'user' as const, key, value })),
      ...Object.entries(study.systemAttrs)
        .filter(([key]) => !HIDDEN_SYSTEM_KEYS.has(key))
        .map(([key, value]) => ({ scope: 'system' as const, key, value })),
    ],
    spaceText,
    params: ordered,
    best: rankedTrials(trials, study.direction)
      .slice(0, options.bestRows ?? 10)
      .map((t, i) => ({ rank: i + 1, number: t.number, value: t.values?.[0] as number, durationSeconds: durationOf(t), device: deviceOf(t), bestEpoch: bestEpochOf(t, study.direction), params: t.params })),
    importance,
    plots,
    notes,
    generatedAt: (options.now ?? new Date()).toISOString(),
  };
}
