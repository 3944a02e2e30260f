/**
 * The dashboard in a real terminal: `sodate tune` under tmux (fixed-size sessions), keys
 * sent with `send-keys`, the screen read with `capture-pane`; and `sodate dashboard`
 * attached from a second pane to the same study.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SODATE_BIN, tempProject } from '../helpers/cli.js';

function haveTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

/** tmux, installed if missing and we may (root with apt-get, as in CI); else the reason it is absent. */
function ensureTmux(): string | undefined {
  if (haveTmux()) return undefined;
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
    spawnSync('apt-get', ['install', '-y', '-qq', 'tmux'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (haveTmux()) return undefined;
  }
  return 'tmux is not installed and could not be installed (apt-get install tmux)';
}

const skipReason = ensureTmux();
if (skipReason !== undefined) console.warn(`skipping the tmux dashboard tests: ${skipReason}`);

// A server of our own, so nothing touches the developer's tmux sessions.
const SOCKET = `sodate-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const capture = (target: string) => tmux('capture-pane', '-p', '-t', target);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll the pane until `test` holds; fail with the last screen. */
async function waitForScreen(target: string, test: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < until) {
    screen = capture(target);
    if (test(screen)) return screen;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; the screen was:\n${screen}`);
}

const OBJECTIVE = `
export async function objective(trial) {
  const { x } = trial.params;
  for (let step = 0; step < 15; step++) {
    await new Promise((r) => setTimeout(r, 100));
    await trial.report(step, (x - 0.3) ** 2 + 1 / (step + 1));
  }
  return (x - 0.3) ** 2 + (trial.params.kind === 'b' ? 0.1 : 0);
}
`;

function space(trials: number): string {
  return `study: live
metric: val_loss
objective: { module: ./objective.mjs }
sampler: { kind: random, seed: 1 }
pruner: { kind: none }
budget: { trials: ${trials} }
workers: { devices: cpu, perDevice: 2 }
params:
  x: { float: [0.0, 1.0] }
  kind: { choice: [a, b] }
`;
}

/** Run a sodate command in a pane that stays open afterwards and prints the exit code. CI=0: Ink draws only the last frame in CI. */
function paneCommand(args: string): string {
  return `env CI=0 CONTINUOUS_INTEGRATION=0 TERM=xterm-256color ${JSON.stringify(process.execPath)} ${JSON.stringify(SODATE_BIN)} ${args}; echo "EXIT=$?"; sleep 600`;
}

describe.skipIf(skipReason !== undefined)('the dashboard in a terminal (tmux)', () => {
  beforeAll(() => {
    tmux('start-server');
  });
  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  });

  it('sodate tune in 80×24 shows the study, its progress and running trials; q + y stops it gracefully', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space(40) });
    tmux('new-session', '-d', '-s', 'small', '-x', '80', '-y', '24', '-c', dir, paneCommand('tune space.yaml'));
    const screen = await waitForScreen('small', (s) => /#\d+\s+cpu#\d\s+cpu\s+\d+\/-/.test(s), 'a running trial with its slot');
    expect(screen).toContain('sodate live');
    expect(screen).toMatch(/\d+\/40 ✓\d+ ✂\d+ ✗\d+ ▶[12]/);
    expect(screen).toContain('─ running');
    expect(screen).toContain('↑↓ select');
    // Everything fits: no line wider than the terminal, nothing scrolled off the top.
    expect(screen.split('\n')[0]).toMatch(/^sodate live/);

    tmux('send-keys', '-t', 'small', 'Down', 'Enter');
    await waitForScreen('small', (s) => /─ trial #\d+/.test(s) && s.includes('parameters (2)'), 'the details of a trial');
    tmux('send-keys', '-t', 'small', 'Escape');
    await waitForScreen('small', (s) => s.includes('─ running'), 'the main view again');

    tmux('send-keys', '-t', 'small', 'q');
    await waitForScreen('small', (s) => s.includes('Stop the study?'), 'the stop question');
    tmux('send-keys', '-t', 'small', 'y');
    const end = await waitForScreen('small', (s) => s.includes('EXIT='), 'tune to exit', 45_000);
    // The terminal is ours again: the outcome is printed on the normal screen, the run stopped early.
    expect(end).toMatch(/study live: done \(interrupted\): \d+ trials/);
    expect(end).toContain('EXIT=130');
    const done = Number(/done \(interrupted\): (\d+) trials/.exec(end)?.[1]);
    expect(done).toBeLessThan(40);
    expect(end).not.toContain('Error');
  });

  it('sodate dashboard attached from a second pane follows the same study, and q leaves it without stopping the run', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space(60) });
    const left = tmux('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', 'split', '-x', '201', '-y', '30', '-c', dir, paneCommand('tune space.yaml')).trim();
    await waitForScreen(left, (s) => /▶[12]/.test(s) && s.includes('sodate live'), 'tune to run trials');
    const right = tmux('split-window', '-h', '-P', '-F', '#{pane_id}', '-t', left, '-c', dir, paneCommand('dashboard live')).trim();
    const attached = await waitForScreen(right, (s) => /#\d+\s+cpu#\d\s+cpu/.test(s) && /✓[1-9]/.test(s), 'the attached dashboard to show running and finished trials');
    expect(attached).toMatch(/^sodate live/);
    expect(attached).toMatch(/\d+\/60 ✓\d+/);
    // The tune pane was resized by the split and redraws cleanly at its new width.
    const tune = await waitForScreen(left, (s) => /^sodate live/.test(s) && s.split('\n').every((l) => l.length <= 100), 'tune to redraw at the new width');
    expect(tune).toContain('─ running');

    // Both show the same study moving on: the attached view's counts grow.
    const count = (s: string) => Number(/(\d+)\/60/.exec(s)?.[1] ?? 0);
    const before = count(capture(right));
    await waitForScreen(right, (s) => count(s) > before, 'the attached view to follow new trials');

    tmux('send-keys', '-t', right, 'q');
    const left2 = await waitForScreen(right, (s) => s.includes('EXIT='), 'the attached dashboard to exit');
    expect(left2).toContain('EXIT=0');
    expect(capture(left)).not.toContain('EXIT=');

    tmux('send-keys', '-t', left, 'q');
    await waitForScreen(left, (s) => s.includes('Stop the study?'), 'the stop question');
    tmux('send-keys', '-t', left, 'y');
    await waitForScreen(left, (s) => s.includes('EXIT=130'), 'tune to stop', 45_000);
  });
});
