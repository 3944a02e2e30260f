import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHANGED_SINCE_RECORDED, copyEntries } from '../../src/artifacts/copy.js';
import { ArtifactKeeper } from '../../src/artifacts/keeper.js';
import { artifactEntries, remoteArtifactEntries } from '../../src/artifacts/listing.js';
import { ArtifactCopyError } from '../../src/artifacts/local-files.js';
import { openArtifactKeeper } from '../../src/artifacts/open.js';
import type { RemoteArtifactStore } from '../../src/artifacts/remote.js';
import { ArtifactStoreError, objectKey, parseS3Url } from '../../src/artifacts/remote.js';
import { recordedArtifacts } from '../../src/artifacts/record.js';
import { S3ArtifactStore, loadS3Sdk } from '../../src/artifacts/s3.js';
import { InlineSlots } from '../../src/run/inline-slots.js';
import type { RemoteTrial } from '../../src/run/remote-trial.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';
import type { S3Server } from '../helpers/s3.js';
import { S3_ENV, freePort, startS3Server } from '../helpers/s3.js';
import { runWith } from '../run/fixtures.js';
import { ARTIFACTS_UPLOADED_ATTR, ARTIFACT_REMOTE_ATTR } from '../../src/storage/metadata.js';

/** Real requests to a real S3-API server (s3rver on 127.0.0.1), with its credentials in the environment. */

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'sodate-s3-'));
}

const saved: Record<string, string | undefined> = {};
let server: S3Server;
const stores: S3ArtifactStore[] = [];

async function open(url = 's3://bucket/runs', endpoint = server.endpoint, partBytes?: number): Promise<S3ArtifactStore> {
  const store = await S3ArtifactStore.open({ url, endpoint, ...(partBytes === undefined ? {} : { partBytes }) });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  for (const [key, value] of Object.entries(S3_ENV)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  server = await startS3Server({ buckets: ['bucket'] });
});
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});
afterAll(async () => {
  await server.stop();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('s3://bucket/prefix locations', () => {
  it('takes the bucket and prefix apart and builds <prefix>/<study>/<trial>/<name> keys', () => {
    expect(parseS3Url('s3://bucket/runs/a/')).toEqual({ bucket: 'bucket', prefix: 'runs/a' });
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(objectKey({ bucket: 'bucket', prefix: 'runs' }, 'demo', 3, 'ckpt/model.pt')).toBe('runs/demo/3/ckpt/model.pt');
    expect(objectKey({ bucket: 'bucket', prefix: '' }, 'demo', 3, 'm.pt')).toBe('demo/3/m.pt');
  });

  it('names what is wrong with a bad location', () => {
    expect(parseS3Url('http://bucket/x')).toMatch(/expected s3:\/\/bucket\/prefix/);
    expect(parseS3Url('s3://B/x')).toMatch(/not a valid S3 bucket name/);
    expect(parseS3Url('s3://bucket/a/../b')).toMatch(/may not hold \. or \.\. segments/);
  });
});

describe('S3ArtifactStore against a real S3-compatible server', () => {
  it('uploads, lists, downloads and deletes objects', async () => {
    const store = await open();
    await store.check();
    const file = join(temp(), 'model.txt');
    writeFileSync(file, 'weights');
    await store.put('runs/demo/0/model.txt', file, 7, 'ab');
    expect(await store.list('runs/demo/0/')).toEqual(new Map([['runs/demo/0/model.txt', 7]]));
    const back = join(temp(), 'sub', 'copy.txt');
    await store.get('runs/demo/0/model.txt', back);
    expect(readFileSync(back, 'utf8')).toBe('weights');
    await store.remove(['runs/demo/0/model.txt', 'runs/demo/0/never-there']);
    expect(await store.list('runs/demo/')).toEqual(new Map());
  });

  it('says in one line which local file a download cannot write, as a copy error, not a store failure to retry', async () => {
    const store = await open();
    const file = join(temp(), 'model.txt');
    writeFileSync(file, 'weights');
    await store.put('runs/get-errors/1/model.txt', file, 7, 'ab');
    const error = await store.get('runs/get-errors/1/model.txt', join(file, 'sub', 'copy.txt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactCopyError);
    expect(error).not.toBeInstanceOf(ArtifactStoreError);
    expect((error as Error).message).toBe(`downloading s3://bucket/runs/get-errors/1/model.txt: cannot write ${join(file, 'sub', 'copy.txt')}: a part of its path is a file, not a directory`);
    expect(readFileSync(file, 'utf8')).toBe('weights');
  });

  it('downloads --copy-to files into the target, refusing one under a file in one line and an object whose sha256 is not the recorded one', async () => {
    const store = await open();
    const file = join(temp(), 'model.txt');
    writeFileSync(file, 'weights');
    await store.put('runs/get-errors/2/model.txt', file, 7, 'ab');
    const entry = { trial: 2, state: 'COMPLETE' as const, name: 'model.txt', size: 7, url: 's3://bucket/runs/get-errors/2/model.txt', path: undefined, status: 'present' as const };
    const good = { ...entry, sha256: createHash('sha256').update('weights').digest('hex') };
    const target = join(temp(), 'best');
    expect((await copyEntries([good], target, store)).copied).toHaveLength(1);
    expect(readFileSync(join(target, 'model.txt'), 'utf8')).toBe('weights');
    const other = join(temp(), 'other');
    const { skipped } = await copyEntries([{ ...entry, sha256: 'f'.repeat(64) }], other, store);
    expect(skipped.map((e) => e.why)).toEqual([CHANGED_SINCE_RECORDED]);
    expect(existsSync(other)).toBe(false);
    const under = await copyEntries([good], join(file, 'best'), store).catch((e: unknown) => e);
    expect(under).toBeInstanceOf(ArtifactCopyError);
    expect((under as Error).message).toBe(`cannot copy into ${join(file, 'best')}: it lies under the file ${file}; give --copy-to a directory you can write (it is created if missing)`);
  });

  it('uploads a file larger than a part in parts, which downloads byte for byte', async () => {
    // The real SDK against the real server, with each command's name noted on the way.
    const sent: string[] = [];
    const load = async (): Promise<Awaited<ReturnType<typeof loadS3Sdk>>> => {
      const sdk = await loadS3Sdk();
      const Real = sdk.S3Client;
      const noting = (config: NonNullable<ConstructorParameters<typeof Real>[0]>): InstanceType<typeof Real> => {
        const client = new Real(config);
        const send = client.send.bind(client) as (...args: unknown[]) => unknown;
        client.send = ((command: object, ...rest: unknown[]) => {
          sent.push(command.constructor.name);
          return send(command, ...rest);
        }) as typeof client.send;
        return client;
      };
      return { ...sdk, S3Client: function NotingClient(config: NonNullable<ConstructorParameters<typeof Real>[0]>) { return noting(config); } as unknown as typeof Real };
    };
    const store = await S3ArtifactStore.open({ url: 's3://bucket/runs', endpoint: server.endpoint, partBytes: 5 * 1024 * 1024, load });
    stores.push(store);
    const file = join(temp(), 'big.bin');
    const bytes = Buffer.alloc(11 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    writeFileSync(file, bytes);
    await store.put('runs/demo/1/big.bin', file, bytes.length, 'cd');
    expect(await store.list('runs/demo/1/')).toEqual(new Map([['runs/demo/1/big.bin', bytes.length]]));
    // Three parts: 5 MiB, 5 MiB, 1 MiB + 17 bytes.
    expect(sent.slice(0, 5)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    const back = join(temp(), 'big-copy.bin');
    await store.get('runs/demo/1/big.bin', back);
    expect(readFileSync(back).equals(bytes)).toBe(true);
    await store.remove(['runs/demo/1/big.bin']);
    // A multipart upload to a bucket that does not exist fails in one line naming the file and the key.
    const missing = await open('s3://no-such-bucket/runs', server.endpoint, 5 * 1024 * 1024);
    const error = (await missing.put('runs/demo/1/big.bin', file, bytes.length, 'cd').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ArtifactStoreError);
    expect(error.message).toMatch(/^uploading .*big\.bin to s3:\/\/no-such-bucket\/runs\/demo\/1\/big\.bin: /);
    expect(error.message.split('\n')).toHaveLength(1);
    await expect(S3ArtifactStore.open({ url: 's3://bucket/runs', partBytes: 0 })).rejects.toThrow('artifacts part size must be an integer of at least 5242880 bytes (5 MiB), got 0');
  });

  it('says in one line that a bucket does not exist, and how to fix it', async () => {
    const store = await open('s3://no-such-bucket/runs');
    const error = await store.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactStoreError);
    expect((error as ArtifactStoreError).transient).toBe(false);
    expect((error as Error).message).toMatch(/^checking s3:\/\/no-such-bucket\/runs: bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+: create it/);
  });

  it('says which credentials a server refused', async () => {
    process.env['AWS_ACCESS_KEY_ID'] = 'NOT-A-KEY';
    try {
      const store = await open();
      const file = join(temp(), 'f');
      writeFileSync(file, 'x');
      const error = (await store.put('runs/f', file, 1, '').catch((e: unknown) => e)) as ArtifactStoreError;
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/refused the credentials for s3:\/\/bucket\/runs \(InvalidAccessKeyId\): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$/);
    } finally {
      process.env['AWS_ACCESS_KEY_ID'] = S3_ENV.AWS_ACCESS_KEY_ID;
    }
  });

  it('says that a server which does not answer cannot be reached, as a transient failure', async () => {
    const port = await freePort();
    const store = await open('s3://bucket/runs', `http://127.0.0.1:${port}`);
    const error = (await store.check().catch((e: unknown) => e)) as ArtifactStoreError;
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check artifacts\.endpoint or AWS_ENDPOINT_URL_S3/);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('says how to install the SDK when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@aws-sdk/client-s3'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadS3Sdk(() => Promise.reject(missing))).rejects.toThrow(/^artifacts in S3 need the AWS SDK, which is not installed: run `npm install @aws-sdk\/client-s3`/);
  });

  it('stops a run whose bucket does not exist before any trial, but only notes a server that does not answer', async () => {
    await expect(openArtifactKeeper({ dir: temp(), url: 's3://no-such-bucket/x', endpoint: server.endpoint })).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
    const notices: string[] = [];
    const keeper = await openArtifactKeeper({ dir: temp(), url: 's3://bucket/x', endpoint: `http://127.0.0.1:${await freePort()}`, notice: (t) => notices.push(t) });
    keeper.close();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/cannot reach the S3 endpoint .*; trials keep their files in .* until it answers, and uploads are retried$/);
  });
});

describe('trial artifacts in an S3 bucket', () => {
  const objective = (trial: RemoteTrial) => {
    writeFileSync(join(trial.artifactDir as string, 'x.txt'), String(trial.params['x']));
    return trial.params['x'] as number;
  };
  const oneSlot = [{ name: 'cpu#0', device: 'cpu', gpu: null }];

  it('uploads each trial’s files to <prefix>/<study>/<trial>/, removes the staging copy, and keeps only the best one’s objects with keep: 1', async () => {
    const dir = temp();
    const store = await open('s3://bucket/keep1');
    const keeper = new ArtifactKeeper({ dir, keep: 1, remote: store });
    const { trials, study } = await runWith(new InlineSlots(objective as never), { maxTrials: 5, artifacts: keeper, slots: oneSlot });
    const best = [...trials].sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number))[0]!;
    const objects = await store.list('keep1/');
    expect([...objects.keys()]).toEqual([`keep1/${study.name}/${best.number}/x.txt`]);
    // Nothing stays in the staging directory once uploaded (or deleted).
    expect(existsSync(join(dir, study.name)) ? readdirSync(join(dir, study.name)) : []).toEqual([]);
    for (const t of trials) {
      expect(t.systemAttrs[ARTIFACT_REMOTE_ATTR]).toEqual({ url: `s3://bucket/keep1/${study.name}/${t.number}/`, endpoint: server.endpoint, region: 'us-east-1' });
      // Every trial's record names its object; the listing names it only for a trial whose upload happened.
      expect(recordedArtifacts(t)[0]?.url).toBe(`s3://bucket/keep1/${study.name}/${t.number}/x.txt`);
      expect(artifactEntries(t)[0]?.url).toBe(t.systemAttrs[ARTIFACTS_UPLOADED_ATTR] !== undefined ? `s3://bucket/keep1/${study.name}/${t.number}/x.txt` : undefined);
    }
    expect(best.systemAttrs[ARTIFACTS_UPLOADED_ATTR]).toEqual(expect.any(String));
    expect((await remoteArtifactEntries(best, store)).map((e) => [e.name, e.status])).toEqual([['x.txt', 'present']]);
    const beaten = trials.find((t) => t.number !== best.number)!;
    expect((await remoteArtifactEntries(beaten, store)).map((e) => e.status)).toEqual(['deleted']);

    // A later run decides the same, and does not ask the store again for objects already deleted.
    const removed: string[][] = [];
    const counting: RemoteArtifactStore = Object.assign(Object.create(store) as RemoteArtifactStore, { remove: (keys: readonly string[]) => (removed.push([...keys]), store.remove(keys)) });
    const again = await createStudy({ name: study.name, storage: study.storage.url, loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) });
    try {
      await new ArtifactKeeper({ dir, keep: 1, remote: counting }).sweep(again);
      expect(removed).toEqual([]);
      expect([...(await store.list('keep1/')).keys()]).toEqual([`keep1/${study.name}/${best.number}/x.txt`]);
    } finally {
      await again.close();
    }
  });

  it('stores every value while the server is down, keeps the files in staging with one notice per trial, and uploads them on a later run', async () => {
    const dir = temp();
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const down = await open('s3://bucket/later', endpoint);
    const db = join(temp(), 's.db');
    const study = await createStudy({ name: 's', storage: `sqlite:${db}`, sampler: new RandomSampler({ seed: 2 }) });
    const notices: string[] = [];
    const first = await runWith(new InlineSlots(objective as never), { maxTrials: 3, artifacts: new ArtifactKeeper({ dir, keep: 2, remote: down, notice: (t) => notices.push(t) }), slots: oneSlot, study });
    expect(first.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    expect(first.trials.every((t) => typeof t.values?.[0] === 'number' && t.systemAttrs[ARTIFACTS_UPLOADED_ATTR] === undefined)).toBe(true);
    const kept = [...first.trials].sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number)).slice(0, 2).map((t) => String(t.number));
    expect(readdirSync(join(dir, 's')).sort()).toEqual([...kept].sort());
    const told = notices.filter((n) => /were not uploaded/.test(n));
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(told.length).toBeLessThanOrEqual(3);
    expect(told[0]).toMatch(/^trial \d+: its artifacts were not uploaded \(uploading .* cannot reach the S3 endpoint .*\); they stay in .* and a later sweep or run retries$/);

    // The server comes back (on the port the study recorded); the next run's first sweep uploads.
    const back = await startS3Server({ buckets: ['bucket'], port });
    try {
      const store = await open('s3://bucket/later', endpoint);
      await new ArtifactKeeper({ dir, keep: 2, remote: store }).sweep(study);
      const objects = [...(await store.list('later/s/')).keys()].sort();
      expect(objects).toEqual([...kept].sort().map((n) => `later/s/${n}/x.txt`));
      expect(existsSync(join(dir, 's')) ? readdirSync(join(dir, 's')) : []).toEqual([]);
      for (const t of (await study.getTrials()).filter((t) => kept.includes(String(t.number)))) expect(t.systemAttrs[ARTIFACTS_UPLOADED_ATTR]).toEqual(expect.any(String));
    } finally {
      await study.close();
      await back.stop();
    }
  });

  it('leaves a store that did not answer alone for storeRetrySeconds, then uploads what waited, in the same process', async () => {
    const dir = temp();
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    let clock = 0;
    const notices: string[] = [];
    const keeper = new ArtifactKeeper({ dir, remote: await open('s3://bucket/retry', endpoint), storeRetrySeconds: 30, now: () => clock, notice: (t) => notices.push(t) });
    const study = await createStudy({ name: 's', storage: `sqlite:${join(temp(), 's.db')}`, sampler: new RandomSampler({ seed: 3 }) });
    await runWith(new InlineSlots(objective as never), { maxTrials: 3, artifacts: keeper, slots: oneSlot, study });
    // One try, one notice: the sweeps after it (each trial, the end) waited instead of trying again.
    expect(notices.filter((n) => /were not uploaded/.test(n))).toHaveLength(1);
    const back = await startS3Server({ buckets: ['bucket'], port });
    try {
      const store = await open('s3://bucket/retry', endpoint);
      clock = 29_000;
      await keeper.sweep(study);
      expect((await store.list('retry/')).size).toBe(0);
      clock = 31_000;
      await keeper.sweep(study);
      expect([...(await store.list('retry/s/')).keys()].sort()).toEqual(['retry/s/0/x.txt', 'retry/s/1/x.txt', 'retry/s/2/x.txt']);
      expect(existsSync(join(dir, 's')) ? readdirSync(join(dir, 's')) : []).toEqual([]);
    } finally {
      await study.close();
      await back.stop();
    }
  });
});
