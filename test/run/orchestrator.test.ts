import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runOrchestrator } from '../../src/run/orchestrator.js';
import { ThreadSlots } from '../../src/run/thread-slots.js';
import { InlineSlots } from '../../src/run/inline-slots.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';
import type { Study } from '../../src/study/study.js';
import type { StudyTrial } from '../../src/study/trial.js';
import { cpuSlots, fixtureDir, runWith, X_SPACE } from './fixtures.js';
import { ABLATION_ATTR, ABLATION_SEED_ATTR, CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR, TRIAL_SEED_ATTR } from '../../src/storage/metadata.js';

/** A SQLite study with one trial left RUNNING with a fresh heartbeat, as a process that just died leaves it; `before` runs before it is asked. */
async function studyWithOrphan(before?: (study: Study) => Promise<unknown>): Promise<{ study: Study; orphan: StudyTrial }> {
  const study = await createStudy({ storage: `sqlite:${join(fixtureDir(), 's.db')}`, sampler: new RandomSampler({ seed: 2 }) });
  await before?.(study);
  const orphan = await study.ask();
  orphan.suggestFloat('x', 0, 1);
  await orphan.flush();
  await study.storage.heartbeat(orphan.id);
  return { study, orphan };
}

describe('the orchestrator', () => {
  it('fails a trial a dead process left RUNNING and re-queues it with the same parameters', async () => {
    const { study } = await studyWithOrphan();
    await sleep(1200);
    const { trials, notices } = await runWith(new InlineSlots(() => 1), { study, maxTrials: 3, retries: 1, staleAfterSeconds: 1 });
    expect(trials.map((t) => [t.number, t.state])).toEqual([
      [0, 'FAIL'],
      [1, 'COMPLETE'],
      [2, 'COMPLETE'],
      [3, 'COMPLETE'],
    ]);
    expect(trials[0]?.systemAttrs['fail_reason']).toMatch(/stale|heartbeat/i);
    const retry = trials.find((t) => t.systemAttrs['sodate:retry_of'] === 0);
    expect(retry?.params).toEqual(trials[0]?.params);
    expect(notices.some((n) => /trial 0 was left running by a process that died/.test(n))).toBe(true);
    await study.close();
  });

  it("does not wait at its budget for another tool's trial that never beat (Optuna without a heartbeat): it names it and ends", async () => {
    const study = await createStudy({ storage: `sqlite:${join(fixtureDir(), 's.db')}`, sampler: new RandomSampler({ seed: 2 }) });
    const optunas = await study.storage.createTrial(study.id);
    const { trials, notices } = await runWith(new InlineSlots(() => 1), { study, maxTrials: 3, staleAfterSeconds: 1 });
    expect(trials.map((t) => t.state)).toEqual(['RUNNING', 'COMPLETE', 'COMPLETE']);
    expect(notices.filter((n) => n === `#${optunas?.number} RUNNING without a heartbeat (another tool's, e.g. Optuna without heartbeat_interval): not waited for; they count toward the budget until they finish`)).toHaveLength(1);
    await study.close();
  });

  it('says at the start that trials marked running hold budget, and what becomes of those a dead process left', async () => {
    // Its heartbeat is fresh: the run starts with it still marked running, and reaps it a second later.
    const { study } = await studyWithOrphan();
    const { trials, notices } = await runWith(new InlineSlots(() => 1), { study, maxTrials: 2, staleAfterSeconds: 1 });
    expect(notices[0]).toBe('1 trial(s) marked running, by another process or left by one that stopped: they count toward the budget, and one whose heartbeat stops for 1s is recorded as failed (--retries 1 runs such a trial again)');
    expect(trials.map((t) => t.state)).toEqual(['FAIL', 'COMPLETE']);
    // Without retries the reaped trial is named too: no trial line of this run says it failed.
    expect(notices).toContain('trial 0 was left running by a process that died (no heartbeat for 1s) and is recorded as failed (--retries 1 runs such a trial again)');
    await study.close();
  });

  it('re-queues a dead re-run as the same re-run: its ablation attributes and its seed', async () => {
    const attrs = { [ABLATION_ATTR]: { baseline: 0, target: 1, flipped: ['x'], role: 'report', k: 0 }, [ABLATION_SEED_ATTR]: 4242 };
    // The orphan is the enqueued re-run.
    const { study, orphan } = await studyWithOrphan((s) => s.enqueueTrial({ x: 0.5 }, { userAttrs: attrs }));
    await sleep(1200);
    const { trials } = await runWith(new InlineSlots(() => 1), { study, maxTrials: 1, retries: 1, staleAfterSeconds: 1 });
    const retry = trials.find((t) => t.systemAttrs['sodate:retry_of'] === orphan.number);
    expect(retry?.state).toBe('COMPLETE');
    expect(retry?.userAttrs).toMatchObject(attrs);
    expect(retry?.systemAttrs[TRIAL_SEED_ATTR]).toBe(4242);
    expect(retry?.params).toEqual({ x: 0.5 });
    await study.close();
  });

  it('counts tuning trials against the budget: re-runs (finished or left waiting by an interrupted confirm) do not use it up', async () => {
    const study = await createStudy({ storage: `sqlite:${join(fixtureDir(), 'b.db')}`, sampler: new RandomSampler({ seed: 2 }) });
    const rerun = (k: number) => ({ [CONFIRM_OF_ATTR]: 0, [CONFIRM_SEED_ATTR]: 100 + k });
    await runWith(new InlineSlots(() => 1), { study, maxTrials: 2 });
    // Two re-runs done, one still waiting.
    for (const k of [0, 1, 2]) await study.enqueueTrial({ x: 0.5 }, { userAttrs: rerun(k) });
    await runWith(new InlineSlots(() => 1), { study, maxTrials: 4, nTrials: 2 });
    expect(study.trials.filter((t) => t.state === 'WAITING')).toHaveLength(1);
    const { trials } = await runWith(new InlineSlots(() => 1), { study, maxTrials: 4 });
    const tuning = trials.filter((t) => t.userAttrs[CONFIRM_OF_ATTR] === undefined);
    expect(tuning.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
    expect(trials.filter((t) => t.userAttrs[CONFIRM_OF_ATTR] !== undefined).map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    // At its budget, a waiting re-run lets no enqueued tuning trial through ahead of it.
    await study.enqueueTrial({ x: 0.3 });
    await study.enqueueTrial({ x: 0.5 }, { userAttrs: rerun(3) });
    const atBudget = await runWith(new InlineSlots(() => 1), { study, maxTrials: 4 });
    expect(atBudget.trials.filter((t) => t.state === 'WAITING')).toHaveLength(2);
    // What confirm runs: the waiting trials, and no new one.
    const waiting = await runWith(new InlineSlots(() => 1), { study, maxTrials: undefined, waitingOnly: true });
    expect(waiting.trials.map((t) => t.state)).toEqual(Array(9).fill('COMPLETE'));
    await study.close();
  });

  it('retries an objective error never: only a dead worker is retried', async () => {
    const { trials, notices } = await runWith(
      new InlineSlots(() => {
        throw new Error('not a crash: no retry');
      }),
      { maxTrials: 2, retries: 3 },
    );
    expect(trials).toHaveLength(2);
    expect(trials.every((t) => t.systemAttrs['sodate:retry_of'] === undefined)).toBe(true);
    expect(notices).toEqual([]);
  });

  it('never retries a trial whose worker always dies more than `retries` times', async () => {
    const dir = fixtureDir();
    const runner = new ThreadSlots({ objective: { kind: 'module', path: join(dir, 'objectives.mjs'), exportName: 'crashAlways' }, threads: 1 });
    const { trials } = await runWith(runner, { maxTrials: 1, retries: 2, slots: cpuSlots(1) });
    // The trial, then exactly two re-runs of its parameters, all failed; then the loop stops.
    expect(trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'FAIL']);
    expect(trials.slice(1).map((t) => t.params)).toEqual([trials[0]?.params, trials[0]?.params]);
    expect(trials.slice(1).every((t) => t.systemAttrs['sodate:retry_of'] !== undefined)).toBe(true);
  });

  it('on the first interrupt asks no more; on the second stops the running trials and records them as interrupted', async () => {
    const dir = fixtureDir();
    const study = await createStudy({ storage: `sqlite:${join(dir, 's.db')}`, sampler: new RandomSampler({ seed: 3 }) });
    const first = new AbortController();
    const second = new AbortController();
    const runner = new ThreadSlots({ objective: { kind: 'module', path: join(dir, 'objectives.mjs'), exportName: 'sleepForever' }, threads: 2 });
    let started = 0;
    const run = runOrchestrator({
      study,
      space: X_SPACE,
      runner,
      slots: cpuSlots(2),
      reporter: {
        trialStart: () => {
          started++;
          if (started === 2) first.abort();
        },
      },
      maxTrials: 10,
      timeoutSeconds: undefined,
      signal: first.signal,
      stopSignal: second.signal,
      heartbeatSeconds: 0.2,
      info: { metric: 'value', samplerName: 'random', prunerName: 'none' },
    });
    await sleep(500);
    expect((await study.getTrials()).map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
    second.abort();
    expect(await run).toBe('interrupted');
    await runner.close();
    const trials = await study.getTrials();
    expect(trials.map((t) => [t.state, t.systemAttrs['fail_reason']])).toEqual([
      ['FAIL', 'interrupted'],
      ['FAIL', 'interrupted'],
    ]);
    await study.close();
  });

  it('stops asking at the study timeout and lets running trials finish', async () => {
    const { trials } = await runWith(new InlineSlots(async () => (await sleep(150), 1)), { maxTrials: 1000, timeoutSeconds: 0.5 });
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.length).toBeLessThan(1000);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  });
});
