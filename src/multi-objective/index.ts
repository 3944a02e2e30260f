/** Several objectives and constraints: dominance, Pareto fronts, hypervolume, feasibility. */
export { dominates, nonDominatedRanks, paretoFrontIndices, toLosses } from './dominance.js';
export { hypervolume, hypervolumeContributions } from './hypervolume.js';
export { checkConstraintLimits, constraintKey, hasConstraints, isFeasible, trialConstraints, violation, violationOf } from './constraints.js';
export type { ConstraintLimit, ConstraintLimits } from './constraints.js';
export { paretoFront } from './front.js';
export { intermediateVectors } from './intermediate.js';
export { metricNames } from './names.js';
export { CONSTRAINT_KEY_PREFIX, CONSTRAINT_LIMITS_KEY } from '../storage/metadata.js';
export { bestCompleteTrial } from './best.js';
