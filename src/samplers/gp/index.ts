export type { GPSamplerOptions } from './gp-sampler.js';
export { GP_OPTION_KEYS, GPSampler } from './gp-sampler.js';
