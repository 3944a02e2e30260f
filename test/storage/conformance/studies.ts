import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { floatDistribution } from '../../../src/space/distributions.js';
import type { ConformanceContext } from './context.js';
import { jsonValue } from './context.js';

/** Studies: create, load, list, delete, attributes. */
export function studyConformance(ctx: ConformanceContext): void {
  describe('studies', () => {
    it('creates a study and loads it back by name', async () => {
      const created = await ctx.storage.createStudy({
        name: 'image-baseline',
        direction: 'maximize',
        userAttrs: { owner: 'ml', tags: ['a', 'b'] },
        systemAttrs: { sampler: { kind: 'tpe', seed: 0 } },
      });
      expect(created).toMatchObject({
        name: 'image-baseline',
        direction: 'maximize',
        userAttrs: { owner: 'ml', tags: ['a', 'b'] },
        systemAttrs: { sampler: { kind: 'tpe', seed: 0 } },
      });
      expect(await ctx.storage.loadStudy('image-baseline')).toEqual(created);
    });

    it('keeps one direction per objective, in order, and every value of a trial', async () => {
      const created = await ctx.storage.createStudy({ name: 'pareto', direction: 'minimize', directions: ['minimize', 'maximize', 'minimize'] });
      expect(created.directions).toEqual(['minimize', 'maximize', 'minimize']);
      expect(created.direction).toBe('minimize');
      expect((await ctx.storage.loadStudy('pareto'))?.directions).toEqual(['minimize', 'maximize', 'minimize']);
      expect((await ctx.storage.listStudies()).find((s) => s.name === 'pareto')?.directions).toEqual(['minimize', 'maximize', 'minimize']);
      const trial = await ctx.storage.createTrial(created.id);
      if (trial === null) throw new Error('no trial');
      await ctx.storage.finishTrial(trial.id, 'COMPLETE', [0.25, 91.5, -Infinity]);
      expect((await ctx.storage.getTrial(trial.id)).values).toEqual([0.25, 91.5, -Infinity]);
    });

    it('stores a single-objective study with directions [direction]', async () => {
      const created = await ctx.storage.createStudy({ name: 'single', direction: 'maximize' });
      expect(created.directions).toEqual(['maximize']);
    });

    it('loads null for a name that does not exist', async () => {
      await ctx.newStudy('present');
      expect(await ctx.storage.loadStudy('absent')).toBeNull();
    });

    it('refuses a taken name with SODATE_STUDY_EXISTS and keeps the first study', async () => {
      const first = await ctx.newStudy('dup', 'minimize');
      await expect(ctx.storage.createStudy({ name: 'dup', direction: 'maximize' })).rejects.toMatchObject({ code: 'SODATE_STUDY_EXISTS' });
      expect(await ctx.storage.loadStudy('dup')).toEqual(first);
      expect(await ctx.storage.listStudies()).toHaveLength(1);
    });

    it('treats names as case-sensitive and gives each study its own id', async () => {
      const a = await ctx.newStudy('Study');
      const b = await ctx.newStudy('study');
      expect(a.id).not.toBe(b.id);
      expect((await ctx.storage.loadStudy('Study'))?.id).toBe(a.id);
    });

    it('lists nothing when empty', async () => {
      expect(await ctx.storage.listStudies()).toEqual([]);
    });

    it('lists studies in creation order with counts, best value and start', async () => {
      const before = Date.now();
      const min = await ctx.newStudy('min', 'minimize');
      const max = await ctx.newStudy('max', 'maximize');
      const empty = await ctx.newStudy('empty', 'minimize');
      for (const v of [3, -1, 7]) await ctx.completed(min.id, v);
      const pruned = await ctx.newTrial(min.id);
      await ctx.storage.finishTrial(pruned.id, 'PRUNED', [-100]);
      await ctx.newTrial(min.id); // running
      await ctx.newTrial(min.id, { state: 'WAITING' });
      for (const v of [3, 9, NaN]) await ctx.completed(max.id, v);
      const failed = await ctx.newTrial(max.id);
      await ctx.storage.finishTrial(failed.id, 'FAIL');

      const summaries = await ctx.storage.listStudies();
      expect(summaries.map((s) => s.name)).toEqual(['min', 'max', 'empty']);
      const [sMin, sMax, sEmpty] = summaries;
      expect(sMin).toMatchObject({ id: min.id, direction: 'minimize', nTrials: 6, bestValue: -1 });
      expect(sMin?.counts).toEqual({ RUNNING: 1, WAITING: 1, COMPLETE: 3, PRUNED: 1, FAIL: 0 });
      expect(sMax).toMatchObject({ id: max.id, direction: 'maximize', nTrials: 4, bestValue: 9 });
      expect(sMax?.counts).toEqual({ RUNNING: 0, WAITING: 0, COMPLETE: 3, PRUNED: 0, FAIL: 1 });
      expect(sEmpty).toMatchObject({ id: empty.id, nTrials: 0, bestValue: null, datetimeStart: null });
      expect(sMin?.datetimeStart).toBeInstanceOf(Date);
      expect(sMin?.datetimeStart?.getTime()).toBeGreaterThanOrEqual(before - 1);
    });

    it("never takes a re-run by confirm or ablate as a study's best value", async () => {
      const study = await ctx.newStudy('confirmed', 'minimize');
      await ctx.completed(study.id, 0.3);
      for (const [key, value] of [['sodate:confirm_of', 0], ['sodate:ablation', { of: 0 }]] as const) {
        const rerun = await ctx.newTrial(study.id);
        await ctx.storage.setTrialAttr(rerun.id, 'user', key, value);
        await ctx.storage.finishTrial(rerun.id, 'COMPLETE', [0.1]);
      }
      expect((await ctx.storage.listStudies()).find((s) => s.name === 'confirmed')?.bestValue).toBe(0.3);
    });

    it('says which studies have trials carrying constraint values, in either of Optuna\'s keys', async () => {
      const plain = await ctx.newStudy('plain', 'minimize');
      await ctx.completed(plain.id, 1);
      const perName = await ctx.newStudy('per-name', 'minimize');
      const a = await ctx.completed(perName.id, 1);
      await ctx.storage.setTrialAttr(a.id, 'system', 'constraints:mem', 2);
      const legacy = await ctx.newStudy('legacy', 'minimize');
      const b = await ctx.completed(legacy.id, 1);
      await ctx.storage.setTrialAttr(b.id, 'system', 'constraints', [-1, 0.5]);
      const flags = Object.fromEntries((await ctx.storage.listStudies()).map((s) => [s.name, s.constrained]));
      expect(flags).toEqual({ plain: false, 'per-name': true, legacy: true });
    });

    it('takes ±Infinity as best values and ignores NaN', async () => {
      const min = await ctx.newStudy('min', 'minimize');
      const max = await ctx.newStudy('max', 'maximize');
      const nan = await ctx.newStudy('nan', 'minimize');
      for (const v of [1, -Infinity]) await ctx.completed(min.id, v);
      for (const v of [1, Infinity]) await ctx.completed(max.id, v);
      await ctx.completed(nan.id, NaN);
      const best = Object.fromEntries((await ctx.storage.listStudies()).map((s) => [s.name, s.bestValue]));
      expect(best).toEqual({ min: -Infinity, max: Infinity, nan: null });
    });

    it('starts a study at its earliest trial start, skipping WAITING trials', async () => {
      const study = await ctx.newStudy();
      await ctx.newTrial(study.id, { state: 'WAITING' });
      expect((await ctx.storage.listStudies())[0]?.datetimeStart).toBeNull();
      const running = await ctx.newTrial(study.id);
      expect((await ctx.storage.listStudies())[0]?.datetimeStart).toEqual(running.datetimeStart);
    });

    it('deletes a study with all its trials and leaves other studies alone', async () => {
      const doomed = await ctx.newStudy('doomed');
      const kept = await ctx.newStudy('kept');
      const t = await ctx.newTrial(doomed.id, { userAttrs: { a: 1 }, systemAttrs: { b: 2 } });
      await ctx.storage.setParam(t.id, 'x', 0.5, floatDistribution(0, 1));
      await ctx.storage.report(t.id, 0, 1.5);
      await ctx.storage.heartbeat(t.id);
      await ctx.storage.finishTrial(t.id, 'COMPLETE', [1]);
      await ctx.newTrial(doomed.id, { state: 'WAITING' });
      await ctx.storage.setStudyAttr(doomed.id, 'user', 'k', 'v');
      const keptTrial = await ctx.completed(kept.id, 2);

      await ctx.storage.deleteStudy(doomed.id);
      expect(await ctx.storage.loadStudy('doomed')).toBeNull();
      expect((await ctx.storage.listStudies()).map((s) => s.name)).toEqual(['kept']);
      await expect(ctx.storage.getTrial(t.id)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      expect(await ctx.storage.getTrial(keptTrial.id)).toMatchObject({ state: 'COMPLETE', values: [2] });

      const again = await ctx.newStudy('doomed');
      expect(again.userAttrs).toEqual({});
      expect((await ctx.newTrial(again.id)).number).toBe(0);
    });

    it('refuses to delete a study that does not exist', async () => {
      await expect(ctx.storage.deleteStudy(12345)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });

    it('sets study attributes in both scopes, replacing a key', async () => {
      const study = await ctx.newStudy();
      await ctx.storage.setStudyAttr(study.id, 'user', 'note', { nested: { list: [1, 'two', null, true, { deep: -2.5 }] } });
      await ctx.storage.setStudyAttr(study.id, 'system', 'rung', 0);
      await ctx.storage.setStudyAttr(study.id, 'system', 'rung', 1);
      expect(await ctx.storage.loadStudy('study')).toMatchObject({
        userAttrs: { note: { nested: { list: [1, 'two', null, true, { deep: -2.5 }] } } },
        systemAttrs: { rung: 1 },
      });
      await expect(ctx.storage.setStudyAttr(9999, 'user', 'k', 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });

    it('round-trips any JSON value as a study and a trial attribute', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      let i = 0;
      await fc.assert(
        fc.asyncProperty(jsonValue, async (value) => {
          const key = `k${i++}`;
          await ctx.storage.setStudyAttr(study.id, 'user', key, value);
          await ctx.storage.setTrialAttr(trial.id, 'system', key, value);
          expect((await ctx.storage.loadStudy('study'))?.userAttrs[key]).toEqual(value);
          expect((await ctx.storage.getTrial(trial.id)).systemAttrs[key]).toEqual(value);
        }),
        { numRuns: 60 },
      );
    });
  });
}
