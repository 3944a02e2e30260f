export { SqliteStorage } from './sqlite-storage.js';
export type { SqliteStorageOptions } from './sqlite-storage.js';
export { ALEMBIC_VERSION, LIBRARY_VERSION, SCHEMA_VERSION } from './schema.js';
