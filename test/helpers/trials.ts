import type { JsonValue } from '../../src/json.js';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { toInternal } from '../../src/space/distributions.js';
import type { Direction, FrozenTrial, TrialState } from '../../src/storage/records.js';
import type { StudyView } from '../../src/policies/policies.js';

/** Build a FrozenTrial for policy tests: give external params with their distributions. */
export function makeTrial(spec: {
  number: number;
  state?: TrialState;
  value?: number;
  /** Several objectives' values (instead of `value`). */
  values?: readonly number[];
  params?: Record<string, { value: ParamValue; distribution: Distribution }>;
  intermediate?: Record<number, number> | readonly (readonly [number, number])[];
  systemAttrs?: Record<string, JsonValue>;
}): FrozenTrial {
  const params: Record<string, ParamValue> = {};
  const internalParams: Record<string, number> = {};
  const distributions: Record<string, Distribution> = {};
  for (const [name, p] of Object.entries(spec.params ?? {})) {
    params[name] = p.value;
    internalParams[name] = toInternal(p.distribution, p.value);
    distributions[name] = p.distribution;
  }
  const entries = Array.isArray(spec.intermediate)
    ? (spec.intermediate as (readonly [number, number])[])
    : Object.entries(spec.intermediate ?? {}).map(([k, v]) => [Number(k), v] as const);
  const values = spec.values ?? (spec.value === undefined ? undefined : [spec.value]);
  const state = spec.state ?? (values === undefined ? 'RUNNING' : 'COMPLETE');
  return {
    id: spec.number + 1,
    number: spec.number,
    state,
    values: values === undefined ? null : [...values],
    params,
    internalParams,
    distributions,
    intermediateValues: new Map(entries),
    userAttrs: {},
    systemAttrs: { ...spec.systemAttrs },
    datetimeStart: new Date(0),
    datetimeComplete: state === 'RUNNING' || state === 'WAITING' ? null : new Date(0),
  };
}

/** A StudyView over a fixed list of trials; system attrs written by policies are applied to the list. */
export function makeStudyView(trials: FrozenTrial[], direction: Direction | readonly Direction[] = 'minimize', name = 'test-study'): StudyView & { trials: FrozenTrial[] } {
  const directions = typeof direction === 'string' ? [direction] : direction;
  return {
    name,
    direction: directions[0] as Direction,
    directions,
    trials,
    getTrials(states) {
      return states === undefined ? trials : trials.filter((t) => states.includes(t.state));
    },
    setTrialSystemAttr(trialId, key, value) {
      const index = trials.findIndex((t) => t.id === trialId);
      const t = trials[index];
      if (t !== undefined) trials[index] = { ...t, systemAttrs: { ...t.systemAttrs, [key]: value } };
    },
  };
}
