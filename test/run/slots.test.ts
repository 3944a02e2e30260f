import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InlineSlots } from '../../src/run/inline-slots.js';
import { ProcessSlots } from '../../src/run/process-slots.js';
import type { SlotRunner } from '../../src/run/slots.js';
import { ThreadSlots } from '../../src/run/thread-slots.js';
import { byNumber, fixtureDir, runWith, thresholdPruner } from './fixtures.js';

type Kind = 'thread' | 'process' | 'inline';

function runnerFor(kind: Kind, dir: string, exportName: string): SlotRunner {
  const objective = { kind: 'module' as const, path: join(dir, 'objectives.mjs'), exportName };
  if (kind === 'thread') return new ThreadSlots({ objective, threads: 2 });
  if (kind === 'process') return new ProcessSlots({ objective, killGraceSeconds: 1 });
  return new InlineSlots(objective);
}

describe.each<Kind>(['thread', 'process', 'inline'])('%s slots', (kind) => {
  it('carry reports across the boundary and stop a trial the pruner prunes', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, 'steps'), { maxTrials: 6, pruner: thresholdPruner(0.5), enqueue: [{ x: 0.2 }, { x: 0.9 }] });
    expect(trials).toHaveLength(6);
    for (const t of trials) {
      const x = t.params['x'] as number;
      if (x > 0.5) {
        expect(t.state).toBe('PRUNED');
        expect([...t.intermediateValues.keys()]).toEqual([0, 1]);
      } else {
        expect(t.state).toBe('COMPLETE');
        expect(t.values).toEqual([x]);
        expect([...t.intermediateValues.keys()]).toEqual([0, 1, 2, 3]);
      }
    }
  });

  it('ignores reports after a stop and records the trial as pruned even if it returns', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, 'keepsReporting'), { maxTrials: 1, pruner: thresholdPruner(0.5), enqueue: [{ x: 0.9 }] });
    expect(trials[0]?.state).toBe('PRUNED');
    expect([...(trials[0]?.intermediateValues.keys() ?? [])]).toEqual([0, 1]);
  });

  it('carry folds across the boundary keyed by fold index; a trial that returns nothing gets their mean', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, 'folds'), { maxTrials: 4, pruner: thresholdPruner(0.5), enqueue: [{ x: 0.2 }, { x: 0.9 }] });
    for (const t of trials) {
      const x = t.params['x'] as number;
      if (x + 0.1 > 0.5) {
        expect(t.state).toBe('PRUNED');
        expect([...t.intermediateValues.keys()]).toEqual([1]);
      } else {
        expect(t.state).toBe('COMPLETE');
        expect([...t.intermediateValues.keys()].sort()).toEqual([0, 1, 2, 3]);
        expect(t.values?.[0]).toBeCloseTo(x + 0.15, 12);
        expect(t.systemAttrs['sodate:folds']).toBe(true);
      }
    }
  });

  it('fails a trial that reports a fold twice even when its code catches the refusal', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, 'foldTwice'), { maxTrials: 1 });
    expect(trials[0]?.state).toBe('FAIL');
    expect(trials[0]?.systemAttrs['fail_reason']).toMatch(/^fold 0 was reported twice \(first [\d.e-]+, then [\d.e-]+\); report each fold once$/);
  });

  it('records a throwing objective as FAIL with its message and goes on', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, 'throws'), { maxTrials: 3 });
    expect(trials.map((t) => [t.state, t.systemAttrs['fail_reason']])).toEqual(Array(3).fill(['FAIL', 'boom: objective failed']));
  });

  it('stops the run when the objective cannot load (a missing export): the same error would fail every trial', async () => {
    await expect(runWith(runnerFor(kind, fixtureDir(), 'noSuchExport'), { maxTrials: 6 })).rejects.toMatchObject({ code: 'SODATE_OBJECTIVE_LOAD' });
  });

  it('fails a trial whose value is not a number', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, 'returnsText'), { maxTrials: 1 });
    expect(trials[0]?.state).toBe('FAIL');
    expect(trials[0]?.systemAttrs['fail_reason']).toMatch(/expected a number/);
  });

  it('stores the slot and device on each trial', async () => {
    const dir = fixtureDir();
    const { trials, started } = await runWith(runnerFor(kind, dir, 'whereAmI'), { maxTrials: 4 });
    for (const t of trials) {
      expect(t.systemAttrs['sodate:device']).toBe('cpu');
      expect(t.systemAttrs['sodate:slot']).toMatch(/^cpu#[01]$/);
      expect(t.userAttrs['trial']).toEqual({ device: 'cpu', slot: t.systemAttrs['sodate:slot'], number: t.number });
    }
    expect(started.map((s) => s.device)).toEqual(['cpu', 'cpu', 'cpu', 'cpu']);
  });
});

describe.each<Kind>(['thread', 'process'])('%s slots that hang or die', (kind) => {
  it('stop a hanging trial at its timeout and record it as FAIL; the study goes on', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor(kind, dir, kind === 'thread' ? 'busyForever' : 'sleepForever'), { maxTrials: 3, trialTimeoutSeconds: 0.5 });
    expect(trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'FAIL']);
    for (const t of trials) expect(t.systemAttrs['fail_reason']).toBe('timed out after 0.5s');
  });

  it('fail a trial whose slot died (kill -9 of the process, exit of the thread) and retry it with the same parameters', async () => {
    const dir = fixtureDir();
    const { trials, notices } = await runWith(runnerFor(kind, dir, 'crashOnce'), { maxTrials: 2, retries: 1, enqueue: [{ x: 0.25 }, { x: 0.75 }] });
    // Two crashed, two retries: numbers 0..3, the budget of 2 good trials respected.
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    const first = trials.filter((t) => t.state === 'FAIL');
    const retried = trials.filter((t) => t.state === 'COMPLETE');
    expect(first).toHaveLength(2);
    expect(retried).toHaveLength(2);
    for (const t of first) expect(t.systemAttrs['fail_reason']).toMatch(kind === 'process' ? /trial process killed by SIGKILL/ : /worker thread died/);
    for (const t of retried) {
      const original = byNumber(trials).get(t.systemAttrs['sodate:retry_of'] as number);
      expect(original?.state).toBe('FAIL');
      expect(t.params).toEqual(original?.params);
      expect(t.systemAttrs['sodate:retries']).toBe(1);
    }
    expect(notices.filter((n) => /re-queued with the same parameters/.test(n))).toHaveLength(2);
    expect(existsSync(join(dir, 'crashed-0.25'))).toBe(true);
  });
});

/** Objectives that print, or die in ways a slot must explain (a module of their own beside the shared fixtures). */
const DYING = `
export function prints(trial) {
  console.log('log line of trial ' + trial.number);
  console.error('error line of trial ' + trial.number);
  process.stdout.write(Buffer.from('raw write of trial ' + trial.number + '\\n'));
  return 0;
}
export function asyncThrow() {
  setTimeout(() => { throw new Error('async uncaught boom'); });
  return new Promise(() => {});
}
export function rejectsObject() {
  Promise.reject({ code: 5 });
  return new Promise(() => {});
}
export function throwsObject() { throw { code: 5 }; }
export async function handlesItsOwn() {
  const seen = [];
  const listener = (error) => seen.push(error.message);
  process.on('uncaughtException', listener);
  setTimeout(() => { throw new Error('thrown'); });
  Promise.reject(new Error('rejected'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.off('uncaughtException', listener);
  return seen.sort().join(',') === 'rejected,thrown' ? 1 : 0;
}
export function exhaustsHeap() {
  const kept = [];
  for (;;) kept.push(new Array(1e6).fill(Math.random()));
}
`;

function dyingRunner(kind: 'thread' | 'process', dir: string, exportName: string): SlotRunner {
  const objective = { kind: 'module' as const, path: join(dir, 'dying.mjs'), exportName };
  return kind === 'thread' ? new ThreadSlots({ objective, threads: 2 }) : new ProcessSlots({ objective, killGraceSeconds: 1 });
}

/** What this process writes to its stdout while `run` runs (where a slot's output must not go). */
async function ownStdout<T>(run: () => Promise<T>): Promise<{ result: T; written: string }> {
  const original = process.stdout.write;
  let written = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    written += String(chunk);
    return (original as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    const result = await run();
    // A worker's stdout reaches this thread asynchronously: give a stray write time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { result, written };
  } finally {
    process.stdout.write = original;
  }
}

describe.each<'thread' | 'process'>(['thread', 'process'])('%s slots and what a trial prints or dies of', (kind) => {
  it("keep what the objective prints (console.log, console.error, stdout writes) in its trial's log, never on the tuner's stdout", async () => {
    const dir = fixtureDir({ 'dying.mjs': DYING });
    const { result, written } = await ownStdout(() => runWith(dyingRunner(kind, dir, 'prints'), { maxTrials: 3, logDir: join(dir, 'logs') }));
    expect(result.trials).toHaveLength(3);
    for (const t of result.trials) {
      const log = readFileSync(join(dir, 'logs', result.study.name, `${t.number}.log`), 'utf8');
      expect(log.split('\n').sort()).toEqual(['', `error line of trial ${t.number}`, `log line of trial ${t.number}`, `raw write of trial ${t.number}`]);
      expect(t.systemAttrs['sodate:log_tail']).toBe(log);
    }
    expect(written).not.toMatch(/of trial/);
  });

  it('fail a trial whose slot died of an uncaught async throw with that error\'s message', async () => {
    const { trials } = await runWith(dyingRunner(kind, fixtureDir({ 'dying.mjs': DYING }), 'asyncThrow'), { maxTrials: 1 });
    expect(trials[0]?.systemAttrs['fail_reason']).toBe(kind === 'process' ? 'trial process exited with code 1: async uncaught boom' : 'worker thread died: async uncaught boom');
  });

  it('fail a trial whose slot died of an unhandled rejection with the rejected value as JSON', async () => {
    const { trials } = await runWith(dyingRunner(kind, fixtureDir({ 'dying.mjs': DYING }), 'rejectsObject'), { maxTrials: 1 });
    expect(trials[0]?.systemAttrs['fail_reason']).toBe(kind === 'process' ? 'trial process exited with code 1: {"code":5}' : 'worker thread died: {"code":5}');
  });

  it('leave an uncaught error and a rejection to an objective that listens for uncaught errors itself', async () => {
    const { trials } = await runWith(dyingRunner(kind, fixtureDir({ 'dying.mjs': DYING }), 'handlesItsOwn'), { maxTrials: 1 });
    expect(trials[0]?.values).toEqual([1]);
  });

  it('record a thrown plain object as its JSON, not [object Object]', async () => {
    const { trials } = await runWith(dyingRunner(kind, fixtureDir({ 'dying.mjs': DYING }), 'throwsObject'), { maxTrials: 1 });
    expect(trials[0]?.systemAttrs['fail_reason']).toBe('{"code":5}');
  });
});

describe('process slots whose child runs out of memory', () => {
  it("fail the trial with V8's out-of-memory line, not only the signal", async () => {
    const before = process.env['NODE_OPTIONS'];
    process.env['NODE_OPTIONS'] = `${before ?? ''} --max-old-space-size=64`;
    try {
      const { trials } = await runWith(dyingRunner('process', fixtureDir({ 'dying.mjs': DYING }), 'exhaustsHeap'), { maxTrials: 1 });
      expect(trials[0]?.systemAttrs['fail_reason']).toMatch(/^trial process killed by SIGABRT: FATAL ERROR: .*JavaScript heap out of memory$/);
    } finally {
      if (before === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = before;
    }
  });
});

describe('thread slots', () => {
  it('forward a suggest for an undeclared parameter to the loop (define-by-run across the thread boundary)', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor('thread', dir, 'defineByRun'), { maxTrials: 4 });
    for (const t of trials) {
      expect(t.state).toBe('COMPLETE');
      const y = t.params['y'] as number;
      expect(y).toBeGreaterThanOrEqual(10);
      expect(y).toBeLessThanOrEqual(20);
      expect(t.userAttrs['seen']).toEqual({ y, again: y, k: t.params['k'] });
      expect(t.values?.[0]).toBeCloseTo((t.params['x'] as number) + y, 12);
      expect(Object.keys(t.distributions).sort()).toEqual(['k', 'x', 'y']);
    }
  });
});

describe('process slots', () => {
  it('refuse an undeclared parameter with a message that says how to fix it', async () => {
    const dir = fixtureDir();
    const { trials } = await runWith(runnerFor('process', dir, 'defineByRun'), { maxTrials: 1 });
    expect(trials[0]?.state).toBe('FAIL');
    expect(trials[0]?.systemAttrs['fail_reason']).toMatch(/parameter "y" is not declared in the space file.*declare it under params:/);
  });

  it('set CUDA_VISIBLE_DEVICES and SODATE_DEVICE for the slot, and keep what the objective prints as its log', async () => {
    const dir = fixtureDir();
    const runner = new ProcessSlots({ objective: { kind: 'module', path: join(dir, 'objectives.mjs'), exportName: 'whereAmI' } });
    const { trials } = await runWith(runner, {
      maxTrials: 2,
      slots: [
        { name: 'gpu3#0', device: 'cuda:3', gpu: 3 },
        { name: 'gpu5#0', device: 'cuda:5', gpu: 5 },
      ],
      logDir: join(dir, 'logs'),
    });
    for (const t of trials) {
      const slot = t.systemAttrs['sodate:slot'] as string;
      const gpu = slot === 'gpu3#0' ? '3' : '5';
      expect(t.userAttrs['env']).toEqual({ cuda: gpu, device: `cuda:${gpu}`, slot });
      expect(t.systemAttrs['sodate:log_tail']).toBe(`hello from trial ${t.number}\n`);
    }
  });
});

describe('a built-in objective with an option it does not know', () => {
  it('stops the run after the trials already started, with the option error: every trial would fail on it', async () => {
    const builtin = { kind: 'builtin' as const, name: 'image-classifier', options: { dataset: 'digits', epochz: 3 }, study: { metrics: ['val_loss'], constraints: [] } };
    const run = runWith(new InlineSlots(builtin), { maxTrials: 6 });
    await expect(run).rejects.toMatchObject({ code: 'SODATE_OBJECTIVE_LOAD', message: expect.stringMatching(/^image-classifier has no option "epochz"/) });
  });
});
