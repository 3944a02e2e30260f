import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../../src/artifacts/s3.js';
import { S3_ENV, startS3Server } from '../../helpers/s3.js';
import type { SodateProcess } from './cluster.js';
import { allSucceed, expectWholeStudy, sodate, waitForStudy } from './cluster.js';
import type { ScratchDatabase } from './pg-helpers.js';
import { postgresMissing, scratchDatabase } from './pg-helpers.js';

/**
 * A directory every machine mounts as `artifacts.dir`: `sodate tune` and `sodate worker` on
 * one PostgreSQL study write their trials' directories into it, and each one's retention
 * never touches a trial another one is still running; or one S3 bucket both upload to,
 * each from its own staging directory.
 */

const missing = await postgresMissing();
if (missing !== null) console.warn(`skipping the shared artifact directory test: ${missing}`);

/** Writes its x into its directory when it starts, and fails unless the file is still there when it ends. */
const OBJECTIVE = `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
export async function objective(trial) {
  const { x } = trial.params;
  const file = join(trial.artifactDir, 'model.txt');
  writeFileSync(file, \`\${process.env.MACHINE} \${x}\`);
  await new Promise((r) => setTimeout(r, Number(process.env.TRIAL_MS ?? 0)));
  if (!existsSync(file)) throw new Error('my artifact directory was deleted while I ran');
  appendFileSync(new URL('./ran.log', import.meta.url), \`\${process.env.MACHINE}\\n\`);
  return (x - 0.3) ** 2;
}
`;

const INLINE = ['--devices', 'cpu', '--per-device', '2', '--isolation', 'inline', '--format', 'plain'];

describe.skipIf(missing !== null)('a shared artifact directory on one PostgreSQL study', () => {
  const cleanups: (() => unknown)[] = [];
  const processes: SodateProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 120_000);

  it('keeps exactly the best two trials’ directories while tune and a worker both write into it, never deleting a running trial’s', async () => {
    const db: ScratchDatabase = await scratchDatabase();
    cleanups.push(() => db.drop());
    const project = mkdtempSync(join(tmpdir(), 'sodate-pg-shared-'));
    const shared = mkdtempSync(join(tmpdir(), 'sodate-pg-mount-'));
    cleanups.push(() => rmSync(project, { recursive: true, force: true }), () => rmSync(shared, { recursive: true, force: true }));
    writeFileSync(join(project, 'objective.mjs'), OBJECTIVE);
    writeFileSync(
      join(project, 'space.yaml'),
      `study: mounted
objective: { module: ./objective.mjs }
sampler: { kind: random }
pruner: none
budget: { trials: 24 }
artifacts: { dir: ${shared}, keep: 2 }
params:
  x: { float: [0.0, 1.0] }
`,
    );
    const tune = sodate('tune', ['tune', 'space.yaml', '--storage', db.url, '--no-tui', ...INLINE], { cwd: project, env: { TRIAL_MS: '1500' } });
    processes.push(tune);
    await waitForStudy(db.url, 'mounted');
    const worker = sodate('worker', ['worker', 'mounted', '--storage', db.url, ...INLINE], { cwd: project, env: { TRIAL_MS: '250' } });
    processes.push(worker);
    await allSucceed([tune, worker]);

    const trials = await expectWholeStudy(db.url, 'mounted', 24);
    // No trial failed: neither process's retention deleted a directory the other's trial was writing.
    expect(trials.map((t) => t.state)).toEqual(Array(24).fill('COMPLETE'));
    const best = [...trials]
      .sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number) || a.number - b.number)
      .slice(0, 2)
      .map((t) => String(t.number))
      .sort();
    expect(readdirSync(join(shared, 'mounted')).filter((name) => name !== '.sodate-study.json').sort()).toEqual(best);
    const writers = best.map((n) => readFileSync(join(shared, 'mounted', n, 'model.txt'), 'utf8').split(' ')[0]);
    expect(writers.every((w) => w === 'tune' || w === 'worker')).toBe(true);
    // Both processes ran trials, all into the one directory.
    const ran = readFileSync(join(project, 'ran.log'), 'utf8').trim().split('\n');
    expect(ran).toHaveLength(24);
    expect(new Set(ran)).toEqual(new Set(['tune', 'worker']));
    expect(trials.every((t) => String(t.systemAttrs['sodate:artifact_dir']).startsWith(join(shared, 'mounted')))).toBe(true);
  }, 300_000);

  it('ends with exactly the best two trials’ objects in one S3 bucket when tune and a worker, each with its own staging directory, upload to it', async () => {
    const db: ScratchDatabase = await scratchDatabase();
    cleanups.push(() => db.drop());
    const server = await startS3Server({ buckets: ['shared'] });
    cleanups.push(() => server.stop());
    const project = mkdtempSync(join(tmpdir(), 'sodate-pg-s3-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'sodate-pg-s3-worker-'));
    cleanups.push(() => rmSync(project, { recursive: true, force: true }), () => rmSync(elsewhere, { recursive: true, force: true }));
    writeFileSync(join(project, 'objective.mjs'), OBJECTIVE);
    writeFileSync(
      join(project, 'space.yaml'),
      `study: bucketed
objective: { module: ./objective.mjs }
sampler: { kind: random }
pruner: none
budget: { trials: 20 }
artifacts: { url: s3://shared/sweeps, endpoint: ${server.endpoint}, keep: 2 }
params:
  x: { float: [0.0, 1.0] }
`,
    );
    const tune = sodate('tune', ['tune', 'space.yaml', '--storage', db.url, '--no-tui', ...INLINE], { cwd: project, env: { ...S3_ENV, TRIAL_MS: '1500' } });
    processes.push(tune);
    await waitForStudy(db.url, 'bucketed');
    // Another "machine": its own working directory, so its own studies/artifacts staging area.
    const worker = sodate('worker', ['worker', 'bucketed', '--storage', db.url, ...INLINE], { cwd: elsewhere, env: { ...S3_ENV, TRIAL_MS: '250' } });
    processes.push(worker);
    await allSucceed([tune, worker]);

    const trials = await expectWholeStudy(db.url, 'bucketed', 20);
    expect(trials.map((t) => t.state)).toEqual(Array(20).fill('COMPLETE'));
    const ran = readFileSync(join(project, 'ran.log'), 'utf8').trim().split('\n');
    expect(new Set(ran)).toEqual(new Set(['tune', 'worker']));
    const best = [...trials]
      .sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number) || a.number - b.number)
      .slice(0, 2)
      .map((t) => t.number)
      .sort((a, b) => a - b);
    Object.assign(process.env, S3_ENV);
    const store = await S3ArtifactStore.open({ url: 's3://shared/sweeps', endpoint: server.endpoint });
    try {
      expect([...(await store.list('sweeps/bucketed/')).keys()].sort()).toEqual(best.map((n) => `sweeps/bucketed/${n}/model.txt`).sort());
    } finally {
      store.close();
    }
    for (const staging of [join(project, 'studies', 'artifacts', 'bucketed'), join(elsewhere, 'studies', 'artifacts', 'bucketed')]) {
      expect(existsSync(staging) ? readdirSync(staging).filter((name) => name !== '.sodate-study.json') : []).toEqual([]);
    }
  }, 300_000);
});
