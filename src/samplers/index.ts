export { RandomSampler } from './random.js';
export type { RandomSamplerOptions } from './random.js';
export { SAMPLERS, createSampler } from './registry.js';
export type { SamplerContext, SamplerEntry } from './registry.js';
