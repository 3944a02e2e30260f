export type { Pruner, Sampler, SearchSpaceMap, StudyView } from './policies.js';
