import { describe, expect, it } from 'vitest';
import type { FrozenTrial, TrialCursor } from '../../../src/storage/records.js';
import { START_CURSOR } from '../../../src/storage/records.js';
import { intermediateVectorKey } from '../../../src/multi-objective/intermediate.js';
import type { ConformanceContext } from './context.js';
import { sleep } from './context.js';
import { PAUSED_ATTR, RESUME_COUNT_ATTR } from '../../../src/storage/metadata.js';

/** Heartbeats and stale trials; incremental reads; counts. */
export function readConformance(ctx: ConformanceContext): void {
  describe('heartbeats', () => {
    it('fails RUNNING trials whose heartbeat is older than the grace period', async () => {
      const study = await ctx.newStudy();
      const other = await ctx.newStudy('other');
      const stale = await ctx.newTrial(study.id);
      const silent = await ctx.newTrial(study.id); // never beat: not judged
      const done = await ctx.newTrial(study.id);
      const otherStale = await ctx.newTrial(other.id);
      for (const t of [stale, done, otherStale]) await ctx.storage.heartbeat(t.id);
      await ctx.storage.finishTrial(done.id, 'COMPLETE', [1]);
      await sleep(400);
      const fresh = await ctx.newTrial(study.id);
      await ctx.storage.heartbeat(fresh.id);

      // 250 ms of grace: the stale beats are 400 ms old, and the fresh one keeps 250 ms of slack for a loaded
      // machine between its beat and the check (40 ms of slack failed it once on PostgreSQL under load).
      const before = Date.now();
      const failed = await ctx.storage.failStaleTrials(study.id, 0.25);
      expect(failed.map((t) => t.id)).toEqual([stale.id]);
      expect(failed[0]).toMatchObject({ state: 'FAIL', values: null });
      expect(failed[0]?.systemAttrs['fail_reason']).toEqual(expect.any(String));
      expect(failed[0]?.datetimeComplete?.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(await ctx.storage.getTrial(stale.id)).toEqual(failed[0]);
      expect((await ctx.storage.getTrial(silent.id)).state).toBe('RUNNING');
      expect((await ctx.storage.getTrial(fresh.id)).state).toBe('RUNNING');
      expect((await ctx.storage.getTrial(done.id)).state).toBe('COMPLETE');
      expect((await ctx.storage.getTrial(otherStale.id)).state).toBe('RUNNING');
    });

    it('keeps trials that beat within the grace period', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.heartbeat(trial.id);
      await sleep(20);
      await ctx.storage.heartbeat(trial.id);
      expect(await ctx.storage.failStaleTrials(study.id, 60)).toEqual([]);
      expect((await ctx.storage.getTrial(trial.id)).state).toBe('RUNNING');
    });

    it('lets no late result overwrite a trial failed as stale', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.heartbeat(trial.id);
      await sleep(30);
      expect(await ctx.storage.failStaleTrials(study.id, 0.01)).toHaveLength(1);
      expect(await ctx.storage.finishTrial(trial.id, 'COMPLETE', [0.1])).toBe(false);
      await expect(ctx.storage.report(trial.id, 5, 0.1)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
      expect(await ctx.storage.failStaleTrials(study.id, 0.01)).toEqual([]);
      expect((await ctx.storage.getTrial(trial.id)).state).toBe('FAIL');
    });

    it('refuses a study that does not exist', async () => {
      await expect(ctx.storage.failStaleTrials(555, 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });
  });

  describe('runningWithoutHeartbeat', () => {
    it('lists the RUNNING trials that never beat, by number, and no other', async () => {
      const study = await ctx.newStudy();
      const silent = await ctx.newTrial(study.id);
      const beating = await ctx.newTrial(study.id);
      await ctx.storage.heartbeat(beating.id);
      await ctx.completed(study.id, 1);
      const other = await ctx.newStudy('other');
      await ctx.newTrial(other.id);
      expect(await ctx.storage.runningWithoutHeartbeat(study.id)).toEqual([silent.number]);
      await ctx.storage.finishTrial(silent.id, 'COMPLETE', [0.5]);
      expect(await ctx.storage.runningWithoutHeartbeat(study.id)).toEqual([]);
    });

    it('refuses a study that does not exist', async () => {
      await expect(ctx.storage.runningWithoutHeartbeat(555)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });
  });

  describe('trialsSince', () => {
    it('reads every trial from START_CURSOR, ordered by number, with a cursor at the newest', async () => {
      const study = await ctx.newStudy();
      const other = await ctx.newStudy('other');
      const a = await ctx.completed(study.id, 1);
      await ctx.newTrial(other.id);
      const b = await ctx.newTrial(study.id);
      const c = await ctx.newTrial(study.id, { state: 'WAITING' });
      const { trials, cursor } = await ctx.storage.trialsSince(study.id, START_CURSOR);
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2]);
      expect(trials.map((t) => t.id)).toEqual([a.id, b.id, c.id]);
      expect(cursor.lastTrialId).toBe(c.id);
      expect([...cursor.openTrialIds].sort((x, y) => x - y)).toEqual([b.id, c.id]);
      expect(trials[1]).toEqual(await ctx.storage.getTrial(b.id));
    });

    it('returns an empty read and keeps the cursor for an empty study', async () => {
      const study = await ctx.newStudy();
      expect(await ctx.storage.trialsSince(study.id, START_CURSOR)).toEqual({ trials: [], cursor: START_CURSOR });
    });

    it('re-reads open trials, reads new ones, and drops finished ones after one last read', async () => {
      const study = await ctx.newStudy();
      const done = await ctx.completed(study.id, 1);
      const open = await ctx.newTrial(study.id);
      let read = await ctx.storage.trialsSince(study.id, START_CURSOR);

      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials.map((t) => t.id)).toEqual([open.id]);

      await ctx.storage.report(open.id, 0, 0.5);
      const added = await ctx.newTrial(study.id);
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials.map((t) => t.id)).toEqual([open.id, added.id]);
      expect(read.trials[0]?.intermediateValues.get(0)).toBe(0.5);

      await ctx.storage.finishTrial(open.id, 'COMPLETE', [2]);
      await ctx.storage.finishTrial(added.id, 'PRUNED');
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials.map((t) => [t.id, t.state])).toEqual([
        [open.id, 'COMPLETE'],
        [added.id, 'PRUNED'],
      ]);
      expect(read.cursor.openTrialIds).toEqual([]);

      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials).toEqual([]);
      expect(read.trials.some((t) => t.id === done.id)).toBe(false);
    });

    it('follows a WAITING trial until it is claimed and finished', async () => {
      const study = await ctx.newStudy();
      const waiting = await ctx.newTrial(study.id, { state: 'WAITING' });
      let read = await ctx.storage.trialsSince(study.id, START_CURSOR);
      expect(read.cursor.openTrialIds).toEqual([waiting.id]);
      await ctx.storage.claimWaitingTrial(study.id);
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials.map((t) => t.state)).toEqual(['RUNNING']);
      await ctx.storage.finishTrial(waiting.id, 'COMPLETE', [0]);
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials.map((t) => t.state)).toEqual(['COMPLETE']);
      expect(read.cursor.openTrialIds).toEqual([]);
    });

    it('adds up, read after read, to the whole study', async () => {
      const study = await ctx.newStudy();
      const known = new Map<number, FrozenTrial>();
      let cursor: TrialCursor = START_CURSOR;
      const open: FrozenTrial[] = [];
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 3; i++) open.push(await ctx.newTrial(study.id, round % 2 === 0 && i === 0 ? { state: 'WAITING' } : {}));
        const t = open.shift();
        if (t !== undefined) await ctx.storage.finishTrial(t.id, 'COMPLETE', [round]);
        const read = await ctx.storage.trialsSince(study.id, cursor);
        for (const trial of read.trials) known.set(trial.id, trial);
        cursor = read.cursor;
      }
      const whole = await ctx.storage.trialsSince(study.id, START_CURSOR);
      expect([...known.values()].sort((a, b) => a.number - b.number)).toEqual(whole.trials);
    });

    it('refuses a study that does not exist', async () => {
      await expect(ctx.storage.trialsSince(888, START_CURSOR)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });
  });

  describe('countTrials', () => {
    it('counts trials per state, zeros included', async () => {
      const study = await ctx.newStudy();
      expect(await ctx.storage.countTrials(study.id)).toEqual({ RUNNING: 0, WAITING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 });
      await ctx.completed(study.id, 1);
      await ctx.completed(study.id, 2);
      await ctx.newTrial(study.id);
      await ctx.newTrial(study.id, { state: 'WAITING' });
      const pruned = await ctx.newTrial(study.id);
      await ctx.storage.finishTrial(pruned.id, 'PRUNED');
      expect(await ctx.storage.countTrials(study.id)).toEqual({ RUNNING: 1, WAITING: 1, COMPLETE: 2, PRUNED: 1, FAIL: 0 });
    });

    it('refuses a study that does not exist', async () => {
      await expect(ctx.storage.countTrials(999)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });
  });

  describe('paused trials', () => {
    /** A trial that reported two steps and was paused: PRUNED with its last value and the paused mark. */
    async function pausedTrial(studyId: number): Promise<FrozenTrial> {
      const trial = await ctx.newTrial(studyId);
      await ctx.storage.report(trial.id, 0, 2);
      await ctx.storage.report(trial.id, 1, 1.5);
      await ctx.storage.setTrialAttr(trial.id, 'system', PAUSED_ATTR, true);
      await ctx.storage.finishTrial(trial.id, 'PRUNED', [1.5]);
      return ctx.storage.getTrial(trial.id);
    }

    it('resumes a paused trial once: RUNNING in its own number, its reports and attributes kept, its value cleared', async () => {
      const study = await ctx.newStudy();
      const paused = await pausedTrial(study.id);
      const resumed = await ctx.storage.resumePausedTrial(paused.id);
      expect(resumed).toMatchObject({ id: paused.id, number: paused.number, state: 'RUNNING', values: null, datetimeComplete: null, systemAttrs: { [PAUSED_ATTR]: false } });
      expect([...(resumed as FrozenTrial).intermediateValues]).toEqual([[0, 2], [1, 1.5]]);
      // A second promotion (another worker) finds it running.
      expect(await ctx.storage.resumePausedTrial(paused.id)).toBeNull();
      await ctx.storage.report(paused.id, 2, 0.5);
      expect(await ctx.storage.finishTrial(paused.id, 'COMPLETE', [0.5])).toBe(true);
      expect(await ctx.storage.countTrials(study.id)).toMatchObject({ COMPLETE: 1, RUNNING: 0, PRUNED: 0 });
    });

    it('pauses a resumed trial again when its process dies, where a never-paused one fails', async () => {
      const study = await ctx.newStudy();
      const paused = await pausedTrial(study.id);
      await ctx.storage.resumePausedTrial(paused.id);
      await ctx.storage.report(paused.id, 2, 1.2);
      const fresh = await ctx.newTrial(study.id);
      await ctx.storage.heartbeat(fresh.id);
      await sleep(60);
      const failed = await ctx.storage.failStaleTrials(study.id, 0.04);
      expect(failed.map((t) => t.id)).toEqual([fresh.id]);
      const again = await ctx.storage.getTrial(paused.id);
      expect(again).toMatchObject({ state: 'PRUNED', values: null, systemAttrs: { [PAUSED_ATTR]: true } });
      expect(again.systemAttrs['fail_reason']).toBeUndefined();
      expect(again.datetimeComplete).not.toBeNull();
      // A later promotion resumes it once more.
      expect(await ctx.storage.resumePausedTrial(paused.id)).toMatchObject({ state: 'RUNNING' });
    });

    it('deletes the reports after the checkpoint step, and their vectors, when resuming from it', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      for (const [step, value] of [[0, 3], [1, 2], [2, 1.5], [3, 1.2]] as const) {
        await ctx.storage.report(trial.id, step, value);
        await ctx.storage.setTrialAttr(trial.id, 'system', intermediateVectorKey(step), [value, -value]);
      }
      await ctx.storage.setTrialAttrs(trial.id, 'system', { [PAUSED_ATTR]: true, keep: 1 });
      await ctx.storage.finishTrial(trial.id, 'PRUNED', null);
      const resumed = (await ctx.storage.resumePausedTrial(trial.id, 1)) as FrozenTrial;
      expect([...resumed.intermediateValues]).toEqual([[0, 3], [1, 2]]);
      expect(Object.keys(resumed.systemAttrs).sort()).toEqual([PAUSED_ATTR, 'keep', intermediateVectorKey(0), intermediateVectorKey(1)].sort());
      expect(await ctx.storage.getTrial(trial.id)).toEqual(resumed);
      // Without a step (no checkpoint recorded), every report stays.
      const other = await pausedTrial(study.id);
      expect([...((await ctx.storage.resumePausedTrial(other.id)) as FrozenTrial).intermediateValues]).toEqual([[0, 2], [1, 1.5]]);
    });

    it('resumes a trial once when two handles promote it at the same time', async () => {
      const study = await ctx.newStudy();
      const paused = await pausedTrial(study.id);
      const other = await ctx.another();
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all([ctx.storage.resumePausedTrial(paused.id, 0), other.resumePausedTrial(paused.id, 0), ctx.storage.resumePausedTrial(paused.id, 0), other.resumePausedTrial(paused.id, 0)]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        // Paused again for the next round (as a stopped run would be).
        await ctx.storage.finishTrial(paused.id, 'PRUNED', null);
        await ctx.storage.setTrialAttr(paused.id, 'system', PAUSED_ATTR, true);
      }
      const study2 = (await ctx.storage.loadStudy(study.name)) as NonNullable<Awaited<ReturnType<typeof ctx.storage.loadStudy>>>;
      expect(study2.systemAttrs[RESUME_COUNT_ATTR]).toBe(3);
    });

    it('refuses to resume a trial that is not paused', async () => {
      const study = await ctx.newStudy();
      const pruned = await ctx.newTrial(study.id);
      await ctx.storage.finishTrial(pruned.id, 'PRUNED', null);
      const running = await ctx.newTrial(study.id);
      expect(await ctx.storage.resumePausedTrial(pruned.id)).toBeNull();
      expect(await ctx.storage.resumePausedTrial(running.id)).toBeNull();
      expect((await ctx.storage.getTrial(pruned.id)).state).toBe('PRUNED');
      await expect(ctx.storage.resumePausedTrial(777)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });

    it('reads paused trials again only after a resume, so a resume by another process is seen', async () => {
      const study = await ctx.newStudy();
      const paused = await pausedTrial(study.id);
      const other = await pausedTrial(study.id);
      let read = await ctx.storage.trialsSince(study.id, START_CURSOR);
      expect(read.cursor.openTrialIds).toEqual([]);
      expect(read.cursor.pausedTrialIds).toEqual([paused.id, other.id]);
      // The first read after they paused looks up the resume count (and reads them once more); then nothing.
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials).toEqual([]);
      await ctx.storage.resumePausedTrial(paused.id);
      read = await ctx.storage.trialsSince(study.id, read.cursor);
      expect(read.trials.map((t) => [t.id, t.state])).toEqual([[paused.id, 'RUNNING'], [other.id, 'PRUNED']]);
      expect(read.cursor).toMatchObject({ openTrialIds: [paused.id], pausedTrialIds: [other.id] });
      expect((await ctx.storage.trialsSince(study.id, read.cursor)).trials.map((t) => t.id)).toEqual([paused.id]);
    });
  });
}
