import { SodateError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { FrozenTrial } from '../storage/records.js';
import { ARTIFACTS_UPLOADED_ATTR, ARTIFACT_REMOTE_ATTR } from '../storage/metadata.js';

/** `s3://bucket/prefix` taken apart: `prefix` has no leading or trailing slash and may be empty. */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** What a trial's `sodate:artifact_remote` attribute holds. */
export interface RemoteRecord {
  /** `s3://bucket/prefix/<study>/<trial>/`. */
  readonly url: string;
  /** The endpoint it was uploaded through (an S3-compatible server); undefined: AWS. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
}

/** An object store refused or could not complete an operation; `transient` when a later try may work (the server is unreachable, a 5xx). */
export class ArtifactStoreError extends SodateError {
  readonly transient: boolean;

  constructor(message: string, transient: boolean) {
    super('SODATE_ARTIFACT_STORE', message, 1);
    this.transient = transient;
  }
}

// S3's bucket naming rules, loosely: 3-63 lowercase letters, digits, dots and dashes.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket[/prefix]` taken apart, or a message saying what is wrong with it. */
export function parseS3Url(url: string): S3Location | string {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (match === null) return `expected s3://bucket/prefix, got ${JSON.stringify(url)}`;
  const bucket = match[1] as string;
  if (!BUCKET.test(bucket)) return `bucket ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and dashes)`;
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) return `prefix ${JSON.stringify(prefix)} may not hold . or .. segments`;
  return { bucket, prefix };
}

/** The key of a trial's file: `<prefix>/<study>/<trial>/<name>`. */
export function objectKey(location: S3Location, study: string, number: number, name: string): string {
  return [location.prefix, study, String(number), name].filter((part) => part !== '').join('/');
}

/** The key prefix under which a trial's files lie (ends with `/`). */
export function trialKeyPrefix(location: S3Location, study: string, number: number): string {
  return `${objectKey(location, study, number, '')}/`;
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The trial's remote copy, if its files were recorded for an object store. */
export function remoteRecordOf(trial: Pick<FrozenTrial, 'systemAttrs'>): RemoteRecord | undefined {
  const raw = trial.systemAttrs[ARTIFACT_REMOTE_ATTR];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { url, endpoint, region } = raw as Record<string, JsonValue>;
  if (typeof url !== 'string') return undefined;
  return { url, ...(typeof endpoint === 'string' ? { endpoint } : {}), ...(typeof region === 'string' ? { region } : {}) };
}

export function artifactsUploaded(trial: Pick<FrozenTrial, 'systemAttrs'>): boolean {
  return trial.systemAttrs[ARTIFACTS_UPLOADED_ATTR] !== undefined;
}

/** What uploading, retention and listing need from an object store; `S3ArtifactStore` is the one there is. */
export interface RemoteArtifactStore {
  /** The bucket and prefix trials' files go under. */
  readonly location: S3Location;
  /** The endpoint in use (an S3-compatible server), undefined for AWS. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** `s3://bucket/prefix`. */
  readonly url: string;
  /** Whether the bucket answers; throws ArtifactStoreError (transient when the server is unreachable). */
  check(): Promise<void>;
  /** Upload the local file `path` (of `size` bytes) as `key`. */
  put(key: string, path: string, size: number, sha256: string): Promise<void>;
  /** Delete the objects (missing ones are no error). */
  remove(keys: readonly string[]): Promise<void>;
  /** Every object under `prefix` with its size. */
  list(prefix: string): Promise<Map<string, number>>;
  /** Download `key` into the local file `path` (written whole or not at all). */
  get(key: string, path: string): Promise<void>;
  /** Let go of its connections. */
  close(): void;
}
