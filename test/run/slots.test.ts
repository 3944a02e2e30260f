import { existsSync } from 'node:fs';
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
