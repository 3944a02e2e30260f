import { describe, expect, it } from 'vitest';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../../src/space/distributions.js';
import type { FrozenTrial } from '../../../src/storage/records.js';
import type { ConformanceContext } from './context.js';

/** Trials: numbering, templates, enqueued trials, budgets. */
export function trialConformance(ctx: ConformanceContext): void {
  describe('trials', () => {
    it('numbers trials 0..n-1 per study, with ids unique across studies', async () => {
      const a = await ctx.newStudy('a');
      const b = await ctx.newStudy('b');
      const trials: FrozenTrial[] = [];
      for (let i = 0; i < 5; i++) {
        trials.push(await ctx.newTrial(a.id));
        trials.push(await ctx.newTrial(b.id, i % 2 === 0 ? { state: 'WAITING' } : {}));
      }
      expect(trials.filter((_, i) => i % 2 === 0).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
      expect(trials.filter((_, i) => i % 2 === 1).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
      expect(new Set(trials.map((t) => t.id)).size).toBe(10);
    });

    it('gives concurrent creations distinct consecutive numbers', async () => {
      const study = await ctx.newStudy();
      const trials = await Promise.all(Array.from({ length: 20 }, () => ctx.newTrial(study.id)));
      expect(trials.map((t) => t.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('starts a RUNNING trial now, empty', async () => {
      const study = await ctx.newStudy();
      const before = Date.now();
      const trial = await ctx.newTrial(study.id);
      const after = Date.now();
      expect(trial).toMatchObject({
        number: 0,
        state: 'RUNNING',
        values: null,
        params: {},
        internalParams: {},
        distributions: {},
        userAttrs: {},
        systemAttrs: {},
        datetimeComplete: null,
      });
      expect(trial.intermediateValues.size).toBe(0);
      expect(trial.datetimeStart).toBeInstanceOf(Date);
      expect(trial.datetimeStart!.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(trial.datetimeStart!.getTime()).toBeLessThanOrEqual(after + 1);
      expect(await ctx.storage.getTrial(trial.id)).toEqual(trial);
    });

    it('stores a template: params, attributes and WAITING without a start', async () => {
      const study = await ctx.newStudy();
      const lr = floatDistribution(1e-5, 1e-1, { log: true });
      const opt = categoricalDistribution(['adamw', 'sgd']);
      const trial = await ctx.newTrial(study.id, {
        state: 'WAITING',
        params: { lr: { internal: 1e-3, distribution: lr }, optimizer: { internal: 1, distribution: opt } },
        userAttrs: { source: 'enqueue' },
        systemAttrs: { fixed: ['lr', 'optimizer'] },
      });
      expect(trial).toMatchObject({
        state: 'WAITING',
        datetimeStart: null,
        params: { lr: 1e-3, optimizer: 'sgd' },
        internalParams: { lr: 1e-3, optimizer: 1 },
        distributions: { lr, optimizer: opt },
        userAttrs: { source: 'enqueue' },
        systemAttrs: { fixed: ['lr', 'optimizer'] },
      });
      expect(await ctx.storage.getTrial(trial.id)).toEqual(trial);
    });

    it('refuses trials in a study that does not exist', async () => {
      await expect(ctx.storage.createTrial(4242)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.claimWaitingTrial(4242)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });

    it('refuses every trial call on an id that does not exist', async () => {
      const dist = floatDistribution(0, 1);
      await expect(ctx.storage.getTrial(777)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.setParam(777, 'x', 0.5, dist)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.report(777, 0, 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.setTrialAttr(777, 'user', 'k', 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.setTrialAttrs(777, 'system', { k: 1, j: 2 })).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.setTrialAttrs(777, 'system', {})).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.finishTrial(777, 'COMPLETE', [1])).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      await expect(ctx.storage.heartbeat(777)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
    });

    it('sets trial attributes in both scopes, replacing a key', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.setTrialAttr(trial.id, 'user', 'epochs', [1, 2, { best: 0.5 }]);
      await ctx.storage.setTrialAttr(trial.id, 'system', 'rung_0', 0.25);
      await ctx.storage.setTrialAttr(trial.id, 'system', 'rung_0', 0.5);
      expect(await ctx.storage.getTrial(trial.id)).toMatchObject({
        userAttrs: { epochs: [1, 2, { best: 0.5 }] },
        systemAttrs: { rung_0: 0.5 },
      });
    });

    it('sets several trial attributes in one call, replacing keys and keeping the others', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.setTrialAttr(trial.id, 'system', 'kept', 'yes');
      await ctx.storage.setTrialAttrs(trial.id, 'system', { slot: 'cpu#0', 'artifacts:a1': '{"filename":"x"}', kept: 'replaced', nested: { a: [1, 2] } });
      await ctx.storage.setTrialAttrs(trial.id, 'user', { note: 1 });
      await ctx.storage.setTrialAttrs(trial.id, 'user', {});
      const read = await ctx.storage.getTrial(trial.id);
      expect(read.systemAttrs).toEqual({ kept: 'replaced', slot: 'cpu#0', 'artifacts:a1': '{"filename":"x"}', nested: { a: [1, 2] } });
      expect(read.userAttrs).toEqual({ note: 1 });
    });
  });

  describe('enqueued (WAITING) trials', () => {
    it('claims the oldest WAITING trial, starting it now and keeping its params', async () => {
      const study = await ctx.newStudy();
      const dist = intDistribution(1, 8);
      const first = await ctx.newTrial(study.id, { state: 'WAITING', params: { k: { internal: 3, distribution: dist } } });
      const second = await ctx.newTrial(study.id, { state: 'WAITING' });
      const before = Date.now();
      const claimed = await ctx.storage.claimWaitingTrial(study.id);
      expect(claimed).toMatchObject({ id: first.id, number: 0, state: 'RUNNING', params: { k: 3 } });
      expect(claimed?.datetimeStart?.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect((await ctx.storage.claimWaitingTrial(study.id))?.id).toBe(second.id);
      expect(await ctx.storage.claimWaitingTrial(study.id)).toBeNull();
    });

    it('claims nothing in a study without WAITING trials', async () => {
      const study = await ctx.newStudy();
      await ctx.newTrial(study.id);
      expect(await ctx.storage.claimWaitingTrial(study.id)).toBeNull();
    });

    it('runs each WAITING trial exactly once under concurrent claims', async () => {
      const study = await ctx.newStudy();
      const other = await ctx.newStudy('other');
      const waiting = [];
      for (let i = 0; i < 3; i++) waiting.push(await ctx.newTrial(study.id, { state: 'WAITING' }));
      await ctx.newTrial(other.id, { state: 'WAITING' });
      const claims = await Promise.all(Array.from({ length: 8 }, () => ctx.storage.claimWaitingTrial(study.id)));
      const got = claims.filter((c): c is FrozenTrial => c !== null);
      expect(got.map((c) => c.id).sort((x, y) => x - y)).toEqual(waiting.map((w) => w.id));
      expect(got.every((c) => c.state === 'RUNNING')).toBe(true);
      expect((await ctx.storage.countTrials(other.id)).WAITING).toBe(1);
    });
  });

  describe('maxTrials', () => {
    it('refuses a trial once the budget is used, not counting WAITING trials', async () => {
      const study = await ctx.newStudy();
      await ctx.newTrial(study.id, { state: 'WAITING', maxTrials: 2 });
      await ctx.completed(study.id, 1);
      const failed = await ctx.newTrial(study.id, { maxTrials: 2 });
      await ctx.storage.finishTrial(failed.id, 'FAIL');
      expect(await ctx.storage.createTrial(study.id, { maxTrials: 2 })).toBeNull();
      expect(await ctx.storage.createTrial(study.id, { maxTrials: 3 })).not.toBeNull();
      expect(await ctx.storage.countTrials(study.id)).toMatchObject({ WAITING: 1, COMPLETE: 1, FAIL: 1, RUNNING: 1 });
    });

    it('refuses to claim a WAITING trial once the budget is used', async () => {
      const study = await ctx.newStudy();
      await ctx.newTrial(study.id, { state: 'WAITING' });
      await ctx.newTrial(study.id);
      expect(await ctx.storage.claimWaitingTrial(study.id, 1)).toBeNull();
      expect((await ctx.storage.claimWaitingTrial(study.id, 2))?.state).toBe('RUNNING');
    });

    it('never overshoots under concurrent creations', async () => {
      const study = await ctx.newStudy();
      const results = await Promise.all(Array.from({ length: 12 }, () => ctx.storage.createTrial(study.id, { maxTrials: 5 })));
      expect(results.filter((r) => r !== null)).toHaveLength(5);
      expect((await ctx.storage.countTrials(study.id)).RUNNING).toBe(5);
    });
  });
}
