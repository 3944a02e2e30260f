/**
 * Rules the auto sampler's default (src/samplers/auto.ts `autoRule`) is measured against,
 * each run by sodate's own GP and TPE so that a comparison isolates the rule.
 */
import type { AutoRule } from '../../src/samplers/auto.js';

/** sodate's rule before issue #17: GP for spaces of floats and ints only, unconditional, ≤ gpMaxDimension parameters, until gpMaxTrials. */
export const numericOnlyRule: AutoRule = (shape, context) => {
  if (shape === null) return 'tpe';
  const gpFits = shape.numeric && !shape.conditional && shape.dimension <= context.gpMaxDimension;
  return gpFits && context.finished < context.gpMaxTrials ? 'gp' : 'tpe';
};

/** Trials after which OptunaHub's AutoSampler leaves GP (for CMA-ES, which sodate lacks: TPE here) and, with several objectives, TPE for NSGA-II. */
const AUTOSAMPLER_GP_TRIALS = 250;

/**
 * OptunaHub's AutoSampler (samplers/auto_sampler), as far as sodate's samplers can play it:
 * one objective, no categorical and no conditional parameter, fewer than 250 trials: GP;
 * otherwise TPE (its CMA-ES stage after 250 trials is TPE here). Several objectives: TPE
 * (its NSGA-II stage comes after 250 trials, beyond this suite's budgets). No dimension cap.
 */
export const autoSamplerRule: AutoRule = (shape, context) => {
  if (shape === null || context.objectives > 1) return 'tpe';
  return shape.numeric && !shape.conditional && context.finished < AUTOSAMPLER_GP_TRIALS ? 'gp' : 'tpe';
};

