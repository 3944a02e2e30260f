import type { Direction, FrozenTrial } from '../../storage/records.js';
import { OptionError } from '../../errors.js';
import { trialMatrix } from '../columns.js';
import { fanova } from './fanova.js';
import { pedAnova } from './ped-anova.js';
import type { ImportanceOptions, ImportanceResult } from './types.js';

/**
 * How much each parameter mattered to the objective, as shares summing to 1, from the
 * COMPLETE trials with a finite value. 'ped-anova' (default) is fast and model-free;
 * 'fanova' fits a random forest and also reports pairwise interactions. Deterministic
 * for a given seed.
 */
export function paramImportances(trials: readonly FrozenTrial[], direction: Direction, options: ImportanceOptions = {}): ImportanceResult {
  const method = options.method ?? 'ped-anova';
  const matrix = trialMatrix(trials, direction, options.params);
  if (method === 'ped-anova') return { method, importances: pedAnova(matrix, options.quantile ?? 0.1), nTrials: matrix.trials.length };
  if (method === 'fanova') {
    const trees = options.trees ?? 32;
    if (!(Number.isInteger(trees) && trees >= 1)) throw new OptionError(`trees must be a positive integer, got ${trees}`);
    const result = fanova(matrix, { seed: options.seed ?? 0, trees, maxSamples: options.maxSamples ?? 2048 });
    return { method, importances: result.importances, interactions: result.interactions, nTrials: matrix.trials.length };
  }
  throw new OptionError(`importance method must be 'ped-anova' or 'fanova', got ${JSON.stringify(method)}`);
}
