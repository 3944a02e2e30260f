/** Several objectives and constraints: dominance, Pareto fronts, hypervolume, feasibility. */
export { dominates, nonDominatedRanks, paretoFrontIndices, toLosses } from './dominance.js';
export { hypervolume, hypervolumeContributions } from './hypervolume.js';
export { CONSTRAINT_KEY_PREFIX, constraintKey, hasConstraints, isFeasible, trialConstraints, violation } from './constraints.js';
export { paretoFront } from './front.js';
