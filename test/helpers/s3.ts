import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** The access key s3rver knows (it checks the key id, not SigV4 signatures). */
export const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' } as const;

export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** Where s3rver keeps the buckets on disk. */
  readonly directory: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (nothing listens on it once this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real S3-API HTTP server (s3rver, filesystem backend) on 127.0.0.1, with `buckets`
 * created; on `port` when given (a server brought back on the port a study recorded),
 * else on a free one.
 */
export async function startS3Server(options: { buckets?: readonly string[]; port?: number; directory?: string } = {}): Promise<S3Server> {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'sodate-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, silent: true, directory, configureBuckets: (options.buckets ?? ['bucket']).map((name) => ({ name })) });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory,
    stop: async () => {
      await server.close();
      if (options.directory === undefined) rmSync(directory, { recursive: true, force: true });
    },
  };
}
