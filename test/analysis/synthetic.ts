import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial, TrialState } from '../../src/storage/records.js';
import { Rng } from '../../src/samplers/rng.js';
import { makeTrial } from '../helpers/trials.js';

export const X = floatDistribution(0, 1);
export const LR = floatDistribution(1e-5, 1e-1, { log: true });
export const EPOCHS = intDistribution(1, 20);
export const OPTIMIZER = categoricalDistribution(['adamw', 'sgd', 'lion']);
export const EMA = categoricalDistribution([true, false]);
export const MOMENTUM = floatDistribution(0.8, 0.99);

export type Sample = Record<string, { value: ParamValue; distribution: Distribution }>;

/**
 * A study where the answer is known: `draw` samples the parameters of trial i,
 * `objective` gives its value (noise included by the caller). Uniform random sampling,
 * so importance reflects the function, not where a sampler looked.
 */
export function syntheticTrials(n: number, seed: number, draw: (rng: Rng) => Sample, objective: (p: Record<string, ParamValue>, rng: Rng) => number): FrozenTrial[] {
  const rng = new Rng(seed);
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < n; i++) {
    const params = draw(rng);
    const values = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.value]));
    trials.push(makeTrial({ number: i, value: objective(values, rng), params }));
  }
  return trials;
}

export const uniform = (rng: Rng, d: Distribution = X): { value: ParamValue; distribution: Distribution } => {
  if (d.kind === 'categorical') return { value: d.choices[rng.int(d.choices.length)] ?? null, distribution: d };
  if (d.kind === 'int') return { value: d.low + rng.int(d.high - d.low + 1), distribution: d };
  const u = rng.float();
  return { value: d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low), distribution: d };
};

/** A trial with a state other than COMPLETE (for filters). */
export function otherTrial(number: number, state: TrialState): FrozenTrial {
  return makeTrial({ number, state, params: { x: { value: 0.5, distribution: X } } });
}
