import { checkKnownKeys } from './options.js';
import type { PercentileRuleOptions } from './percentile.js';
import { PERCENTILE_RULE_KEYS, PercentilePruner } from './percentile.js';

export type MedianPrunerOptions = PercentileRuleOptions;

/**
 * The median stopping rule (Optuna's `MedianPruner`): prune when the trial's best value
 * so far is worse than the median of COMPLETE trials' values at its step. The percentile
 * rule at 50; see `PercentileRuleOptions` for the options and their defaults.
 */
export class MedianPruner extends PercentilePruner {
  constructor(options: MedianPrunerOptions = {}) {
    checkKnownKeys('MedianPruner', options, PERCENTILE_RULE_KEYS);
    super({ ...options, percentile: 50 });
  }
}
