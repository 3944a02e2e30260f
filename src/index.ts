// The package root: `import { createStudy, TPESampler } from 'sodate'`.
export { SodateError, SpaceError, OptionError, StorageError, NotFoundError, isSodateError } from './errors.js';
export type { JsonValue } from './json.js';
export * from './space/index.js';
export * from './storage/index.js';
export * from './study/index.js';
export * from './samplers/index.js';
export * from './pruners/index.js';
export * from './multi-objective/index.js';
