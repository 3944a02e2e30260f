export type { CreateStudyOptions, LoadStudyOptions } from './create.js';
export { createStudy, deleteStudy, loadStudy } from './create.js';
export type { Objective, OptimizeCallback, OptimizeOptions } from './optimize.js';
export type { Pruner, Sampler, SearchSpaceMap, StudyView } from './policies.js';
export type { TrialResult, TrialValues } from './study.js';
export { Study } from './study.js';
export { Trial } from './trial.js';
export { FOLDS_ATTR } from './folds.js';
export { TrialPruned } from './trial-pruned.js';
