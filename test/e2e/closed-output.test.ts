import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli, SODATE_BIN, tempProject } from '../helpers/cli.js';

/** A command trial that takes a moment. */
const TRAIN = `
const x = Number(process.env.SODATE_PARAM_X);
await new Promise((r) => setTimeout(r, 150));
console.log(JSON.stringify({ value: (x - 0.3) ** 2 }));
`;

const space = (trials: number) => `study: demo
objective: { command: [node, train.mjs] }
sampler: { kind: random }
pruner: { kind: none }
budget: { trials: ${trials} }
workers: { devices: cpu, perDevice: 2 }
params:
  x: { float: [0.0, 1.0] }
`;

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Start `sodate` with stdout and stderr piped to this process, as `sodate … | head` would. */
function start(args: readonly string[], cwd: string): { child: Child; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [SODATE_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

/** Close the read end of `child`'s stdout once it printed a line matching `re` (the reader exits, like `head`). */
function closeStdoutAfter(child: Child, re: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!re.test(out)) return;
      child.stdout.off('data', onData);
      child.stdout.destroy();
      resolve();
    };
    child.stdout.on('data', onData);
  });
}

/** Resolves once `child` printed a line matching `re`; its stdout is read on to the end. */
function printed(child: Child, re: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (re.test(out)) resolve();
    });
  });
}

async function statesOf(dir: string): Promise<string[]> {
  const trials = await runCli(['trials', 'demo', '--format', 'json'], dir);
  expect(trials.code, trials.stderr).toBe(0);
  return (JSON.parse(trials.stdout) as { state: string }[]).map((t) => t.state);
}

const CLOSED_NOTE = (command: string) => `sodate ${command}: the output was closed (its reader exited); no new trials, the running ones finish and are recorded\n`;

describe('a closed stdout (`sodate … | head`)', () => {
  it('ends a reading command quietly with exit code 0', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(2) });
    expect((await runCli(['tune', 'space.yaml', '--no-tui'], dir)).code).toBe(0);
    for (const args of [['trials', 'demo'], ['best', 'demo'], ['studies']]) {
      const { child, stderr, exit } = start(args, dir);
      // The reader is gone before the command prints its first line: that write fails with EPIPE.
      child.stdout.destroy();
      expect(await exit, `${args.join(' ')}: ${stderr()}`).toBe(0);
      expect(stderr()).toBe('');
    }
  });

  it('stops tune like a first Ctrl-C: no new trials, the running ones recorded, none left running', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(40) });
    const { child, stderr, exit } = start(['tune', 'space.yaml', '--no-tui'], dir);
    await closeStdoutAfter(child, /trial \d+ COMPLETE/);
    expect(await exit).toBe(130);
    expect(stderr()).toBe(CLOSED_NOTE('tune'));
    const states = await statesOf(dir);
    expect(states.length).toBeLessThan(40);
    expect(states.every((s) => s === 'COMPLETE')).toBe(true);
  });

  it('stops a worker the same way while the study goes on in tune', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': space(40) });
    const tune = start(['tune', 'space.yaml', '--no-tui'], dir);
    await printed(tune.child, /trial \d+ COMPLETE/);
    const worker = start(['worker', 'demo'], dir);
    await closeStdoutAfter(worker.child, /trial \d+ COMPLETE/);
    expect(await worker.exit).toBe(130);
    expect(worker.stderr()).toBe(CLOSED_NOTE('worker'));
    expect(await tune.exit).toBe(0);
    expect(await statesOf(dir)).toEqual(Array.from({ length: 40 }, () => 'COMPLETE'));
  });
});
