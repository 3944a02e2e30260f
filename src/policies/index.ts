export type { Pruner, Sampler, SearchSpaceMap, StudyView } from './policies.js';
export { checkKnownKeys } from './options.js';
