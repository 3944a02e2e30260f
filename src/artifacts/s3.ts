import { errorMessage } from '../errors.js';
import { createReadStream, createWriteStream, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3 from '@aws-sdk/client-s3';
import type { RemoteArtifactStore, S3Location } from './remote.js';
import { ArtifactCopyError, isLocalFileError, fileErrorInWords } from './local-files.js';
import { ArtifactStoreError, parseS3Url } from './remote.js';

/** How to reach the store; credentials never come from here but from the AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a profile). */
export interface S3StoreOptions {
  /** `s3://bucket/prefix`. */
  readonly url: string;
  /** An S3-compatible server (`http://host:9000`). Default: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS itself. */
  readonly endpoint?: string | undefined;
  /** Default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
  readonly region?: string | undefined;
  /** Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Loads the client library; replaced in tests. Default: `import('@aws-sdk/client-s3')`. */
  readonly load?: () => Promise<typeof S3>;
  /** Files larger than this go up in parts of this size (multipart upload). Default: 64 MiB. */
  readonly partBytes?: number;
}

/** Files up to this size go up as one buffer (retried as a whole by the client); larger ones are streamed. */
const BUFFER_BYTES = 8 * 1024 * 1024;
/**
 * Files larger than this go up as a multipart upload, in parts of this size read one at a
 * time: a single PUT stops at 5 GiB, and a failed part is retried alone rather than the
 * whole checkpoint.
 */
const PART_BYTES = 64 * 1024 * 1024;
/** The smallest part S3 accepts (every part but the last). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's limit on the parts of one upload: a larger file gets larger parts. */
const MAX_PARTS = 10_000;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** Load `@aws-sdk/client-s3`, or throw one line saying how to install it. */
export async function loadS3Sdk(load: () => Promise<typeof S3> = () => import('@aws-sdk/client-s3')): Promise<typeof S3> {
  // The pinned SDK runs on Node 20; its nine-line notice that later releases will need Node 22 is not for sodate's users.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ArtifactStoreError('artifacts in S3 need the AWS SDK, which is not installed: run `npm install @aws-sdk/client-s3` next to sodate', false);
    }
    throw new ArtifactStoreError(`the AWS SDK (@aws-sdk/client-s3) could not be loaded: ${errorMessage(error)}`, false);
  }
}

function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== null && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const found = networkCode(inner[0]);
      if (found !== undefined) return found;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * One line naming what went wrong and the fix, from whatever the AWS SDK threw: missing or
 * refused credentials, a missing bucket, an unreachable endpoint (transient: a later try may
 * work), anything else with the server's own words.
 */
export function describeS3Error(error: unknown, what: string, store: { url: string; location: S3Location; endpoint: string | undefined }): ArtifactStoreError {
  if (error instanceof ArtifactStoreError) return error;
  const name = (error as { name?: unknown }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const where = store.endpoint ?? 'AWS';
  const net = networkCode(error);
  if (net !== undefined || name === 'TimeoutError' || name === 'RequestTimeout') {
    return new ArtifactStoreError(`${what}: cannot reach the S3 endpoint ${where} (${net ?? 'timed out'}); check artifacts.endpoint or AWS_ENDPOINT_URL_S3, and that the server runs`, true);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(errorMessage(error))) {
    return new ArtifactStoreError(`${what}: no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment`, false);
  }
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    const why = typeof name === 'string' && name !== 'Unknown' ? name : `HTTP ${String(status)}`;
    return new ArtifactStoreError(`${what}: ${where} refused the credentials for ${store.url} (${why}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, false);
  }
  if (name === 'NoSuchBucket' || (name === 'NotFound' && what.startsWith('checking'))) {
    return new ArtifactStoreError(`${what}: bucket "${store.location.bucket}" does not exist at ${where}: create it (e.g. \`aws s3 mb s3://${store.location.bucket}\`) or fix artifacts.url`, false);
  }
  const transient = status === undefined || status >= 500;
  return new ArtifactStoreError(`${what}: ${String(name ?? 'error')}${status === undefined ? '' : ` (HTTP ${status})`}: ${errorMessage(error)}`, transient);
}

/** An S3 bucket (AWS, or any S3-compatible server such as MinIO) through `@aws-sdk/client-s3`, loaded only when a store is opened. */
export class S3ArtifactStore implements RemoteArtifactStore {
  readonly location: S3Location;
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly url: string;
  private readonly sdk: typeof S3;
  private readonly client: S3.S3Client;
  private readonly partBytes: number;

  private constructor(sdk: typeof S3, location: S3Location, endpoint: string | undefined, region: string, partBytes: number) {
    this.sdk = sdk;
    this.partBytes = partBytes;
    this.location = location;
    this.endpoint = endpoint;
    this.region = region;
    this.url = `s3://${location.bucket}${location.prefix === '' ? '' : `/${location.prefix}`}`;
    this.client = new sdk.S3Client({
      region,
      // S3-compatible servers are addressed by path (http://host:port/bucket/key), not by a bucket host name.
      ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
      // Checksums only where S3 requires them: the newer default (CRC32 trailers) is not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
    });
  }

  /** Load the SDK and make a client (no request yet); throws ArtifactStoreError for a bad url or a missing SDK. */
  static async open(options: S3StoreOptions): Promise<S3ArtifactStore> {
    const location = parseS3Url(options.url);
    if (typeof location === 'string') throw new ArtifactStoreError(`artifacts.url: ${location}`, false);
    const env = options.env ?? process.env;
    const endpoint = options.endpoint ?? nonEmpty(env['AWS_ENDPOINT_URL_S3']) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
    if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new ArtifactStoreError(`artifacts.endpoint: expected http(s)://host:port, got ${JSON.stringify(endpoint)}`, false);
    const region = options.region ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? 'us-east-1';
    const partBytes = options.partBytes ?? PART_BYTES;
    // S3 refuses parts under 5 MiB (all but the last), and only when the upload is completed.
    if (!(Number.isInteger(partBytes) && partBytes >= MIN_PART_BYTES)) throw new ArtifactStoreError(`artifacts part size must be an integer of at least ${MIN_PART_BYTES} bytes (5 MiB), got ${partBytes}`, false);
    return new S3ArtifactStore(await loadS3Sdk(options.load), location, endpoint, region, partBytes);
  }

  private fail(error: unknown, what: string): ArtifactStoreError {
    return describeS3Error(error, what, this);
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (error) {
      throw this.fail(error, `checking ${this.url}`);
    }
  }

  async put(key: string, path: string, size: number, sha256: string): Promise<void> {
    if (size > this.partBytes) return this.putInParts(key, path, size, sha256);
    try {
      const body = size <= BUFFER_BYTES ? readFileSync(path) : createReadStream(path);
      await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.location.bucket, Key: key, Body: body, ContentLength: size, Metadata: { sha256 } }));
    } catch (error) {
      throw this.fail(error, `uploading ${path} to s3://${this.location.bucket}/${key}`);
    }
  }

  /**
   * A multipart upload: each part read from the file and sent on its own (the client
   * retries a part, not the file), completed in part order; on any failure the upload is
   * aborted so the bucket keeps no orphaned parts, and the error says which part failed.
   */
  private async putInParts(key: string, path: string, size: number, sha256: string): Promise<void> {
    const bucket = this.location.bucket;
    const partBytes = Math.max(this.partBytes, Math.ceil(size / MAX_PARTS));
    let uploadId: string | undefined;
    let part = 0;
    try {
      uploadId = (await this.client.send(new this.sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: { sha256 } }))).UploadId;
      if (uploadId === undefined) throw new ArtifactStoreError(`uploading ${path} to s3://${bucket}/${key}: the server gave no upload id`, true);
      const parts: S3.CompletedPart[] = [];
      const handle = await open(path, 'r');
      try {
        for (let offset = 0; offset < size; offset += partBytes) {
          part++;
          const length = Math.min(partBytes, size - offset);
          const body = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(body, 0, length, offset);
          // A file that changed after it was recorded will not match its record on any retry.
          if (bytesRead !== length) throw new ArtifactStoreError(`uploading ${path} to s3://${bucket}/${key}: the file shrank after it was recorded (${offset + bytesRead} of ${size} bytes)`, false);
          const sent = await this.client.send(new this.sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: part, Body: body, ContentLength: length }));
          parts.push({ PartNumber: part, ETag: sent.ETag });
        }
      } finally {
        await handle.close();
      }
      part = 0; // a failure from here on is the completion's, not a part's
      await this.client.send(new this.sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      if (uploadId !== undefined) await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw this.fail(error, `uploading ${path} to s3://${bucket}/${key}${part > 0 ? ` (part ${part} of ${Math.ceil(size / partBytes)})` : ''}`);
    }
  }

  async remove(keys: readonly string[]): Promise<void> {
    // One DeleteObject per key: every S3-compatible server has it (DeleteObjects needs a checksum header some lack).
    for (const key of keys) {
      try {
        await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: key }));
      } catch (error) {
        if ((error as { name?: unknown }).name === 'NoSuchKey') continue;
        throw this.fail(error, `deleting s3://${this.location.bucket}/${key}`);
      }
    }
  }

  async list(prefix: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
        for (const object of page.Contents ?? []) if (object.Key !== undefined) found.set(object.Key, object.Size ?? -1);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw this.fail(error, `listing s3://${this.location.bucket}/${prefix}`);
    }
    return found;
  }

  /**
   * Download `key` into `path` through `<path>.sodate-download`, renamed once whole. A local
   * file that cannot be written (a folder under a file, no permission, a full disk) is an
   * ArtifactCopyError naming it, not a failure of the store to retry.
   */
  async get(key: string, path: string): Promise<void> {
    const partial = `${path}.sodate-download`;
    const what = `downloading s3://${this.location.bucket}/${key}`;
    try {
      const object = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      if (object.Body === undefined) throw new Error('the server sent no body');
      await mkdir(dirname(path), { recursive: true });
      await pipeline(object.Body as Readable, createWriteStream(partial));
      if (object.ContentLength !== undefined && statSync(partial).size !== object.ContentLength) throw new Error(`got ${statSync(partial).size} of ${object.ContentLength} bytes`);
      renameSync(partial, path);
    } catch (error) {
      try {
        rmSync(partial, { force: true });
      } catch {
        // Never written (its folder could not be made): nothing to remove.
      }
      if (isLocalFileError(error)) {
        throw new ArtifactCopyError(`${what}: cannot write ${path}: ${fileErrorInWords(error)}`, { file: path, reason: fileErrorInWords(error) });
      }
      throw this.fail(error, what);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
