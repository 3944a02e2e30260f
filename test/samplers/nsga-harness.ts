import type { JsonValue } from '../../src/json.js';
import { constraintKey } from '../../src/multi-objective/constraints.js';
import type { Distribution } from '../../src/space/distributions.js';
import { isSingleValue, sameDistribution, toExternal } from '../../src/space/distributions.js';
import type { Direction, FrozenTrial, TrialState } from '../../src/storage/records.js';
import type { Sampler, StudyView } from '../../src/policies/policies.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

/** What an objective of the harness returns: one value per objective, and optional constraint values (≤ 0 satisfied). */
export interface Outcome {
  values: number[];
  constraints?: Record<string, number>;
  state?: TrialState;
}

/**
 * Ask a sampler for one trial the way `Trial` does (relative space first, single-value
 * parameters left out, independent sampling for the rest); the trial is pushed RUNNING.
 */
export function askTrial(sampler: Sampler, view: StudyView & { trials: FrozenTrial[] }, space: Readonly<Record<string, Distribution>>): FrozenTrial {
  const number = view.trials.length;
  view.trials.push(makeTrial({ number }));
  const current = (): FrozenTrial => view.trials[number] as FrozenTrial;
  const inferred = sampler.inferRelativeSpace?.(view, current()) ?? {};
  const relativeSpace: Record<string, Distribution> = {};
  for (const [name, dist] of Object.entries(inferred)) if (!isSingleValue(dist)) relativeSpace[name] = dist;
  const relative = Object.keys(relativeSpace).length > 0 ? (sampler.sampleRelative?.(view, current(), relativeSpace) ?? {}) : {};
  const internalParams: Record<string, number> = {};
  for (const [name, dist] of Object.entries(space)) {
    const r = relative[name];
    const rd = relativeSpace[name];
    internalParams[name] = isSingleValue(dist)
      ? dist.kind === 'categorical'
        ? 0
        : dist.low
      : r !== undefined && rd !== undefined && sameDistribution(rd, dist)
        ? r
        : sampler.sampleIndependent(view, current(), name, dist);
  }
  const params: FrozenTrial['params'] = {};
  for (const [name, v] of Object.entries(internalParams)) (params as Record<string, unknown>)[name] = toExternal(space[name] as Distribution, v);
  view.trials[number] = { ...current(), internalParams, params, distributions: { ...space } };
  return view.trials[number] as FrozenTrial;
}

/** Finish a trial of the view with an outcome. */
export function tellTrial(view: StudyView & { trials: FrozenTrial[] }, number: number, outcome: Outcome): FrozenTrial {
  const t = view.trials[number] as FrozenTrial;
  const systemAttrs: Record<string, JsonValue> = { ...t.systemAttrs };
  for (const [name, v] of Object.entries(outcome.constraints ?? {})) systemAttrs[constraintKey(name)] = v;
  const state = outcome.state ?? 'COMPLETE';
  view.trials[number] = { ...t, state, values: state === 'COMPLETE' ? [...outcome.values] : null, systemAttrs, datetimeComplete: new Date(0) };
  return view.trials[number] as FrozenTrial;
}

/** A sequential study of `n` trials over a fixed space. */
export function runSequential(
  sampler: Sampler,
  space: Readonly<Record<string, Distribution>>,
  n: number,
  objective: (params: Readonly<Record<string, number>>) => Outcome,
  directions: readonly Direction[] = ['minimize', 'minimize'],
): FrozenTrial[] {
  const view = makeStudyView([], directions);
  for (let i = 0; i < n; i++) {
    const t = askTrial(sampler, view, space);
    tellTrial(view, i, objective(t.internalParams));
  }
  return view.trials;
}

/** ZDT1 on x ∈ [0, 1]^d: a convex front f2 = 1 − √f1 at x2..xd = 0. */
export function zdt1(x: readonly number[]): number[] {
  const f1 = x[0] as number;
  const rest = x.slice(1);
  const g = 1 + (9 * rest.reduce((s, v) => s + v, 0)) / Math.max(1, rest.length);
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}
