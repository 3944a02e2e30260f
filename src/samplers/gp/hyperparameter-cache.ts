import type { Encoding } from './encoding.js';
import type { FitResult } from './fit.js';
import { evenlySpacedSubset, fitEvaluationBudget, fitKernelParams, fitKernelParamsAfresh } from './fit.js';
import type { EncodedInputs, KernelParams } from './kernel.js';

/**
 * Most trials the hyperparameters are fitted on. 200 points pin ARD lengthscales down about
 * as well as 1,000 do (each posterior evaluation with all of them would cost 125× more),
 * and they leave the fit enough evaluations to converge.
 */
const FIT_SUBSET_SIZE = 200;
/** Past FIT_SUBSET_SIZE trials, the hyperparameters are refitted once the trials have grown by this factor. */
const REFIT_GROWTH = 1.05;

interface CachedFit {
  readonly names: string;
  readonly params: KernelParams;
  readonly refits: number;
  /** The trials `params` were fitted to. */
  readonly ids: ReadonlySet<number>;
}

/**
 * The MAP hyperparameters of each GP a sampler keeps (labelled `objective:<j>`,
 * `constraint:<name>`, `residual:0`), each fit warm-started from the label's last one.
 */
export class HyperparameterCache {
  private readonly fits = new Map<string, CachedFit>();

  constructor(private readonly deterministic: boolean) {}

  /**
   * The hyperparameters of GP `label` on these inputs. They are reused while the same trials
   * are fitted, and past FIT_SUBSET_SIZE trials until 5% more have completed: by then one
   * trial moves them little, and keeping them lets the posterior's factor grow in O(n²) per
   * trial instead of being redone in O(n³).
   */
  fit(label: string, encoding: Encoding, inputs: EncodedInputs, y: Float64Array, trialIds: readonly number[]): KernelParams {
    const names = encoding.names.join('\u0000');
    const cache = this.fits.get(label);
    if (cache !== undefined && cache.names === names && trialIds.length >= cache.ids.size) {
      const sameOrMore = (cache.ids.size === trialIds.length || cache.ids.size > FIT_SUBSET_SIZE) && trialIds.length < REFIT_GROWTH * cache.ids.size;
      let kept = 0;
      if (sameOrMore) for (const id of trialIds) if (cache.ids.has(id)) kept++;
      if (sameOrMore && kept === cache.ids.size) return cache.params;
    }
    const warm = cache !== undefined && cache.names === names ? cache.params : undefined;
    // Each evaluation costs ~n³/2 flops: past FIT_SUBSET_SIZE trials the hyperparameters are
    // fitted on that many of them, spread evenly over the study, and only the posterior uses all.
    const subset = evenlySpacedSubset(inputs, y, FIT_SUBSET_SIZE);
    const budget = fitEvaluationBudget(subset.inputs.n);
    const deterministic = this.deterministic;
    let fit: FitResult = warm !== undefined ? fitKernelParams(subset.inputs, subset.y, { initial: warm, maxEvaluations: budget, deterministic }) : fitKernelParamsAfresh(subset.inputs, subset.y, { maxEvaluations: budget, deterministic });
    const refits = (cache?.refits ?? 0) + 1;
    if (warm !== undefined && (refits % 10 === 0 || !Number.isFinite(fit.logPosterior))) {
      // Now and then also start afresh, in case the warm start sits in a poor local optimum.
      const fresh = fitKernelParamsAfresh(subset.inputs, subset.y, { maxEvaluations: budget, deterministic });
      if (fresh.logPosterior > fit.logPosterior || !Number.isFinite(fit.logPosterior)) fit = fresh;
    }
    this.fits.set(label, { names, params: fit.params, refits, ids: new Set(trialIds) });
    return fit.params;
  }
}
