/** The quality suite's image-baseline surrogate (problems.ts) as a declared space, and as an objective of declared parameters. */
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { floatDistribution } from '../../src/space/distributions.js';
import type { SearchSpace } from '../../src/space/search-space.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import type { Suggest } from './problems.js';
import { imageBaseline } from './problems.js';

/** The image surrogate's space as a space file would declare it (only `params` matters to the warm start). */
export function imageSpace(): SearchSpace {
  const params: { name: string; distribution: Distribution; when: Record<string, (string | boolean)[]> | null }[] = [];
  const recorder: Suggest = {
    suggestFloat: (name, low, high, options) => {
      params.push({ name, distribution: floatDistribution(low, high, options ?? {}), when: name === 'momentum' ? { optimizer: ['sgd'] } : name === 'ema_decay' ? { ema: [true] } : null });
      return name === 'lr' ? 1e-3 : low;
    },
    suggestInt: (name, low, high, options) => {
      params.push({ name, distribution: { kind: 'int', low, high, log: options?.log ?? false, step: options?.step ?? 1 }, when: null });
      return low;
    },
    suggestCategorical: (name, choices) => {
      params.push({ name, distribution: { kind: 'categorical', choices }, when: null });
      return name === 'optimizer' ? ('sgd' as never) : name === 'ema' ? (true as never) : (choices[0] as never);
    },
  };
  imageBaseline(recorder);
  return compileSearchSpace(params);
}


/** The surrogate's value at given parameters (what a space file's trial would pass it). */
export function imageBaselineAt(params: Readonly<Record<string, ParamValue>>): number {
  const read = (name: string) => params[name] as never;
  return imageBaseline({ suggestFloat: read, suggestInt: read, suggestCategorical: read });
}
