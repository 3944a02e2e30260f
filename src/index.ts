// The package root: `import { createStudy, TPESampler } from 'sodate'`.
import { optimizeInline } from './run/optimize.js';
import { useOptimizeEngine } from './study/optimize.js';
export { SodateError, SpaceError, OptionError, StorageError, NotFoundError, isSodateError, errorMessage } from './errors.js';
export type { JsonValue } from './json.js';
export * from './space/index.js';
export * from './storage/index.js';
export * from './study/index.js';
export * from './samplers/index.js';
export * from './pruners/index.js';
export * from './multi-objective/index.js';

export type { OptimizeEngine } from './study/optimize.js';
// What a built-in objective package (@sodate/image-classifier) is handed with its options.
export type { BuiltinStudy } from './objectives/task.js';

// The composition root: `study.optimize` runs the orchestrator with inline slots, which lives
// in run/, a layer above study/ (see useOptimizeEngine).
useOptimizeEngine(optimizeInline);
