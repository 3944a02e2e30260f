import type { Direction, FrozenTrial } from '../../storage/records.js';
import { isRerun } from '../../storage/records.js';
import { OptionError } from '../../errors.js';
import { isFeasible } from '../../multi-objective/constraints.js';
import { mayBeBest } from '../../multi-objective/best.js';
import { NotEnoughTrialsError } from '../errors.js';
import { trialMatrix } from '../columns.js';
import { fanova } from './fanova.js';
import { pedAnova } from './ped-anova.js';
import type { ImportanceOptions, ImportanceResult } from './types.js';
import { normalizeImportances } from './types.js';

/**
 * How much each parameter mattered to one objective (`options.objective`, default the
 * first; `direction` is that objective's), as shares summing to 1, from the trials that may
 * be a study's best: COMPLETE, feasible and not a re-run by confirm or ablate, with a finite
 * value of the objective. 'ped-anova' (default) is fast and model-free; 'fanova' fits a
 * random forest and also reports pairwise interactions. Deterministic for a given seed.
 * When every trial read has the same value, nothing can be measured: the shares are equal
 * and `note` says why.
 */
export function paramImportances(trials: readonly FrozenTrial[], direction: Direction, options: ImportanceOptions = {}): ImportanceResult {
  const method = options.method ?? 'ped-anova';
  const objective = options.objective ?? 0;
  if (!(Number.isInteger(objective) && objective >= 0)) throw new OptionError(`objective must be an index >= 0, got ${objective}`);
  const usable = trials.filter(mayBeBest);
  const infeasible = trials.filter((t) => t.state === 'COMPLETE' && !isRerun(t) && !isFeasible(t)).length;
  const matrix = trialMatrix(usable, direction, options.params, objective);
  const read = { objective, infeasible, nTrials: matrix.trials.length };
  let result: ImportanceResult;
  try {
    if (method === 'ped-anova') result = { method, importances: pedAnova(matrix, options.quantile ?? 0.1), ...read };
    else if (method === 'fanova') {
      const trees = options.trees ?? 32;
      if (!(Number.isInteger(trees) && trees >= 1)) throw new OptionError(`trees must be a positive integer, got ${trees}`);
      const forest = fanova(matrix, { seed: options.seed ?? 0, trees, maxSamples: options.maxSamples ?? 2048 });
      result = { method, importances: forest.importances, interactions: forest.interactions, ...read };
    } else throw new OptionError(`importance method must be 'ped-anova' or 'fanova', got ${JSON.stringify(method)}`);
  } catch (error) {
    // Say which complete trials were left out: "got 2" of a study with 12 complete ones reads as a bug.
    const reruns = trials.filter((t) => t.state === 'COMPLETE' && isRerun(t)).length;
    const left = [infeasible > 0 ? `${infeasible} infeasible` : '', reruns > 0 ? `${reruns} confirm/ablate re-run(s)` : ''].filter((x) => x !== '');
    if (error instanceof NotEnoughTrialsError && left.length > 0) throw new NotEnoughTrialsError(`${error.message} (${left.join(' and ')} left out)`);
    throw error;
  }
  // Without spread in the objective, either method only ranks how ties happened to fall.
  const first = matrix.losses[0];
  if (first !== undefined && matrix.losses.every((loss) => loss === first)) {
    const value = matrix.trials[0]?.values?.[objective];
    return {
      ...result,
      importances: normalizeImportances(result.importances.map((p) => ({ name: p.name, value: 0 }))),
      ...(result.interactions === undefined ? {} : { interactions: [] }),
      note: `importance cannot be measured: all ${matrix.trials.length} trials have the same value (${String(value)})`,
    };
  }
  return result;
}
