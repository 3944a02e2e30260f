export { TPESampler } from './tpe-sampler.js';
export { TPE_OPTION_KEYS } from './options.js';
export type { GammaRule, TPESamplerOptions, WeightRule } from './options.js';
export type { BandwidthRule } from './parzen-estimator.js';
