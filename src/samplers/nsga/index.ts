export { NSGAIISampler } from './nsga2-sampler.js';
export { NSGAIIISampler } from './nsga3-sampler.js';
export { GeneticSampler } from './genetic-sampler.js';
export { GENERATION_KEY } from './generations.js';
export { NSGA2_OPTION_KEYS, NSGA3_OPTION_KEYS } from './options.js';
export type { CrossoverKind, GeneticSamplerOptions, NSGAIISamplerOptions, NSGAIIISamplerOptions } from './options.js';
