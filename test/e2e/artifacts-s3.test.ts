import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../src/artifacts/s3.js';
import { runCli, tempProject } from '../helpers/cli.js';
import type { S3Server } from '../helpers/s3.js';
import { S3_ENV, freePort, startS3Server } from '../helpers/s3.js';

/**
 * `artifacts: { url: s3://… }` through the real CLI and a real S3-API server (s3rver on
 * 127.0.0.1, started here): the credentials come from the environment, as for a user.
 */

/** A command trial: writes its x into $SODATE_TRIAL_DIR (a local staging directory), prints its value. */
const TRAIN = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const x = Number(process.env.SODATE_PARAM_X);
writeFileSync(join(process.env.SODATE_TRIAL_DIR, 'model.txt'), String(x));
console.log(JSON.stringify({ value: (x - 0.3) ** 2 }));
`;

function space(endpoint: string, trials: number, bucket = 'bucket'): string {
  return `study: demo
objective: { command: [node, train.mjs] }
sampler: { kind: random }
pruner: { kind: none }
budget: { trials: ${trials} }
workers: { devices: cpu, perDevice: 2 }
artifacts: { url: s3://${bucket}/runs, endpoint: ${endpoint}, keep: 2 }
params:
  x: { float: [0.0, 1.0] }
`;
}

interface TrialJson {
  number: number;
  state: string;
  value?: number | null;
  params: Record<string, number>;
}

interface ArtifactJson {
  trial: number;
  state: string;
  name: string;
  size: number;
  status: string;
  path: string | null;
  url: string | null;
}

const env = { ...S3_ENV };

async function json<T>(args: string[], dir: string): Promise<T> {
  const result = await runCli(args, dir, { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** The objects under runs/demo/ in the bucket, as `<trial>/<name>`. */
async function objects(endpoint: string): Promise<string[]> {
  const saved = { ...process.env };
  Object.assign(process.env, S3_ENV);
  const store = await S3ArtifactStore.open({ url: 's3://bucket/runs', endpoint });
  try {
    return [...(await store.list('runs/demo/')).keys()].map((k) => k.slice('runs/demo/'.length)).sort();
  } finally {
    store.close();
    process.env = saved;
  }
}

function bestTwo(trials: TrialJson[]): number[] {
  return trials
    .filter((t) => t.state === 'COMPLETE')
    .sort((a, b) => (a.value as number) - (b.value as number) || a.number - b.number)
    .slice(0, 2)
    .map((t) => t.number)
    .sort((a, b) => a - b);
}

function staged(dir: string): string[] {
  const root = join(dir, 'studies', 'artifacts', 'demo');
  // The owner file (.sodate-study.json) claims the folder for the study; it is no trial's.
  return existsSync(root) ? readdirSync(root).filter((name) => name !== '.sodate-study.json').sort() : [];
}

describe('trial artifacts in an S3-compatible store through the real CLI', () => {
  const servers: S3Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  it('ends with exactly the best two trials’ objects in the bucket, listed by sodate artifacts and downloaded by --copy-to', async () => {
    const server = await startS3Server({ buckets: ['bucket'] });
    servers.push(server);
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(server.endpoint, 8) });
    const tune = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir, { env });
    expect(tune.code, tune.stderr + tune.stdout).toBe(0);
    expect(tune.stdout).not.toMatch(/not uploaded|cannot reach/);

    const trials = await json<TrialJson[]>(['trials', 'demo', '--format', 'json'], dir);
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(8);
    const best = bestTwo(trials);
    expect(await objects(server.endpoint)).toEqual(best.map((n) => `${n}/model.txt`).sort());
    // Uploaded, then removed from the local staging directory.
    expect(staged(dir)).toEqual([]);

    const listed = await json<ArtifactJson[]>(['artifacts', 'demo', '--format', 'json'], dir);
    expect(listed.filter((a) => a.status === 'present').map((a) => a.trial)).toEqual(best);
    expect(listed.filter((a) => a.status === 'present').map((a) => a.url)).toEqual(best.map((n) => `s3://bucket/runs/demo/${n}/model.txt`));
    expect(listed.filter((a) => a.status === 'deleted')).toHaveLength(6);
    expect(listed.some((a) => a.status === 'missing')).toBe(false);

    const table = await runCli(['artifacts', 'demo'], dir, { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^trial\s+state\s+name\s+size\s+sha256\s+status\s+location/);
    expect(table.stdout).toMatch(/model\.txt .* present\s+s3:\/\/bucket\/runs\/demo\/\d+\/model\.txt/);

    const copy = await runCli(['artifacts', 'demo', 'best', '--copy-to', 'best-model'], dir, { env });
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toMatch(/^trial \d+: copied 1 file\(s\) to .*best-model/);
    const top = [...trials].filter((t) => t.state === 'COMPLETE').sort((a, b) => (a.value as number) - (b.value as number))[0] as TrialJson;
    expect(Number(readFileSync(join(dir, 'best-model', 'model.txt'), 'utf8'))).toBe(top.params['x']);

    const deleted = await runCli(['delete', 'demo'], dir, { env });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted study demo \(8 trials, and 2 trials' objects in S3\) from /);
    expect(await objects(server.endpoint)).toEqual([]);
  }, 180_000);

  it('keeps every trial’s value and its files in staging while the server is down, and uploads them on the next run', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(endpoint, 5) });
    const down = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir, { env });
    expect(down.code, down.stderr + down.stdout).toBe(0);
    expect(down.stdout).toMatch(/cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*; trials keep their files in .* until it answers, and uploads are retried/);
    expect(down.stdout).toMatch(/trial \d+: its artifacts were not uploaded \(.*\); they stay in .* and a later sweep or run retries/);
    const trials = await json<TrialJson[]>(['trials', 'demo', '--format', 'json'], dir);
    expect(trials.map((t) => t.state)).toEqual(Array(5).fill('COMPLETE'));
    expect(trials.every((t) => typeof t.value === 'number')).toBe(true);
    const best = bestTwo(trials);
    // Retention still ran locally: the best two are staged, the others' directories deleted.
    expect(staged(dir)).toEqual(best.map(String).sort());
    // Not uploaded yet: present where they are, in the local staging directory, with no s3:// URL (no object holds them).
    const listedDown = await json<ArtifactJson[]>(['artifacts', 'demo', '--format', 'json'], dir);
    const stagedPath = (n: number) => join(dir, 'studies', 'artifacts', 'demo', String(n), 'model.txt');
    expect(listedDown.filter((a) => a.status === 'present').map((a) => [a.trial, a.path, a.url])).toEqual(best.map((n) => [n, stagedPath(n), null]));
    const tableDown = await runCli(['artifacts', 'demo'], dir, { env });
    expect(tableDown.stdout).not.toMatch(/s3:\/\//);
    for (const n of best) expect(tableDown.stdout).toContain(`present  ${stagedPath(n)}`);

    const server = await startS3Server({ buckets: ['bucket'], port });
    servers.push(server);
    const again = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir, { env });
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(await objects(endpoint)).toEqual(best.map((n) => `${n}/model.txt`).sort());
    expect(staged(dir)).toEqual([]);
    const listed = await json<ArtifactJson[]>(['artifacts', 'demo', '--format', 'json'], dir);
    expect(listed.filter((a) => a.status === 'present').map((a) => [a.trial, a.path, a.url])).toEqual(best.map((n) => [n, null, `s3://bucket/runs/demo/${n}/model.txt`]));
  }, 180_000);

  it('refuses to start with a bucket that does not exist or without credentials, in one line', async () => {
    const server = await startS3Server({ buckets: ['bucket'] });
    servers.push(server);
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(server.endpoint, 2, 'no-such-bucket') });
    const missing = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir, { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^sodate: checking s3:\/\/no-such-bucket\/runs: bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+: create it/);

    const bare = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(server.endpoint, 2) });
    const noKeys = await runCli(['tune', 'space.yaml', '--format', 'plain'], bare, { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'sodate-test-none', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' } });
    expect(noKeys.code).toBe(1);
    expect(noKeys.stderr.trim().split('\n')).toHaveLength(1);
    expect(noKeys.stderr).toMatch(/no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  }, 120_000);
});
