import { ArtifactKeeper } from './keeper.js';
import { claimStudyDir, ownerOf } from './owner.js';
import type { RemoteArtifactStore, RemoteRecord } from './remote.js';
import { ArtifactStoreError, parseS3Url } from './remote.js';
import type { RetentionPolicy } from './retention.js';

/** What `tune`, `worker` and `confirm` know about artifacts: the local root and the space file's `artifacts:` keys. */
export interface OpenArtifactsOptions extends RetentionPolicy {
  /** Root of the trial directories (a staging area with `url`). */
  readonly dir: string;
  /** `s3://bucket/prefix`; undefined: the files stay in `dir`. */
  readonly url?: string | undefined;
  /** An S3-compatible server; default AWS_ENDPOINT_URL_S3, else AWS. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly notice?: ((text: string) => void) | undefined;
  /**
   * The study the run is for: `<dir>/<study>/` is claimed for it before anything else
   * (src/artifacts/owner.ts). Default: none, nothing is claimed (tests of the keeper alone).
   */
  readonly study?: { readonly name: string; readonly id: number; readonly storage: { readonly url: string } } | undefined;
  /** Opens the store; replaced in tests. Default: S3ArtifactStore (loading the AWS SDK only now). */
  readonly openStore?: (options: { url: string; endpoint?: string | undefined; region?: string | undefined }) => Promise<RemoteArtifactStore>;
}

async function openS3(options: { url: string; endpoint?: string | undefined; region?: string | undefined }): Promise<RemoteArtifactStore> {
  const { S3ArtifactStore } = await import('./s3.js');
  return S3ArtifactStore.open(options);
}

/**
 * The keeper for a run. It claims the study's folder first: another study's folder, or
 * one that cannot be created or written, stops the run with one line. With `url` it opens the store and checks the bucket first: missing
 * credentials, a missing bucket or a missing SDK stop the run with one line; an unreachable
 * server is a notice only (trials run, their files wait in `dir`, and uploads are retried).
 */
export async function openArtifactKeeper(options: OpenArtifactsOptions): Promise<ArtifactKeeper> {
  const base = { dir: options.dir, keep: options.keep, keepFailed: options.keepFailed, notice: options.notice };
  if (options.study !== undefined) claimStudyDir(options.dir, ownerOf(options.study, options.study.storage.url), options.notice);
  if (options.url === undefined) return new ArtifactKeeper(base);
  const store = await (options.openStore ?? openS3)({ url: options.url, endpoint: options.endpoint, region: options.region });
  try {
    await store.check();
  } catch (error) {
    if (!(error instanceof ArtifactStoreError) || !error.transient) {
      store.close();
      throw error;
    }
    options.notice?.(`${error.message}; trials keep their files in ${options.dir} until it answers, and uploads are retried`);
  }
  return new ArtifactKeeper({ ...base, remote: store });
}

/** Open the store a trial's files were uploaded to (for `sodate artifacts`): AWS_ENDPOINT_URL_S3 wins over the endpoint recorded, so another machine can reach the same server by its own address. */
export async function openStoreFor(record: RemoteRecord, env: NodeJS.ProcessEnv = process.env): Promise<RemoteArtifactStore> {
  const location = parseS3Url(record.url);
  if (typeof location === 'string') throw new ArtifactStoreError(`recorded artifact location: ${location}`, false);
  const endpoint = nonEmpty(env['AWS_ENDPOINT_URL_S3']) ?? record.endpoint;
  return openS3({ url: `s3://${location.bucket}`, endpoint, region: nonEmpty(env['AWS_REGION']) ?? record.region });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
