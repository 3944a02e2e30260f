/** A directory per trial: what it held when the trial ended, retention, and reading them back. */
export { ArtifactKeeper } from './keeper.js';
export type { ArtifactKeeperOptions } from './keeper.js';
export { defaultArtifactDir, trialArtifactPath } from './paths.js';
export { ARTIFACT_ATTR_PREFIX, artifactAttrs, artifactId, artifactsDeleted, guessMimeType, recordedArtifacts, scanArtifacts, trialArtifactDirOf } from './record.js';
export type { ArtifactFile, ArtifactMeta, ArtifactScan } from './record.js';
export { checkRetentionPolicy, keptTrialNumbers, trialsToDelete } from './retention.js';
export type { RetentionPolicy } from './retention.js';
export { artifactEntries, copyArtifacts, copyEntries, copyTargetFor, remoteArtifactEntries } from './listing.js';
export type { ArtifactEntry, ArtifactStatus } from './listing.js';
export { openArtifactKeeper, openStoreFor } from './open.js';
export type { OpenArtifactsOptions } from './open.js';
export { ArtifactStoreError, artifactsUploaded, objectKey, parseS3Url, remoteRecordOf } from './remote.js';
export type { RemoteArtifactStore, RemoteRecord, S3Location } from './remote.js';
export { S3ArtifactStore, describeS3Error, loadS3Sdk } from './s3.js';
export type { S3StoreOptions } from './s3.js';
export { ARTIFACTS_DELETED_ATTR, ARTIFACTS_RECORDED_ATTR, ARTIFACTS_UPLOADED_ATTR, ARTIFACT_DIR_ATTR, ARTIFACT_REMOTE_ATTR } from '../storage/metadata.js';
