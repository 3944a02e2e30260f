export type { AttrScope, FinishedState, NewStudy, NewTrial, Storage } from './storage.js';
export type { Direction, FrozenTrial, StudyRecord, StudySummary, TrialCursor, TrialState } from './records.js';
export { FINISHED_STATES, START_CURSOR, isFinished, trialValue } from './records.js';
export { FAIL_REASON_KEY } from './shared.js';
export { InMemoryStorage } from './memory.js';
export { CachedStorage } from './cached.js';
export { SqliteStorage } from './sqlite/index.js';
export type { SqliteStorageOptions } from './sqlite/index.js';
export { MAX_STUDY_NAME_LENGTH, checkStudyName, defaultStorageUrl, openStorage, sqlitePath } from './url.js';
