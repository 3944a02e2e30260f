export type { GPSamplerOptions } from './gp-sampler.js';
export { GPSampler } from './gp-sampler.js';
