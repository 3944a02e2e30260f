import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { SODATE_BIN, runCli, tempProject, startCli } from '../helpers/cli.js';

/** A command trial: writes its x into $SODATE_TRIAL_DIR, takes a moment, prints its value. */
const TRAIN = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const x = Number(process.env.SODATE_PARAM_X);
writeFileSync(join(process.env.SODATE_TRIAL_DIR, 'model.txt'), String(x));
await new Promise((r) => setTimeout(r, 150));
console.log(JSON.stringify({ value: (x - 0.3) ** 2 }));
`;

const SPACE = `study: demo
objective: { command: [node, train.mjs] }
sampler: { kind: random }
pruner: { kind: none }
budget: { trials: 10 }
retries: 1
workers: { devices: cpu, perDevice: 2 }
artifacts: { keep: 2 }
params:
  x: { float: [0.0, 1.0] }
`;

interface TrialJson {
  number: number;
  state: string;
  value?: number | null;
}

interface ArtifactJson {
  trial: number;
  state: string;
  name: string;
  size: number;
  sha256: string;
  status: string;
}

interface ArtifactWhyJson extends ArtifactJson {
  path: string | null;
  why?: string;
}

/** The trial numbers of the directories in a study's folder (its owner file is not one). */
function trialDirs(folder: string): number[] {
  return readdirSync(folder)
    .filter((name) => name !== '.sodate-study.json')
    .map(Number);
}

async function json<T>(args: string[], dir: string): Promise<T> {
  const result = await runCli(args, dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('trial artifacts through the real CLI', () => {
  it('keeps exactly the best two complete trials’ files after a kill -9 and a resume, and lists them', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE });
    const first = startCli(['tune', 'space.yaml', '--stale-after', '1', '--format', 'plain'], dir);
    await first.seen(/trial \d+ COMPLETE[\s\S]*trial \d+ COMPLETE[\s\S]*trial \d+ COMPLETE/);
    first.child.kill('SIGKILL');
    await first.exit;
    await sleep(1500);
    const second = await runCli(['tune', 'space.yaml', '--stale-after', '1', '--format', 'plain'], dir);
    expect(second.code, second.stderr).toBe(0);

    const trials = await json<TrialJson[]>(['trials', 'demo', '--format', 'json'], dir);
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete).toHaveLength(10);
    expect(trials.filter((t) => t.state === 'RUNNING')).toEqual([]);
    // The kill left trials running: failed as stale on resume (and retried), their directories deleted.
    expect(trials.filter((t) => t.state === 'FAIL').length).toBeGreaterThan(0);
    const best = [...complete].sort((a, b) => (a.value as number) - (b.value as number) || a.number - b.number).slice(0, 2).map((t) => t.number);

    const root = join(dir, 'studies', 'artifacts', 'demo');
    expect(trialDirs(root).sort((a, b) => a - b)).toEqual([...best].sort((a, b) => a - b));
    for (const n of best) expect(readdirSync(join(root, String(n)))).toEqual(['model.txt']);

    const listed = await json<ArtifactJson[]>(['artifacts', 'demo', '--format', 'json'], dir);
    const present = listed.filter((a) => a.status === 'present');
    expect(present.map((a) => a.trial).sort((a, b) => a - b)).toEqual([...best].sort((a, b) => a - b));
    expect(present.every((a) => a.name === 'model.txt' && /^[0-9a-f]{64}$/.test(a.sha256) && a.size > 0)).toBe(true);
    // Every other complete trial recorded its file, and says it was deleted, not missing.
    const others = listed.filter((a) => a.state === 'COMPLETE' && !best.includes(a.trial));
    expect(others).toHaveLength(8);
    expect(others.every((a) => a.status === 'deleted')).toBe(true);
    expect(listed.some((a) => a.status === 'missing')).toBe(false);

    const table = await runCli(['artifacts', 'demo'], dir);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^trial\s+state\s+name\s+size\s+sha256\s+status/);
    expect(table.stdout).toMatch(/model\.txt .* present/);

    const copy = await runCli(['artifacts', 'demo', 'best', '--copy-to', 'best-model'], dir);
    expect(copy.code, copy.stderr).toBe(0);
    const bestX = Number(readFileSync(join(dir, 'best-model', 'model.txt'), 'utf8'));
    expect(bestX).toBe(Number(readFileSync(join(root, String(best[0]), 'model.txt'), 'utf8')));
  });

  it('refuses --copy-to without a trial, and a bad trial argument, with one line', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 1') });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const noTrial = await runCli(['artifacts', 'demo', '--copy-to', 'x'], dir);
    expect(noTrial.code).toBe(2);
    expect(noTrial.stderr).toMatch(/^sodate artifacts: --copy-to needs a trial/);
    const bad = await runCli(['artifacts', 'demo', 'latest'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'studies', 'artifacts', 'demo', '0', 'model.txt'))).toBe(true);
  });

  it('sodate delete removes the study with its trial directories and logs, --keep-files leaves them', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 3').replace('keep: 2', 'keep: 3') });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const artifacts = join(dir, 'studies', 'artifacts');
    expect(trialDirs(join(artifacts, 'demo')).sort()).toEqual([0, 1, 2]);
    expect(readdirSync(join(dir, 'studies', 'logs', 'demo')).sort()).toEqual(['.sodate-study.json', '0.params.json', '1.params.json', '2.params.json']);
    const kept = await runCli(['delete', 'demo', '--storage', 'studies/demo.db', '--keep-files'], dir);
    expect(kept.stdout).toMatch(/^deleted study demo \(3 trials\) from /);
    expect(trialDirs(join(artifacts, 'demo'))).toHaveLength(3);

    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const deleted = await runCli(['delete', 'demo'], dir);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted study demo \(3 trials, and 3 trial directories\) from /);
    expect(existsSync(join(artifacts, 'demo'))).toBe(false);
    expect(existsSync(join(dir, 'studies', 'logs', 'demo'))).toBe(false);
    expect(existsSync(join(dir, 'studies', 'demo.db'))).toBe(false);
  });

  it('refuses an artifact root under a regular file before any trial, in one line (exit 2), rather than fail every trial', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 3'), blocker: 'a file' });
    const tune = await runCli(['tune', 'space.yaml', '--artifact-dir', 'blocker/artifacts', '--format', 'plain'], dir);
    expect(tune.code).toBe(2);
    expect(tune.stderr).toBe(
      `sodate: cannot use the artifact directory ${join(dir, 'blocker', 'artifacts', 'demo')}: a part of its path is a file, not a directory; give the run a directory it can write (--artifact-dir, or artifacts.dir in the space file)\n`,
    );
    expect(tune.stdout).not.toMatch(/trial \d+ (COMPLETE|FAIL)/);
    expect(await json<TrialJson[]>(['trials', 'demo', '--format', 'json'], dir)).toEqual([]);
  });

  it('says in one line (exit 2) that --copy-to names a file or a folder under one', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 1'), taken: 'a file' });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const onFile = await runCli(['artifacts', 'demo', 'best', '--copy-to', 'taken'], dir);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toBe(`sodate: cannot copy into ${join(dir, 'taken')}: it is a file, not a directory; give --copy-to a directory you can write (it is created if missing)\n`);
    const under = await runCli(['artifacts', 'demo', 'best', '--copy-to', 'taken/best'], dir);
    expect(under.code).toBe(2);
    expect(under.stderr).toBe(`sodate: cannot copy into ${join(dir, 'taken', 'best')}: it lies under the file ${join(dir, 'taken')}; give --copy-to a directory you can write (it is created if missing)\n`);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('a file');
  });

  it('sodate delete goes on past a trial directory it cannot remove, and says in one line what it deleted and what it left where (exit 1)', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 3').replace('keep: 2', 'keep: 3') });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const folder = join(dir, 'studies', 'artifacts', 'demo');
    const stuck = join(folder, '1');
    const deleted = await runCliUnableToRemove(['delete', 'demo'], dir, stuck);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toMatch(/^deleted study demo \(3 trials, and 2 trial directories\) from /);
    expect(deleted.stderr).toBe(`sodate delete: study demo is deleted, with 2 trial directories, but 1 of its files or directories could not be removed: ${stuck} (permission denied); remove them by hand\n`);
    expect(trialDirs(folder)).toEqual([1]);
    expect(existsSync(join(stuck, 'model.txt'))).toBe(true);
    // The rest went all the same: the logs, and the study (with its file, which held no other).
    expect(existsSync(join(dir, 'studies', 'logs', 'demo'))).toBe(false);
    expect(existsSync(join(dir, 'studies', 'demo.db'))).toBe(false);
  });
});

/**
 * Run the CLI unable to remove `stuck` (a trial directory): as root, which may remove
 * anything, as user nobody with everything else in `cwd` open to it; else with `stuck` made
 * read-only (its file cannot be unlinked).
 */
function runCliUnableToRemove(args: readonly string[], cwd: string, stuck: string): Promise<CliResult> {
  const root = process.getuid?.() === 0;
  if (root) openUp(cwd, stuck);
  chmodSync(stuck, 0o555);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [SODATE_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(root ? { uid: 65534, gid: 65534 } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      chmodSync(stuck, 0o755);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Make everything under `dir` but `except` writable by anyone. */
function openUp(dir: string, except: string): void {
  if (dir === except) return;
  chmodSync(dir, statSync(dir).isDirectory() ? 0o777 : 0o666);
  if (statSync(dir).isDirectory()) for (const name of readdirSync(dir)) openUp(join(dir, name), except);
}

describe('a folder of trial directories belongs to one study', () => {
  /** The same space file run against two SQLite files in one folder: the same study name, the same default artifacts/ root. */
  const twoStudies = () => tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 2') });
  const A = ['--storage', 'sqlite:runs/exp-a.db'];
  const B = ['--storage', 'sqlite:runs/exp-b.db'];

  it('refuses a second study of the same name whose storage sits in the same folder, before any trial, leaving the first one’s files alone', async () => {
    const dir = twoStudies();
    expect((await runCli(['tune', 'space.yaml', ...A, '--format', 'plain'], dir)).code).toBe(0);
    const folder = join(dir, 'runs', 'artifacts', 'demo');
    const before = trialDirs(folder).map((n) => readFileSync(join(folder, String(n), 'model.txt'), 'utf8'));
    const second = await runCli(['tune', 'space.yaml', ...B, '--format', 'plain'], dir);
    expect(second.code).toBe(2);
    expect(second.stderr).toBe(
      `sodate: the artifact directory ${folder} belongs to study demo (id 1) of sqlite:${join(dir, 'runs', 'exp-a.db')}, not to this study demo (id 1) of sqlite:${join(dir, 'runs', 'exp-b.db')}; give this study a directory of its own (--artifact-dir, or artifacts.dir in the space file), or remove ${folder} if that study is gone\n`,
    );
    expect(await json<TrialJson[]>(['trials', 'demo', ...B, '--format', 'json'], dir)).toEqual([]);
    expect(trialDirs(folder).map((n) => readFileSync(join(folder, String(n), 'model.txt'), 'utf8'))).toEqual(before);
    expect((await json<ArtifactJson[]>(['artifacts', 'demo', ...A, '--format', 'json'], dir)).map((a) => a.status)).toEqual(['present', 'present']);
    // Its logs would mix with the first one's too: the log folder is claimed the same way.
    const logs = await runCli(['tune', 'space.yaml', ...B, '--artifact-dir', 'runs/artifacts-b', '--format', 'plain'], dir);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toMatch(/^sodate: the log directory \S+runs\/logs\/demo belongs to study demo \(id 1\) of sqlite:\S+exp-a\.db, not to this study demo \(id 1\) of sqlite:\S+exp-b\.db; give this study a directory of its own \(--log-dir\)/);
    // With folders of its own it runs.
    expect((await runCli(['tune', 'space.yaml', ...B, '--artifact-dir', 'runs/artifacts-b', '--log-dir', 'runs/logs-b', '--format', 'plain'], dir)).code).toBe(0);
  });

  it('once another study took the folder over, lists the first one’s files as missing and why, copies none and deletes none of them', async () => {
    const dir = twoStudies();
    expect((await runCli(['tune', 'space.yaml', ...A, '--format', 'plain'], dir)).code).toBe(0);
    const folder = join(dir, 'runs', 'artifacts', 'demo');
    rmSync(folder, { recursive: true });
    // (Its logs stay in the first study's log folder: the second gets one of its own.)
    expect((await runCli(['tune', 'space.yaml', ...B, '--log-dir', 'runs/logs-b', '--format', 'plain'], dir)).code).toBe(0);
    const owner = `${folder} belongs to study demo (id 1) of sqlite:${join(dir, 'runs', 'exp-b.db')}`;

    const listed = await json<ArtifactWhyJson[]>(['artifacts', 'demo', ...A, '--format', 'json'], dir);
    expect(listed.map((a) => [a.trial, a.status, a.why])).toEqual([
      [0, 'missing', owner],
      [1, 'missing', owner],
    ]);
    const table = await runCli(['artifacts', 'demo', ...A], dir);
    expect(table.stdout).not.toMatch(/present/);
    expect(table.stderr).toBe(`sodate artifacts: ${owner}, not to this study; its trials' files there are listed missing\n`);
    const copy = await runCli(['artifacts', 'demo', 'best', ...A, '--copy-to', 'best-model'], dir);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toMatch(/no file of trial \d of study demo is present to copy \(1 missing\)/);
    expect(existsSync(join(dir, 'best-model'))).toBe(false);
    // The report links none of them either.
    const report = await runCli(['report', 'demo', ...A, '-o', 'a.html'], dir);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(join(dir, 'a.html'), 'utf8').match(/model\.txt \(missing\)/g)).toHaveLength(2);

    const deleted = await runCli(['delete', 'demo', ...A], dir);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted study demo \(2 trials\) from sqlite:runs\/exp-a\.db/);
    expect(deleted.stderr).toBe(`sodate delete: left 2 trial directories in ${folder}: it ${owner.slice(folder.length + 1)}, not to this study\n`);
    expect((await json<ArtifactJson[]>(['artifacts', 'demo', ...B, '--format', 'json'], dir)).map((a) => a.status)).toEqual(['present', 'present']);
  });
});

describe('--copy-to a changed file', () => {
  it('does not hand out a file whose contents changed since it was recorded, at the same size', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 10', 'trials: 1') });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const file = join(dir, 'studies', 'artifacts', 'demo', '0', 'model.txt');
    writeFileSync(file, 'x'.repeat(readFileSync(file).length));
    mkdirSync(join(dir, 'out'));
    const copy = await runCli(['artifacts', 'demo', '0', '--copy-to', 'out/best'], dir);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toBe("sodate artifacts: no file of trial 0 of study demo is present to copy (1 changed); `sodate artifacts demo 0` lists each file's status\n");
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });
});
