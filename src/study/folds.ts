import { OptionError } from '../errors.js';

/**
 * Per-fold values (`trial.reportFold`, a command's `{"fold": i, "value": v}`): one value
 * per fold of a cross-validation (or per problem instance), stored as the trial's
 * intermediate values keyed by the fold index, which is what Optuna's WilcoxonPruner and
 * sodate's `wilcoxon` pruner read. Shared by the loop's `Trial` and the slots' `RemoteTrial`.
 */

/** The checks made on both sides of a slot boundary, with the fix in the message. */
export function checkFold(fold: unknown, value: unknown): void {
  if (typeof fold !== 'number' || !Number.isInteger(fold) || fold < 0) {
    throw new OptionError(`fold must be a non-negative integer (0, 1, …: the fold's index), got ${JSON.stringify(fold) ?? String(fold)}`);
  }
  if (typeof value !== 'number') throw new OptionError(`the value of fold ${fold} must be a number, got ${JSON.stringify(value) ?? String(value)}`);
}

/** The mean of the fold values (NaN in, NaN out); undefined for none. */
export function foldsMean(values: Iterable<number>): number | undefined {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    sum += v;
    n++;
  }
  return n === 0 ? undefined : sum / n;
}
