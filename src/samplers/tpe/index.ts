export { TPESampler, TPE_OPTION_KEYS } from './tpe-sampler.js';
export type { GammaRule, TPESamplerOptions, WeightRule } from './tpe-sampler.js';
export type { BandwidthRule } from './parzen-estimator.js';
