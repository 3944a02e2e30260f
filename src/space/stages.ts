/**
 * Staged studies: a space file's `stages:` opens its parameters a group at a time (the talk's
 * order: learning rate and optimizer, then regularisation, then augmentation). Stage k
 * searches the parameters it opens; those of earlier stages are carried from the best trial
 * of stage k−1, fixed at their values (`carry: fix`) or searched in a narrowed range around
 * them (`carry: narrow`); those of later stages stay at their `baseline:` value (or are left
 * to the objective's default when the baseline gives none).
 *
 * A fixed parameter is a single-value distribution in the stage's space: the trial suggests
 * it (so the objective, a command's `{name}` and Optuna see it), samplers skip it.
 */
import type { Distribution, ParamValue } from './distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, toInternal } from './distributions.js';
import type { ParamSpec, SearchSpace } from './search-space.js';
import { compileSearchSpace } from './search-space.js';

/** How a stage treats the parameters earlier stages opened. */
export type Carry = 'fix' | 'narrow';

/** A `sampler:` or `pruner:` as a space file gives it, at the top or in a stage (the study file's PolicySpec). */
export interface StagePolicy {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Line of the spec in its file, for errors raised when the policy is built. */
  readonly line: number;
  /** Where the spec sits in its file (`pruner`, `stages[1].pruner`), for those errors. */
  readonly path: string;
  /** Line of each option's key, for an error about that option. */
  readonly optionLines: Readonly<Record<string, number>>;
}

/** One entry of a space file's `stages:`. */
export interface StageSpec {
  /** Part of the stage's study name, `<study>.<name>`. */
  readonly name: string;
  /** The parameters this stage opens (each parameter is opened by exactly one stage). */
  readonly params: readonly string[];
  /** The stage's trial budget. */
  readonly trials: number;
  /** Policies for this stage (default: the file's). */
  readonly sampler?: StagePolicy;
  readonly pruner?: StagePolicy;
  /** Default 'fix'. */
  readonly carry: Carry;
  readonly line: number;
}

/** A stage's study name: `<study>.<stage>` (a study name cannot hold "/": it becomes a file name). */
export function stageStudyName(study: string, stage: StageSpec): string {
  return `${study}.${stage.name}`;
}

/**
 * The space stage `index` searches. `carried`: the best configuration of the stage before
 * (empty for the first stage).
 */
export function stageSpace(space: SearchSpace, stages: readonly StageSpec[], index: number, carried: Readonly<Record<string, ParamValue>>, baseline: Readonly<Record<string, ParamValue>> | undefined): SearchSpace {
  const stage = stages[index] as StageSpec;
  const openedAt = new Map<string, number>();
  stages.forEach((s, i) => s.params.forEach((p) => openedAt.set(p, i)));
  const specs: ParamSpec[] = [];
  for (const spec of space.params) {
    const at = openedAt.get(spec.name) ?? Infinity;
    if (at === index) specs.push(spec);
    else if (at < index) {
      const value = carried[spec.name];
      // Absent from the best trial: its condition did not hold there, and its parents are carried too.
      if (value === undefined) specs.push(spec);
      else specs.push({ ...spec, distribution: stage.carry === 'narrow' ? narrowed(spec.distribution, value) : single(spec.distribution, value) });
    } else {
      const value = baseline?.[spec.name];
      if (value !== undefined) specs.push({ ...spec, distribution: single(spec.distribution, value) });
    }
  }
  // A parameter whose condition names one left out (a later stage's, without a baseline value),
  // or can no longer hold (momentum once the optimizer is fixed at adamw), goes too.
  let kept = specs;
  for (;;) {
    const byName = new Map(kept.map((s) => [s.name, s.distribution]));
    const next = kept.filter((s) =>
      Object.entries(s.when ?? {}).every(([parent, values]) => {
        const dist = byName.get(parent);
        return dist !== undefined && values.some((v) => canTake(dist, v));
      }),
    );
    if (next.length === kept.length) break;
    kept = next;
  }
  return compileSearchSpace(kept);
}

/**
 * The distribution holding only `value`. It keeps the log flag: a study refuses a parameter
 * whose log flag changes, and re-runs of a stage's trials (`sodate ablate --stages`) suggest
 * the parameter from the full space in the stage's study.
 */
export function single(dist: Distribution, value: ParamValue): Distribution {
  switch (dist.kind) {
    case 'categorical':
      return categoricalDistribution([value as string | number | boolean | null]);
    case 'int':
      return intDistribution(value as number, value as number, { log: dist.log });
    case 'float':
      return floatDistribution(value as number, value as number, { log: dist.log });
  }
}

/**
 * A range around `value`: a quarter of the original range on its own scale (log for log
 * parameters), clipped to it and kept on its grid; a categorical is fixed.
 */
export function narrowed(dist: Distribution, value: ParamValue): Distribution {
  if (dist.kind === 'categorical' || typeof value !== 'number' || !contains(dist, toInternal(dist, value))) return single(dist, value);
  if (dist.log) {
    const factor = (dist.high / dist.low) ** (1 / 8);
    const low = Math.max(dist.low, value / factor);
    const high = Math.min(dist.high, value * factor);
    return dist.kind === 'int' ? intDistribution(Math.max(dist.low, Math.floor(low)), Math.min(dist.high, Math.ceil(high)), { log: true }) : floatDistribution(low, high, { log: true });
  }
  const step = dist.step;
  if (step !== null) {
    const k = Math.max(1, Math.floor((dist.high - dist.low) / 8 / step));
    const low = Math.max(dist.low, roundTo(value - k * step));
    const high = Math.min(dist.high, roundTo(value + k * step));
    return dist.kind === 'int' ? intDistribution(low, high, { step }) : floatDistribution(low, high, { step });
  }
  const half = (dist.high - dist.low) / 8;
  return floatDistribution(Math.max(dist.low, value - half), Math.min(dist.high, value + half));
}

function canTake(dist: Distribution, value: ParamValue): boolean {
  try {
    return contains(dist, toInternal(dist, value));
  } catch {
    return false;
  }
}

function roundTo(x: number): number {
  return Number(x.toPrecision(12));
}
