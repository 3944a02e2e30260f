import { OptionError } from '../errors.js';
import type { ParamValue } from '../space/distributions.js';
import type { Direction, FrozenTrial, StudyRecord } from '../storage/records.js';
import { isRerun } from '../storage/records.js';
import { completeTrials } from './columns.js';
import { bestCompleteTrial } from '../multi-objective/best.js';
import type { Summary } from '../numerics/stats.js';
import { mean, probabilityLess, quantile, sortedCopy, std, summarize } from '../numerics/stats.js';
import { formatTick } from './plots/format.js';

/** A labelled set of studies compared as one arm, e.g. the seeds of "EMA on". */
export interface CompareArmInput {
  readonly label: string;
  readonly studies: readonly { readonly study: StudyRecord; readonly trials: readonly FrozenTrial[] }[];
}

export interface CompareArm {
  readonly label: string;
  /** Each study's (or seed's) best value, in input order. */
  readonly bests: readonly { readonly study: string; readonly best: number | null; readonly complete: number }[];
  /** Over the studies' best values: how much the arm's outcome varies from seed to seed; null when no study has a best. */
  readonly bestMean: number | null;
  readonly bestStd: number | null;
  /** The best of the bests. */
  readonly bestOverall: number | null;
  /** Every complete trial's value, pooled over the arm's studies. */
  readonly values: CompareValues;
}

/** A `Summary` of an arm's pooled values; with no complete trial (n = 0) every statistic is null, never NaN. */
export type CompareValues = { readonly n: number } & { readonly [K in Exclude<keyof Summary, 'n'>]: number | null };

export interface CompareVersus {
  readonly label: string;
  /** P(a trial of this arm beats one of the baseline), from the pooled values; 0.5 means no difference; null when either arm has no complete trial. */
  readonly pTrialBetter: number | null;
  /** P(this arm's best beats the baseline's best), over the seeds' bests; null with fewer than one each. */
  readonly pBestBetter: number | null;
  /** Difference of mean bests (this − baseline), in the metric's units; null when either has none. */
  readonly bestMeanDelta: number | null;
}

export interface CompareResult {
  readonly direction: Direction;
  readonly metric: string;
  readonly arms: readonly CompareArm[];
  /** Every arm against the first (the baseline). */
  readonly versus: readonly CompareVersus[];
}

/**
 * Side-by-side outcome of several arms, each one or more studies (say one per seed):
 * best values per seed with their mean and spread, the distribution of all complete
 * trials' values, and how likely each arm beats the first one.
 */
export function compareArms(arms: readonly CompareArmInput[]): CompareResult {
  const studies = arms.flatMap((a) => a.studies);
  const first = studies[0];
  if (first === undefined) throw new OptionError('compare needs at least one study');
  const direction = first.study.direction;
  for (const s of studies) {
    if (s.study.direction !== direction) throw new OptionError(`cannot compare study "${s.study.name}" (${s.study.direction}) with "${first.study.name}" (${direction}): directions differ`);
  }
  const metricOf = (s: StudyRecord) => (typeof s.userAttrs['metric'] === 'string' ? s.userAttrs['metric'] : 'value');
  const better = direction === 'minimize' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  const pooledOf = (arm: CompareArmInput) => arm.studies.flatMap((s) => tuningComplete(s).map((t) => t.values?.[0] as number));
  const out = arms.map((arm): CompareArm => {
    const bests = arm.studies.map((s) => {
      // Each study's best as `sodate best` names it: feasible, and never a re-run by confirm or ablate.
      const best = bestCompleteTrial(s.trials, direction)?.values?.[0] ?? null;
      return { study: s.study.name, best, complete: tuningComplete(s).length };
    });
    const finite = bests.flatMap((b) => (b.best === null ? [] : [b.best]));
    let overall: number | null = null;
    for (const v of finite) if (overall === null || better(v, overall)) overall = v;
    const none = finite.length === 0;
    return { label: arm.label, bests, bestMean: none ? null : mean(finite), bestStd: none ? null : std(finite), bestOverall: overall, values: compareValues(pooledOf(arm)) };
  });
  const baseline = arms[0] as CompareArmInput;
  const baseArm = out[0] as CompareArm;
  const baseBests = baseArm.bests.flatMap((b) => (b.best === null ? [] : [b.best]));
  const versus = arms.slice(1).map((arm, k): CompareVersus => {
    const o = out[k + 1] as CompareArm;
    const bests = o.bests.flatMap((b) => (b.best === null ? [] : [b.best]));
    // "Better" is lower for minimize: P(a < b); for maximize P(a > b) = P(b < a).
    const pBetter = (a: number[], b: number[]) => (direction === 'minimize' ? probabilityLess(a, b) : probabilityLess(b, a));
    const pooled = pooledOf(arm);
    const basePooled = pooledOf(baseline);
    return {
      label: arm.label,
      pTrialBetter: pooled.length > 0 && basePooled.length > 0 ? pBetter(pooled, basePooled) : null,
      pBestBetter: bests.length > 0 && baseBests.length > 0 ? pBetter(bests, baseBests) : null,
      bestMeanDelta: o.bestMean === null || baseArm.bestMean === null ? null : o.bestMean - baseArm.bestMean,
    };
  });
  return { direction, metric: metricOf(first.study), arms: out, versus };
}

function compareValues(pooled: readonly number[]): CompareValues {
  const summary = summarize(pooled);
  if (summary.n > 0) return summary;
  return { n: 0, mean: null, std: null, min: null, q25: null, median: null, q75: null, max: null };
}

/** A study's COMPLETE tuning trials: re-runs by confirm or ablate (more draws of a few configurations) would weigh those configurations up. */
function tuningComplete(s: { readonly trials: readonly FrozenTrial[] }): FrozenTrial[] {
  return completeTrials(s.trials).filter((t) => !isRerun(t));
}

/**
 * Split each arm by a parameter's value, for A/B questions inside one study ("did EMA
 * help?" when `ema` was a parameter): one arm per choice of a categorical (or of a
 * numeric with at most 6 values), per quartile range of other numeric parameters.
 * Trials that lack the parameter form their own arm.
 */
export function splitByParam(arms: readonly CompareArmInput[], param: string): CompareArmInput[] {
  const all = arms.flatMap((a) => a.studies.flatMap((s) => completeTrials(s.trials)));
  const present = all.filter((t) => t.params[param] !== undefined);
  if (present.length === 0) throw new OptionError(`no complete trial has a parameter named "${param}"`);
  const distinct = [...new Set(present.map((t) => t.params[param] as ParamValue))];
  const numeric = distinct.every((v) => typeof v === 'number');
  let keyOf: (v: ParamValue) => string;
  let keys: string[];
  const dist = present[present.length - 1]?.distributions[param];
  if (!numeric || distinct.length <= 6) {
    // A categorical's arms follow its choices' order (the first is the baseline); numbers ascend.
    const sorted = dist?.kind === 'categorical' ? dist.choices.filter((c) => distinct.includes(c)) : numeric ? [...(distinct as number[])].sort((a, b) => a - b) : distinct;
    keys = sorted.map((v) => `${param}=${String(v)}`);
    keyOf = (v) => `${param}=${String(v)}`;
  } else {
    const xs = sortedCopy(present.map((t) => t.params[param] as number));
    const cuts = [0.25, 0.5, 0.75].map((q) => quantile(xs, q));
    const edges = [xs[0] as number, ...cuts, xs[xs.length - 1] as number];
    keys = [0, 1, 2, 3].map((i) => `${param} in [${formatTick(edges[i] as number)}, ${formatTick(edges[i + 1] as number)}${i === 3 ? ']' : ')'}`);
    keyOf = (v) => keys[Math.min(3, cuts.filter((c) => (v as number) >= c).length)] as string;
  }
  const absent = `${param} absent`;
  const out: CompareArmInput[] = [];
  for (const arm of arms) {
    for (const key of [...keys, absent]) {
      const studies = arm.studies.map((s) => ({
        study: s.study,
        trials: s.trials.filter((t) => {
          const v = t.params[param];
          return (v === undefined ? absent : keyOf(v)) === key;
        }),
      }));
      if (studies.some((s) => completeTrials(s.trials).length > 0)) out.push({ label: arms.length > 1 ? `${arm.label} ${key}` : key, studies });
    }
  }
  return out;
}
