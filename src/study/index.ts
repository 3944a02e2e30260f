export type { CreateStudyOptions, LoadStudyOptions } from './create.js';
export { createStudy, deleteStudy, loadStudy } from './create.js';
export type { Objective, ObjectiveValue, OptimizeCallback, OptimizeOptions, SlotObjective } from './optimize.js';
export type { SlotTrial, Trial } from './objective-trial.js';
export type { Pruner, Sampler, SearchSpaceMap, StudyView } from '../policies/index.js';
export type { TrialResult, TrialValues } from './study.js';
export { Study } from './study.js';
// A type only: trials come from `study.ask()` (its constructor takes the study's internals).
export type { StudyTrial } from './trial.js';
export { TrialPruned } from './trial-pruned.js';
export type { WarmStartOptions, WarmStartSummary } from './warm-start.js';
export { describeWarmStart } from './warm-start.js';
export { FOLDS_ATTR, WARM_START_BEST_ATTR, WARM_START_OF_ATTR } from '../storage/metadata.js';
