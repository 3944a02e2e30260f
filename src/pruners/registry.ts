import { OptionError } from '../errors.js';
import type { Pruner } from '../policies/policies.js';
import type { CurveRankPrunerOptions } from './curve-rank.js';
import { CURVE_RANK_KEYS, CurveRankPruner } from './curve-rank.js';
import type { HyperbandPrunerOptions } from './hyperband.js';
import { HYPERBAND_KEYS, HyperbandPruner } from './hyperband.js';
import type { MedianPrunerOptions } from './median.js';
import { MedianPruner } from './median.js';
import { NopPruner } from './nop.js';
import type { ResumingPruner } from './pausing.js';
import { PausingPruner } from './pausing.js';
import type { OutlookPrunerOptions } from './outlook.js';
import { OUTLOOK_KEYS, OutlookPruner } from './outlook.js';
import type { ParetoPrunerOptions } from './pareto.js';
import { PARETO_KEYS, ParetoPruner } from './pareto.js';
import { PATIENT_KEYS, PatientPruner } from './patient.js';
import type { PercentilePrunerOptions } from './percentile.js';
import { PERCENTILE_RULE_KEYS, PercentilePruner } from './percentile.js';
import type { SuccessiveHalvingPrunerOptions } from './successive-halving.js';
import { SUCCESSIVE_HALVING_KEYS, SuccessiveHalvingPruner } from './successive-halving.js';
import type { ThresholdPrunerOptions } from './threshold.js';
import { THRESHOLD_KEYS, ThresholdPruner } from './threshold.js';
import type { FoldPredictivePrunerOptions } from './fold-predictive.js';
import { FOLD_PREDICTIVE_KEYS, FoldPredictivePruner } from './fold-predictive.js';
import type { WilcoxonPrunerOptions } from './wilcoxon.js';
import { WILCOXON_KEYS, WilcoxonPruner } from './wilcoxon.js';

export interface PrunerEntry {
  readonly kind: string;
  /** One line for `sodate --help` and error messages. */
  readonly summary: string;
  /** Option keys a space file may set (besides `kind`); anything else is refused with its line. */
  readonly optionKeys: readonly string[];
  create(options: Record<string, unknown>): Pruner;
}

/**
 * The option every pruner that can promote a stopped trial takes: `pause: true` pauses a
 * trial it stops after the trial saved a checkpoint, and resumes it when the pruner
 * promotes it. Default false: a stopped trial is pruned for good.
 */
export const PAUSE_KEY = 'pause';

// Options arrive from YAML/JSON as unknown values: every constructor checks keys and types itself.
const successiveHalving = (options: Record<string, unknown>): Pruner => new SuccessiveHalvingPruner(options as SuccessiveHalvingPrunerOptions);

/** Pruners selectable by name in space files. Each entry builds and validates one. */
export const PRUNERS: readonly PrunerEntry[] = [
  { kind: 'none', summary: 'never prunes', optionKeys: [], create: (options) => (checkEmpty('none', options), new NopPruner()) },
  {
    kind: 'curve-rank',
    summary: 'stops a trial retracing a finished run (or runs it stopped later); prunes a trial behind every good finisher at the same point of the schedule for `patience` reports (for curves that cross)',
    optionKeys: [...CURVE_RANK_KEYS, PAUSE_KEY],
    create: (options) => new CurveRankPruner(options as CurveRankPrunerOptions),
  },
  {
    kind: 'outlook',
    summary: "prunes a trial when the study's COMPLETE trials as far behind at the same point of the schedule almost never ended good (Beta posterior)",
    optionKeys: OUTLOOK_KEYS,
    create: (options) => new OutlookPruner(options as OutlookPrunerOptions),
  },
  {
    kind: 'pareto',
    summary: 'several objectives: prunes a trial whose best-so-far point is dominated by the finished trials\' front at the same step, for `patience` reports',
    optionKeys: PARETO_KEYS,
    create: (options) => new ParetoPruner(options as ParetoPrunerOptions),
  },
  {
    kind: 'median',
    summary: "median stopping rule: best value so far vs the median of finished trials at the same step (Optuna's)",
    optionKeys: [...PERCENTILE_RULE_KEYS, PAUSE_KEY],
    create: (options) => new MedianPruner(options as MedianPrunerOptions),
  },
  {
    kind: 'percentile',
    summary: 'keeps trials within a top percentile of finished trials at the same step',
    optionKeys: ['percentile', ...PERCENTILE_RULE_KEYS, PAUSE_KEY],
    create: (options) => new PercentilePruner(options as unknown as PercentilePrunerOptions),
  },
  { kind: 'asha', summary: 'asynchronous successive halving, rungs kept in storage', optionKeys: [...SUCCESSIVE_HALVING_KEYS, PAUSE_KEY], create: successiveHalving },
  { kind: 'successive-halving', summary: 'alias of asha', optionKeys: [...SUCCESSIVE_HALVING_KEYS, PAUSE_KEY], create: successiveHalving },
  {
    kind: 'hyperband',
    summary: 'Hyperband: trials hashed into brackets, each an ASHA',
    optionKeys: [...HYPERBAND_KEYS, PAUSE_KEY],
    create: (options) => new HyperbandPruner(options as HyperbandPrunerOptions),
  },
  {
    kind: 'threshold',
    summary: 'prunes a trial whose last value leaves [lower, upper] or is NaN',
    optionKeys: THRESHOLD_KEYS,
    create: (options) => new ThresholdPruner(options as ThresholdPrunerOptions),
  },
  {
    kind: 'wilcoxon',
    summary: "per-fold values (reportFold, {\"fold\": i, …}): prunes a trial significantly worse than the best trial on the folds both have (Wilcoxon signed-rank, Optuna's WilcoxonPruner)",
    optionKeys: WILCOXON_KEYS,
    create: (options) => new WilcoxonPruner(options as WilcoxonPrunerOptions),
  },
  {
    kind: 'fold-predictive',
    summary:
      'per-fold values: prunes a trial unlikely to end among the best finished trials over all folds (fold effects and noise pooled over the study, Student-t forecast); prunes sooner than wilcoxon',
    optionKeys: FOLD_PREDICTIVE_KEYS,
    create: (options) => new FoldPredictivePruner(options as FoldPredictivePrunerOptions),
  },
  {
    kind: 'patient',
    summary: 'waits `patience` reports without improvement before asking the wrapped pruner ({ kind: … })',
    optionKeys: PATIENT_KEYS,
    create: (options) => {
      const { wrapped, ...rest } = options;
      return new PatientPruner({ ...(rest as { patience: number; minDelta?: number }), wrapped: wrapped === undefined || wrapped === null ? null : prunerFromSpec(wrapped, 'patient.wrapped') });
    },
  },
];

function checkEmpty(kind: string, options: Record<string, unknown>): void {
  const keys = Object.keys(options);
  if (keys.length > 0) throw new OptionError(`pruner "${kind}" takes no options, got ${keys.join(', ')}`);
}

/** Build a pruner from a nested spec such as `{ kind: 'median', nWarmupSteps: 5 }`. */
export function prunerFromSpec(spec: unknown, where = 'pruner'): Pruner {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new OptionError(`${where} must be an object with a kind, e.g. { kind: median }, got ${JSON.stringify(spec)}`);
  }
  const { kind, ...options } = spec as Record<string, unknown>;
  if (typeof kind !== 'string') throw new OptionError(`${where} needs a kind (one of: ${PRUNERS.map((e) => e.kind).join(', ')})`);
  // An empty value in a space file reads as null, which the pruner would take as "default" unseen.
  const empty = Object.keys(options).find((key) => options[key] === null);
  if (empty !== undefined) throw new OptionError(`${where}.${empty} has no value; give one or leave the key out`);
  return createPruner(kind, options);
}

export function prunerEntry(kind: string): PrunerEntry {
  const entry = PRUNERS.find((e) => e.kind === kind);
  if (entry === undefined) throw new OptionError(`unknown pruner "${kind}"; use one of: ${PRUNERS.map((e) => e.kind).join(', ')}`);
  return entry;
}

export function createPruner(kind: string, options: Record<string, unknown> = {}): Pruner {
  const { [PAUSE_KEY]: pause, ...rest } = options;
  const pruner = prunerEntry(kind).create(rest);
  if (pause === undefined || pause === false) return pruner;
  if (pause !== true) throw new OptionError(`pause must be true or false, got ${JSON.stringify(pause)}`);
  if (pruner.shouldResume === undefined) {
    const pausable = PRUNERS.filter((e) => e.optionKeys.includes(PAUSE_KEY)).map((e) => e.kind);
    throw new OptionError(`pruner "${kind}" cannot resume a trial it stopped, so it cannot pause one; pause: true works with ${pausable.join(', ')}`);
  }
  return new PausingPruner(pruner as ResumingPruner);
}
