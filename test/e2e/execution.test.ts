import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempProject, startCli } from '../helpers/cli.js';

const SLOW = `
export async function objective(trial) {
  for (let step = 0; step < 4; step++) {
    await new Promise((r) => setTimeout(r, 100));
    await trial.report(step, trial.params.x + 1 / (step + 1));
  }
  return trial.params.x;
}
`;

function space(trials: number, extra = ''): string {
  return `study: demo
objective: { module: ./objective.mjs }
sampler: { kind: random }
pruner: { kind: none }
budget: { trials: ${trials} }
workers: { devices: cpu, perDevice: 2 }
${extra}params:
  x: { float: [0.0, 1.0] }
`;
}

interface TrialJson {
  number: number;
  state: string;
  params: Record<string, unknown>;
  device?: string;
  slot?: string;
  retry_of?: number;
}

async function trialsOf(dir: string, extra: string[] = []): Promise<TrialJson[]> {
  const result = await runCli(['trials', 'demo', '--format', 'json', ...extra], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TrialJson[];
}


describe('sodate tune with worker threads and processes', () => {
  it('resumes after the orchestrator is killed with SIGKILL: stale trials failed and retried, budget kept, nothing left running', async () => {
    const dir = tempProject({ 'objective.mjs': SLOW, 'space.yaml': space(8, 'retries: 1\n') });
    const first = startCli(['tune', 'space.yaml', '--stale-after', '1'], dir);
    await first.seen(/trial \d+ COMPLETE/);
    first.child.kill('SIGKILL');
    await first.exit;
    const before = await trialsOf(dir);
    const orphans = before.filter((t) => t.state === 'RUNNING').length;
    expect(orphans).toBeGreaterThan(0);
    await sleep(1500);
    const second = await runCli(['tune', 'space.yaml', '--stale-after', '1'], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/was left running by a process that died/);
    // A grace this short is for one process alone: the run says what it does to others.
    expect(second.stdout).toMatch(/--stale-after 1s is shorter than 15s: a sodate process started without it beats every 5s, so this run would fail such a process's live trials as dead/);
    const trials = await trialsOf(dir);
    expect(trials.map((t) => t.number)).toEqual([...Array(trials.length).keys()]);
    expect(trials.filter((t) => t.state === 'RUNNING')).toEqual([]);
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(8);
    const failed = trials.filter((t) => t.state === 'FAIL');
    expect(failed).toHaveLength(orphans);
    expect(trials.length).toBe(8 + orphans);
    for (const f of failed) {
      const retry = trials.find((t) => t.retry_of === f.number);
      // A trial killed between its creation and its parameters' write has none to repeat: its retry samples afresh.
      if (Object.keys(f.params).length > 0) expect(retry?.params).toEqual(f.params);
      expect(retry?.state).toBe('COMPLETE');
    }
    for (const t of trials.filter((t) => t.state === 'COMPLETE')) expect(t.slot).toMatch(/^cpu#[01]$/);
  });

  it('stops asking at the first Ctrl-C, lets the running trials finish, and exits with 130', async () => {
    const dir = tempProject({ 'objective.mjs': SLOW, 'space.yaml': space(50) });
    const run = startCli(['tune', 'space.yaml'], dir);
    await run.seen(/^storage /m);
    await sleep(150);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.out()).toMatch(/stopping after the running trials/);
    const trials = await trialsOf(dir);
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.length).toBeLessThan(50);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  });

  it('lets `sodate worker` join a running study: every trial numbered once, budget kept', async () => {
    const dir = tempProject({ 'objective.mjs': SLOW, 'space.yaml': space(12) });
    const lead = startCli(['tune', 'space.yaml', '--per-device', '1'], dir);
    await lead.seen(/^storage /m);
    const worker = await runCli(['worker', 'demo', '--per-device', '1', '--isolation', 'process'], dir);
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stdout).toMatch(/worker for demo .*1 process slot/);
    expect(await lead.exit).toBe(0);
    const trials = await trialsOf(dir);
    expect(trials.map((t) => t.number)).toEqual([...Array(12).keys()]);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    const byWorker = [...worker.stdout.matchAll(/^trial (\d+) COMPLETE/gm)].map((m) => Number(m[1]));
    const byLead = [...lead.out().matchAll(/^trial (\d+) COMPLETE/gm)].map((m) => Number(m[1]));
    expect(byWorker.length).toBeGreaterThan(0);
    expect([...byWorker, ...byLead].sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
  });

  it('refuses `sodate worker` for a study tune never started', async () => {
    const result = await runCli(['worker', 'nope'], tempProject());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sodate worker nope: studies\/nope\.db does not exist/);
  });
});

describe('a command objective whose program cannot start', () => {
  it('is refused in one line before the study is created, so a typo costs no failed trial', async () => {
    const dir = tempProject({ 'space.yaml': 'study: typo\nobjective: { command: [pyhton3, train.py] }\nbudget: { trials: 3 }\nparams:\n  x: { float: [0, 1] }\n' });
    const result = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('sodate: the command\'s program "pyhton3" is not on PATH; install it, or give its path in objective.command in the space file\n');
    expect(existsSync(join(dir, 'studies', 'typo.db'))).toBe(false);
  });
});

describe('the PyTorch command example', () => {
  it('runs as a command study in fake-training mode; `sodate logs` prints a trial\'s output', async () => {
    const dir = tempProject();
    const storage = `sqlite:${join(dir, 'p.db')}`;
    const file = join(REPO_ROOT, 'search-spaces/pytorch-command.yaml');
    const tune = await runCli(['tune', file, '--storage', storage, '--trials', '4', '--devices', 'cpu', '--per-device', '2'], dir, { env: { SODATE_FAKE_TRAINING: '1' } });
    expect(tune.code, tune.stderr).toBe(0);
    expect(tune.stdout).toMatch(/done \(budget reached\): 4 trials/);
    const trials = JSON.parse((await runCli(['trials', 'pytorch-command', '--storage', storage, '--format', 'json'], dir)).stdout) as TrialJson[];
    expect(trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toHaveLength(4);
    expect(trials.every((t) => t.device === 'cpu')).toBe(true);
    const logs = await runCli(['logs', 'pytorch-command', '0', '--storage', storage], dir);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^train\.py: trial 0 on cpu \(CUDA_VISIBLE_DEVICES=''\)/);
    expect(logs.stdout).toMatch(/epoch 0: /);
    expect(logs.stdout).not.toMatch(/"step"/);
  });
});
