import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject, startCli } from '../helpers/cli.js';

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
    expect(readdirSync(root).map(Number).sort((a, b) => a - b)).toEqual([...best].sort((a, b) => a - b));
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
    expect(readdirSync(join(artifacts, 'demo')).sort()).toEqual(['0', '1', '2']);
    expect(readdirSync(join(dir, 'studies', 'logs', 'demo')).sort()).toEqual(['0.params.json', '1.params.json', '2.params.json']);
    const kept = await runCli(['delete', 'demo', '--storage', 'studies/demo.db', '--keep-files'], dir);
    expect(kept.stdout).toMatch(/^deleted study demo \(3 trials\) from /);
    expect(readdirSync(join(artifacts, 'demo'))).toHaveLength(3);

    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    const deleted = await runCli(['delete', 'demo'], dir);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted study demo \(3 trials, and 3 trial directories\) from /);
    expect(existsSync(join(artifacts, 'demo'))).toBe(false);
    expect(existsSync(join(dir, 'studies', 'logs', 'demo'))).toBe(false);
    expect(existsSync(join(dir, 'studies', 'demo.db'))).toBe(false);
  });
});
