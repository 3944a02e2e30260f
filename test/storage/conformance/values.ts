import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Distribution } from '../../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../../src/space/distributions.js';
import type { ConformanceContext } from './context.js';
import { storedDouble } from './context.js';

/** What a trial records: parameters, intermediate values, its end. */
export function valueConformance(ctx: ConformanceContext): void {
  describe('parameters', () => {
    const cases: [string, Distribution, number | string | boolean | null][] = [
      ['float', floatDistribution(-1.5, 2.5), 0.123456789012345],
      ['float log', floatDistribution(1e-5, 1e-1, { log: true }), 3.3e-4],
      ['float step', floatDistribution(0, 0.3, { step: 0.05 }), 0.15],
      ['int', intDistribution(-3, 10), 7],
      ['int step', intDistribution(16, 128, { step: 16 }), 64],
      ['int log', intDistribution(1, 1024, { log: true }), 256],
      ['categorical string', categoricalDistribution(['adamw', 'sgd']), 'sgd'],
      ['categorical number', categoricalDistribution([16, 32, 64.5]), 64.5],
      ['categorical boolean', categoricalDistribution([true, false]), false],
      ['categorical null', categoricalDistribution(['none', null]), null],
      ['categorical mixed', categoricalDistribution([1, 'a', true, null]), true],
    ];
    for (const [label, dist, external] of cases) {
      it(`round-trips a ${label} parameter`, async () => {
        const study = await ctx.newStudy();
        const trial = await ctx.newTrial(study.id);
        const internal = toInternal(dist, external);
        await ctx.storage.setParam(trial.id, 'p', internal, dist);
        const read = await ctx.storage.getTrial(trial.id);
        expect(read.params).toEqual({ p: external });
        expect(read.internalParams).toEqual({ p: internal });
        expect(read.distributions).toEqual({ p: dist });
      });
    }

    it('replaces a parameter set again under the same name', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.setParam(trial.id, 'x', 0.25, floatDistribution(0, 1));
      await ctx.storage.setParam(trial.id, 'y', 2, intDistribution(0, 5));
      await ctx.storage.setParam(trial.id, 'x', 0.75, floatDistribution(0, 2));
      const read = await ctx.storage.getTrial(trial.id);
      expect(read.params).toEqual({ x: 0.75, y: 2 });
      expect(read.distributions['x']).toEqual(floatDistribution(0, 2));
    });

    it('keeps every float value exactly', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      const dist = floatDistribution(-1e300, 1e300);
      let i = 0;
      await fc.assert(
        fc.asyncProperty(fc.double({ min: -1e300, max: 1e300, noNaN: true }), async (x) => {
          const v = Object.is(x, -0) ? 0 : x;
          const name = `p${i++}`;
          await ctx.storage.setParam(trial.id, name, v, dist);
          expect((await ctx.storage.getTrial(trial.id)).internalParams[name]).toBe(v);
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('intermediate values', () => {
    it('keeps reports by step, replacing a step reported again', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.report(trial.id, 0, 0.9);
      await ctx.storage.report(trial.id, 1, 0.7);
      await ctx.storage.report(trial.id, 0, 0.8);
      await ctx.storage.report(trial.id, 10, 0.5);
      const read = await ctx.storage.getTrial(trial.id);
      expect([...read.intermediateValues.entries()].sort((a, b) => a[0] - b[0])).toEqual([
        [0, 0.8],
        [1, 0.7],
        [10, 0.5],
      ]);
    });

    it('keeps NaN and ±Infinity reports', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.report(trial.id, 0, NaN);
      await ctx.storage.report(trial.id, 1, Infinity);
      await ctx.storage.report(trial.id, 2, -Infinity);
      await ctx.storage.report(trial.id, 3, Number.MIN_VALUE);
      const values = (await ctx.storage.getTrial(trial.id)).intermediateValues;
      expect(values.get(0)).toBeNaN();
      expect(values.get(1)).toBe(Infinity);
      expect(values.get(2)).toBe(-Infinity);
      expect(values.get(3)).toBe(Number.MIN_VALUE);
    });

    it('keeps any double reported', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      let step = 0;
      await fc.assert(
        fc.asyncProperty(storedDouble, async (v) => {
          const s = step++;
          await ctx.storage.report(trial.id, s, v);
          expect((await ctx.storage.getTrial(trial.id)).intermediateValues.get(s)).toBe(v);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('finishing', () => {
    it('completes a RUNNING trial with its values and completion time', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      const before = Date.now();
      expect(await ctx.storage.finishTrial(trial.id, 'COMPLETE', [0.25])).toBe(true);
      const read = await ctx.storage.getTrial(trial.id);
      expect(read).toMatchObject({ state: 'COMPLETE', values: [0.25] });
      expect(read.datetimeComplete!.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(read.datetimeComplete!.getTime()).toBeGreaterThanOrEqual(read.datetimeStart!.getTime());
    });

    it('keeps ±Infinity, NaN and several objective values', async () => {
      const study = await ctx.newStudy();
      const ids: number[] = [];
      for (const values of [[Infinity], [-Infinity], [NaN], [1.5, -2, Infinity]]) {
        const trial = await ctx.newTrial(study.id);
        await ctx.storage.finishTrial(trial.id, 'COMPLETE', values);
        ids.push(trial.id);
      }
      const read = await Promise.all(ids.map((id) => ctx.storage.getTrial(id)));
      expect(read.map((t) => t.values)).toEqual([[Infinity], [-Infinity], [NaN], [1.5, -2, Infinity]]);
    });

    it('keeps no values when finished without any', async () => {
      const study = await ctx.newStudy();
      const pruned = await ctx.newTrial(study.id);
      const failed = await ctx.newTrial(study.id);
      const empty = await ctx.newTrial(study.id);
      await ctx.storage.finishTrial(pruned.id, 'PRUNED');
      await ctx.storage.finishTrial(failed.id, 'FAIL', null);
      await ctx.storage.finishTrial(empty.id, 'COMPLETE', []);
      expect((await ctx.storage.getTrial(pruned.id)).values).toBeNull();
      expect((await ctx.storage.getTrial(failed.id)).values).toBeNull();
      expect((await ctx.storage.getTrial(empty.id)).values).toBeNull();
      expect((await ctx.storage.getTrial(pruned.id)).state).toBe('PRUNED');
      expect((await ctx.storage.getTrial(failed.id)).state).toBe('FAIL');
    });

    it('finishes once: a second finish returns false and changes nothing', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.finishTrial(trial.id, 'PRUNED', [3]);
      const first = await ctx.storage.getTrial(trial.id);
      expect(await ctx.storage.finishTrial(trial.id, 'COMPLETE', [1])).toBe(false);
      expect(await ctx.storage.finishTrial(trial.id, 'FAIL')).toBe(false);
      expect(await ctx.storage.getTrial(trial.id)).toEqual(first);
    });

    it('lets exactly one of concurrent finishes win', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      const results = await Promise.all([1, 2, 3, 4].map((v) => ctx.storage.finishTrial(trial.id, 'COMPLETE', [v])));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true) + 1;
      expect((await ctx.storage.getTrial(trial.id)).values).toEqual([winner]);
    });

    it('refuses params, reports and heartbeats on a finished trial with SODATE_TRIAL_FINISHED', async () => {
      const study = await ctx.newStudy();
      const trial = await ctx.newTrial(study.id);
      await ctx.storage.setParam(trial.id, 'x', 0.5, floatDistribution(0, 1));
      await ctx.storage.report(trial.id, 0, 1);
      await ctx.storage.finishTrial(trial.id, 'COMPLETE', [1]);
      await expect(ctx.storage.setParam(trial.id, 'x', 0.1, floatDistribution(0, 1))).rejects.toMatchObject({
        code: 'SODATE_TRIAL_FINISHED',
        message: expect.stringContaining('trial 0'),
      });
      await expect(ctx.storage.setParam(trial.id, 'y', 0.1, floatDistribution(0, 1))).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
      await expect(ctx.storage.report(trial.id, 1, 2)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
      await expect(ctx.storage.heartbeat(trial.id)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
      const read = await ctx.storage.getTrial(trial.id);
      expect(read.params).toEqual({ x: 0.5 });
      expect([...read.intermediateValues]).toEqual([[0, 1]]);
    });
  });
}
