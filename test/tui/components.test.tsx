import { EventEmitter } from 'node:events';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { createStudy } from '../../src/study/create.js';
import type { DashboardData } from '../../src/tui/index.js';
import { App, DashboardStore, STOP_PROMPT, headerFromStudy, staticSource, startDashboard } from '../../src/tui/index.js';
import { HEADER, T0, recordedRunningStudy, syntheticTrials } from './studies.js';

/** Long enough for a render and its effects (the key handler is re-subscribed after each render), even on a loaded machine. */
const tick = (ms = 150) => new Promise((r) => setTimeout(r, ms));
const ARROW_DOWN = '\u001B[B';
const ENTER = '\r';
const ESCAPE = '\u001B';

const recorded = recordedRunningStudy();
const DEVICE = { host: 'box', gpus: [{ index: 0, utilization: 87, memoryUsedMiB: 12_000, memoryTotalMiB: 24_000 }], cpuUtilization: 12, cpuCount: 8, load1: 1.5, memoryUsedBytes: 8e9, memoryTotalBytes: 32e9 };

const studies: Record<string, DashboardData> = {
  empty: { header: HEADER, trials: [], now: T0, device: null, notice: null },
  running: { header: headerFromStudy(recorded.study, { maxTrials: 40, sampler: 'random', pruner: 'median' }), trials: recorded.trials, now: recorded.recordedAt, device: DEVICE, notice: null },
  '10,000 trials': { header: { ...HEADER, maxTrials: 10_000 }, trials: syntheticTrials({ trials: 10_000, running: 4, steps: 50 }), now: T0 + 10_000 * 30_000, device: DEVICE, notice: null },
};

afterEach(() => cleanup());

describe('<App> on recorded studies', () => {
  for (const [name, data] of Object.entries(studies)) {
    for (const size of [
      { columns: 80, rows: 24 },
      { columns: 160, rows: 48 },
    ]) {
      it(`draws the ${name} study in ${size.columns}×${size.rows} within the screen`, () => {
        const { lastFrame } = render(<App source={staticSource(data)} mode="attach" size={size} />);
        const lines = (lastFrame() ?? '').split('\n');
        expect(lines.length).toBeLessThanOrEqual(size.rows - 1);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(size.columns);
        expect(lines[0]).toContain(`sodate ${data.header.name}`);
        expect(lines.at(-1)).toContain('↑↓ select');
      });
    }
  }

  it('shows the running trial with its slot, device and step, and the GPU', () => {
    const { lastFrame } = render(<App source={staticSource(studies['running'] as DashboardData)} mode="attach" size={{ columns: 100, rows: 30 }} />);
    expect(lastFrame()).toMatch(/#39\s+cpu#\d\s+cpu\s+9\/-/);
    expect(lastFrame()).toContain('GPU0 87%');
  });

  it('shows the device panel with bars from 120 columns', () => {
    const { lastFrame } = render(<App source={staticSource(studies['10,000 trials'] as DashboardData)} mode="attach" size={{ columns: 130, rows: 30 }} />);
    expect(lastFrame()).toMatch(/GPU0 util █+/);
    expect(lastFrame()).toMatch(/1-\d+ of 9996/);
  });
});

describe('<App> keys', () => {
  const size = { columns: 100, rows: 30 };
  it('↓ selects, Enter opens the details, Esc closes them', async () => {
    const { lastFrame, stdin } = render(<App source={staticSource(studies['running'] as DashboardData)} mode="attach" size={size} />);
    await tick();
    stdin.write(ARROW_DOWN);
    await tick();
    stdin.write(ENTER);
    await tick();
    expect(lastFrame()).toContain('trial #39');
    expect(lastFrame()).toContain('parameters (2)');
    stdin.write(ESCAPE);
    await tick();
    expect(lastFrame()).not.toContain('trial #39');
    expect(lastFrame()).toContain('─ running 1');
  });

  it('↓ twice moves into the finished list, whose detail shows that trial', async () => {
    const { lastFrame, stdin } = render(<App source={staticSource(studies['running'] as DashboardData)} mode="attach" size={size} initialSort="number" />);
    await tick();
    stdin.write(ARROW_DOWN);
    await tick();
    stdin.write(ARROW_DOWN);
    await tick();
    stdin.write(ENTER);
    await tick();
    expect(lastFrame()).toContain('trial #0');
    expect(lastFrame()).toContain('diverged: loss is NaN at step 3');
  });

  it('s cycles the sort order', async () => {
    const { lastFrame, stdin } = render(<App source={staticSource(studies['running'] as DashboardData)} mode="attach" size={size} />);
    await tick();
    expect(lastFrame()).toContain('sort: recent');
    stdin.write('s');
    await tick();
    expect(lastFrame()).toContain('sort: best');
    stdin.write('s');
    await tick();
    expect(lastFrame()).toContain('sort: number');
  });

  it('q leaves an attached view', async () => {
    const onQuit = vi.fn();
    const { stdin } = render(<App source={staticSource(studies['empty'] as DashboardData)} mode="attach" size={size} onQuit={onQuit} />);
    await tick();
    stdin.write('q');
    await tick();
    expect(onQuit).toHaveBeenCalledOnce();
  });

  it('q in tune asks before stopping: n keeps going, y asks the run to stop', async () => {
    const onStopRequest = vi.fn();
    const { lastFrame, stdin } = render(<App source={staticSource(studies['running'] as DashboardData)} mode="tune" size={size} onStopRequest={onStopRequest} />);
    await tick();
    stdin.write('q');
    await tick();
    expect(lastFrame()).toContain(STOP_PROMPT);
    stdin.write('n');
    await tick();
    expect(lastFrame()).not.toContain(STOP_PROMPT);
    expect(onStopRequest).not.toHaveBeenCalled();
    stdin.write('q');
    // Under load a fixed pause can end before Ink has handled the key: wait for the prompt itself.
    await vi.waitFor(() => expect(lastFrame()).toContain(STOP_PROMPT));
    stdin.write('y');
    await vi.waitFor(() => expect(onStopRequest).toHaveBeenCalledOnce());
  });

  it('Ctrl-C goes to onInterrupt (raw mode swallows the signal)', async () => {
    const onInterrupt = vi.fn();
    const { stdin } = render(<App source={staticSource(studies['empty'] as DashboardData)} mode="tune" size={size} onInterrupt={onInterrupt} />);
    await tick();
    stdin.write('\u0003');
    await tick();
    expect(onInterrupt).toHaveBeenCalledOnce();
  });

  it('without a terminal on stdin, lists no keys and reads none', async () => {
    const onQuit = vi.fn();
    const { lastFrame, stdin } = render(<App source={staticSource(studies['empty'] as DashboardData)} mode="attach" keys={false} size={size} onQuit={onQuit} />);
    await tick();
    stdin.write('q');
    await tick();
    expect(onQuit).not.toHaveBeenCalled();
    expect(lastFrame()).not.toContain('↑↓ select');
  });
});

describe('<App> live', () => {
  it('redraws when the store gets new trials', async () => {
    const store = new DashboardStore({ header: HEADER, trials: [], now: T0, device: null, notice: null });
    const { lastFrame } = render(<App source={store} mode="attach" size={{ columns: 100, rows: 30 }} />);
    expect(lastFrame()).toContain('0/60');
    store.update({ trials: syntheticTrials({ trials: 12, running: 2 }), now: T0 + 400_000 });
    await tick();
    expect(lastFrame()).toContain('12/60');
    expect(lastFrame()).toContain('─ running 2');
    store.update({ notice: 'stopping after the running trials' });
    await tick();
    expect(lastFrame()).toContain('stopping after the running trials');
  });
});

describe('<App> resized', () => {
  it('asks for a larger terminal below 60×16 and lays the dashboard out again once enlarged', async () => {
    const { lastFrame, stdout } = render(<App source={staticSource(studies['running'] as DashboardData)} mode="attach" />);
    const resize = async (columns: number) => {
      Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
      stdout.emit('resize');
      await tick();
    };
    expect(lastFrame()).toContain('↑↓ select');
    await resize(50);
    const small = (lastFrame() ?? '').split('\n');
    expect(small.map((l) => l.trim())).toContain('sodate: enlarge the terminal to 60×16 (now 50×24)');
    for (const line of small) expect(line.length).toBeLessThanOrEqual(49);
    await resize(100);
    expect(lastFrame()).toContain('↑↓ select');
    expect(lastFrame()).not.toContain('enlarge');
  });
});

/** A stream that collects what is written, as a non-terminal. */
class FakeStream extends EventEmitter {
  readonly isTTY = false;
  columns = 100;
  rows = 30;
  text = '';
  write(chunk: string, callback?: () => void): boolean {
    this.text += chunk;
    callback?.();
    return true;
  }
}

describe('startDashboard (the Reporter for sodate tune)', () => {
  it('follows the study through its storage, works without a terminal on stdin, and prints the outcome on close', async () => {
    const study = await createStudy({ name: 'rep', storage: 'memory:', userAttrs: { metric: 'acc' }, direction: 'maximize' });
    const stdout = new FakeStream();
    const stdin = new FakeStream();
    const reporter = startDashboard({ study, stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, onStopRequest: () => undefined, refreshMs: 20, devices: false });
    reporter.studyStart?.({ study, metric: 'acc', samplerName: 'tpe', prunerName: 'asha', maxTrials: 3, timeoutSeconds: undefined, resumedFrom: 0 });
    for (let i = 0; i < 3; i++) {
      const trial = await study.ask();
      reporter.trialStart?.({ number: trial.number, params: {} });
      await trial.report(0, i / 10);
      await tick(30);
      reporter.trialFinish?.(await study.tell(trial, i / 10), study);
    }
    await study.refresh();
    reporter.studyEnd?.(study, 'budget');
    await tick(80);
    expect(stdout.text).toContain('sodate rep');
    expect(stdout.text).toContain('sampler tpe · pruner asha');
    expect(stdout.text).toContain('3/3');
    await reporter.close();
    expect(stdout.text).toContain('study rep: done (budget reached): 3 trials, 3 complete, 0 pruned, 0 failed');
    expect(stdout.text).toContain('best acc=0.2 at trial 2');
    await study.close();
  });
});

describe('styled lines', () => {
  it('colours spans by tone, one escape for neighbouring spans of one style, none without colour', async () => {
    const { styleLine } = await import('../../src/tui/index.js');
    expect(styleLine([{ text: 'a', tone: 'good' }, { text: 'b', tone: 'good' }, { text: 'c' }], true)).toBe('\u001B[32mab\u001B[0mc');
    expect(styleLine([{ text: 'sel', inverse: true, bold: true }], true)).toBe('\u001B[1;7msel\u001B[0m');
    expect(styleLine([{ text: 'a', tone: 'good' }], false)).toBe('a');
  });
});
