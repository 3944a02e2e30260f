export type { DeviceSpec, ObjectiveSpec, PolicyCatalog, PolicySpec, StudyFile } from './study-file.js';
export { parseDuration, parseStudyFile, readStudyFile } from './study-file.js';
