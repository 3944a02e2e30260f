/** A directory per trial: what it held when the trial ended, retention, and reading them back. */
export { ArtifactKeeper } from './keeper.js';
export type { ArtifactKeeperOptions } from './keeper.js';
export { defaultArtifactDir, trialArtifactPath } from './paths.js';
export {
  ARTIFACT_ATTR_PREFIX,
  ARTIFACT_DIR_ATTR,
  ARTIFACTS_DELETED_ATTR,
  ARTIFACTS_RECORDED_ATTR,
  artifactAttrs,
  artifactId,
  artifactsDeleted,
  guessMimeType,
  recordedArtifacts,
  scanArtifacts,
  trialArtifactDirOf,
} from './record.js';
export type { ArtifactFile, ArtifactMeta, ArtifactScan } from './record.js';
export { checkRetentionPolicy, keptTrialNumbers, trialsToDelete } from './retention.js';
export type { RetentionPolicy } from './retention.js';
export { artifactEntries, copyArtifacts, copyTargetFor } from './listing.js';
export type { ArtifactEntry, ArtifactStatus } from './listing.js';
