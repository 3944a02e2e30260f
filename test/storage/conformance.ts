import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/json.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../src/space/distributions.js';
import type { FrozenTrial, TrialCursor } from '../../src/storage/records.js';
import { START_CURSOR } from '../../src/storage/records.js';
import type { Storage } from '../../src/storage/storage.js';

export interface StorageFixture {
  readonly storage: Storage;
  /** Close the storage and remove whatever it left behind. */
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plain JSON: what a value reads back as after JSON.stringify/parse (no -0, no undefined). */
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
/** Any double a storage must keep exactly: NaN and ±Infinity included; -0 reads back as 0. */
const storedDouble = fc.double().map((v) => (Object.is(v, -0) ? 0 : v));

/**
 * The behaviour every Storage must share, as a vitest suite. Each test gets a fresh,
 * empty storage from `makeStorage`; `cleanup` runs after it.
 */
export function describeStorageConformance(name: string, makeStorage: () => Promise<StorageFixture>): void {
  describe(`Storage conformance: ${name}`, () => {
    let fixture: StorageFixture;
    let storage: Storage;

    beforeEach(async () => {
      fixture = await makeStorage();
      storage = fixture.storage;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    async function newStudy(studyName = 'study', direction: 'minimize' | 'maximize' = 'minimize') {
      return storage.createStudy({ name: studyName, direction });
    }
    async function newTrial(studyId: number, template?: Parameters<Storage['createTrial']>[1]): Promise<FrozenTrial> {
      const trial = await storage.createTrial(studyId, template);
      if (trial === null) throw new Error('createTrial unexpectedly refused');
      return trial;
    }
    async function completed(studyId: number, value: number): Promise<FrozenTrial> {
      const trial = await newTrial(studyId);
      await storage.finishTrial(trial.id, 'COMPLETE', [value]);
      return trial;
    }

    describe('studies', () => {
      it('creates a study and loads it back by name', async () => {
        const created = await storage.createStudy({
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
        expect(await storage.loadStudy('image-baseline')).toEqual(created);
      });

      it('loads null for a name that does not exist', async () => {
        await newStudy('present');
        expect(await storage.loadStudy('absent')).toBeNull();
      });

      it('refuses a taken name with SODATE_STUDY_EXISTS and keeps the first study', async () => {
        const first = await newStudy('dup', 'minimize');
        await expect(storage.createStudy({ name: 'dup', direction: 'maximize' })).rejects.toMatchObject({ code: 'SODATE_STUDY_EXISTS' });
        expect(await storage.loadStudy('dup')).toEqual(first);
        expect(await storage.listStudies()).toHaveLength(1);
      });

      it('treats names as case-sensitive and gives each study its own id', async () => {
        const a = await newStudy('Study');
        const b = await newStudy('study');
        expect(a.id).not.toBe(b.id);
        expect((await storage.loadStudy('Study'))?.id).toBe(a.id);
      });

      it('lists nothing when empty', async () => {
        expect(await storage.listStudies()).toEqual([]);
      });

      it('lists studies in creation order with counts, best value and start', async () => {
        const before = Date.now();
        const min = await newStudy('min', 'minimize');
        const max = await newStudy('max', 'maximize');
        const empty = await newStudy('empty', 'minimize');
        for (const v of [3, -1, 7]) await completed(min.id, v);
        const pruned = await newTrial(min.id);
        await storage.finishTrial(pruned.id, 'PRUNED', [-100]);
        await newTrial(min.id); // running
        await newTrial(min.id, { state: 'WAITING' });
        for (const v of [3, 9, NaN]) await completed(max.id, v);
        const failed = await newTrial(max.id);
        await storage.finishTrial(failed.id, 'FAIL');

        const summaries = await storage.listStudies();
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

      it('takes ±Infinity as best values and ignores NaN', async () => {
        const min = await newStudy('min', 'minimize');
        const max = await newStudy('max', 'maximize');
        const nan = await newStudy('nan', 'minimize');
        for (const v of [1, -Infinity]) await completed(min.id, v);
        for (const v of [1, Infinity]) await completed(max.id, v);
        await completed(nan.id, NaN);
        const best = Object.fromEntries((await storage.listStudies()).map((s) => [s.name, s.bestValue]));
        expect(best).toEqual({ min: -Infinity, max: Infinity, nan: null });
      });

      it('starts a study at its earliest trial start, skipping WAITING trials', async () => {
        const study = await newStudy();
        await newTrial(study.id, { state: 'WAITING' });
        expect((await storage.listStudies())[0]?.datetimeStart).toBeNull();
        const running = await newTrial(study.id);
        expect((await storage.listStudies())[0]?.datetimeStart).toEqual(running.datetimeStart);
      });

      it('deletes a study with all its trials and leaves other studies alone', async () => {
        const doomed = await newStudy('doomed');
        const kept = await newStudy('kept');
        const t = await newTrial(doomed.id, { userAttrs: { a: 1 }, systemAttrs: { b: 2 } });
        await storage.setParam(t.id, 'x', 0.5, floatDistribution(0, 1));
        await storage.report(t.id, 0, 1.5);
        await storage.heartbeat(t.id);
        await storage.finishTrial(t.id, 'COMPLETE', [1]);
        await newTrial(doomed.id, { state: 'WAITING' });
        await storage.setStudyAttr(doomed.id, 'user', 'k', 'v');
        const keptTrial = await completed(kept.id, 2);

        await storage.deleteStudy(doomed.id);
        expect(await storage.loadStudy('doomed')).toBeNull();
        expect((await storage.listStudies()).map((s) => s.name)).toEqual(['kept']);
        await expect(storage.getTrial(t.id)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        expect(await storage.getTrial(keptTrial.id)).toMatchObject({ state: 'COMPLETE', values: [2] });

        const again = await newStudy('doomed');
        expect(again.userAttrs).toEqual({});
        expect((await newTrial(again.id)).number).toBe(0);
      });

      it('refuses to delete a study that does not exist', async () => {
        await expect(storage.deleteStudy(12345)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });

      it('sets study attributes in both scopes, replacing a key', async () => {
        const study = await newStudy();
        await storage.setStudyAttr(study.id, 'user', 'note', { nested: { list: [1, 'two', null, true, { deep: -2.5 }] } });
        await storage.setStudyAttr(study.id, 'system', 'rung', 0);
        await storage.setStudyAttr(study.id, 'system', 'rung', 1);
        expect(await storage.loadStudy('study')).toMatchObject({
          userAttrs: { note: { nested: { list: [1, 'two', null, true, { deep: -2.5 }] } } },
          systemAttrs: { rung: 1 },
        });
        await expect(storage.setStudyAttr(9999, 'user', 'k', 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });

      it('round-trips any JSON value as a study and a trial attribute', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        let i = 0;
        await fc.assert(
          fc.asyncProperty(jsonValue, async (value) => {
            const key = `k${i++}`;
            await storage.setStudyAttr(study.id, 'user', key, value);
            await storage.setTrialAttr(trial.id, 'system', key, value);
            expect((await storage.loadStudy('study'))?.userAttrs[key]).toEqual(value);
            expect((await storage.getTrial(trial.id)).systemAttrs[key]).toEqual(value);
          }),
          { numRuns: 60 },
        );
      });
    });

    describe('trials', () => {
      it('numbers trials 0..n-1 per study, with ids unique across studies', async () => {
        const a = await newStudy('a');
        const b = await newStudy('b');
        const trials: FrozenTrial[] = [];
        for (let i = 0; i < 5; i++) {
          trials.push(await newTrial(a.id));
          trials.push(await newTrial(b.id, i % 2 === 0 ? { state: 'WAITING' } : {}));
        }
        expect(trials.filter((_, i) => i % 2 === 0).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
        expect(trials.filter((_, i) => i % 2 === 1).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
        expect(new Set(trials.map((t) => t.id)).size).toBe(10);
      });

      it('gives concurrent creations distinct consecutive numbers', async () => {
        const study = await newStudy();
        const trials = await Promise.all(Array.from({ length: 20 }, () => newTrial(study.id)));
        expect(trials.map((t) => t.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      });

      it('starts a RUNNING trial now, empty', async () => {
        const study = await newStudy();
        const before = Date.now();
        const trial = await newTrial(study.id);
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
        expect(await storage.getTrial(trial.id)).toEqual(trial);
      });

      it('stores a template: params, attributes and WAITING without a start', async () => {
        const study = await newStudy();
        const lr = floatDistribution(1e-5, 1e-1, { log: true });
        const opt = categoricalDistribution(['adamw', 'sgd']);
        const trial = await newTrial(study.id, {
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
        expect(await storage.getTrial(trial.id)).toEqual(trial);
      });

      it('refuses trials in a study that does not exist', async () => {
        await expect(storage.createTrial(4242)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        await expect(storage.claimWaitingTrial(4242)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });

      it('refuses every trial call on an id that does not exist', async () => {
        const dist = floatDistribution(0, 1);
        await expect(storage.getTrial(777)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        await expect(storage.setParam(777, 'x', 0.5, dist)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        await expect(storage.report(777, 0, 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        await expect(storage.setTrialAttr(777, 'user', 'k', 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        await expect(storage.finishTrial(777, 'COMPLETE', [1])).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
        await expect(storage.heartbeat(777)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });

      it('sets trial attributes in both scopes, replacing a key', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.setTrialAttr(trial.id, 'user', 'epochs', [1, 2, { best: 0.5 }]);
        await storage.setTrialAttr(trial.id, 'system', 'rung_0', 0.25);
        await storage.setTrialAttr(trial.id, 'system', 'rung_0', 0.5);
        expect(await storage.getTrial(trial.id)).toMatchObject({
          userAttrs: { epochs: [1, 2, { best: 0.5 }] },
          systemAttrs: { rung_0: 0.5 },
        });
      });
    });

    describe('enqueued (WAITING) trials', () => {
      it('claims the oldest WAITING trial, starting it now and keeping its params', async () => {
        const study = await newStudy();
        const dist = intDistribution(1, 8);
        const first = await newTrial(study.id, { state: 'WAITING', params: { k: { internal: 3, distribution: dist } } });
        const second = await newTrial(study.id, { state: 'WAITING' });
        const before = Date.now();
        const claimed = await storage.claimWaitingTrial(study.id);
        expect(claimed).toMatchObject({ id: first.id, number: 0, state: 'RUNNING', params: { k: 3 } });
        expect(claimed?.datetimeStart?.getTime()).toBeGreaterThanOrEqual(before - 1);
        expect((await storage.claimWaitingTrial(study.id))?.id).toBe(second.id);
        expect(await storage.claimWaitingTrial(study.id)).toBeNull();
      });

      it('claims nothing in a study without WAITING trials', async () => {
        const study = await newStudy();
        await newTrial(study.id);
        expect(await storage.claimWaitingTrial(study.id)).toBeNull();
      });

      it('runs each WAITING trial exactly once under concurrent claims', async () => {
        const study = await newStudy();
        const other = await newStudy('other');
        const waiting = [];
        for (let i = 0; i < 3; i++) waiting.push(await newTrial(study.id, { state: 'WAITING' }));
        await newTrial(other.id, { state: 'WAITING' });
        const claims = await Promise.all(Array.from({ length: 8 }, () => storage.claimWaitingTrial(study.id)));
        const got = claims.filter((c): c is FrozenTrial => c !== null);
        expect(got.map((c) => c.id).sort((x, y) => x - y)).toEqual(waiting.map((w) => w.id));
        expect(got.every((c) => c.state === 'RUNNING')).toBe(true);
        expect((await storage.countTrials(other.id)).WAITING).toBe(1);
      });
    });

    describe('maxTrials', () => {
      it('refuses a trial once the budget is used, not counting WAITING trials', async () => {
        const study = await newStudy();
        await newTrial(study.id, { state: 'WAITING', maxTrials: 2 });
        await completed(study.id, 1);
        const failed = await newTrial(study.id, { maxTrials: 2 });
        await storage.finishTrial(failed.id, 'FAIL');
        expect(await storage.createTrial(study.id, { maxTrials: 2 })).toBeNull();
        expect(await storage.createTrial(study.id, { maxTrials: 3 })).not.toBeNull();
        expect(await storage.countTrials(study.id)).toMatchObject({ WAITING: 1, COMPLETE: 1, FAIL: 1, RUNNING: 1 });
      });

      it('refuses to claim a WAITING trial once the budget is used', async () => {
        const study = await newStudy();
        await newTrial(study.id, { state: 'WAITING' });
        await newTrial(study.id);
        expect(await storage.claimWaitingTrial(study.id, 1)).toBeNull();
        expect((await storage.claimWaitingTrial(study.id, 2))?.state).toBe('RUNNING');
      });

      it('never overshoots under concurrent creations', async () => {
        const study = await newStudy();
        const results = await Promise.all(Array.from({ length: 12 }, () => storage.createTrial(study.id, { maxTrials: 5 })));
        expect(results.filter((r) => r !== null)).toHaveLength(5);
        expect((await storage.countTrials(study.id)).RUNNING).toBe(5);
      });
    });

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
          const study = await newStudy();
          const trial = await newTrial(study.id);
          const internal = toInternal(dist, external);
          await storage.setParam(trial.id, 'p', internal, dist);
          const read = await storage.getTrial(trial.id);
          expect(read.params).toEqual({ p: external });
          expect(read.internalParams).toEqual({ p: internal });
          expect(read.distributions).toEqual({ p: dist });
        });
      }

      it('replaces a parameter set again under the same name', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.setParam(trial.id, 'x', 0.25, floatDistribution(0, 1));
        await storage.setParam(trial.id, 'y', 2, intDistribution(0, 5));
        await storage.setParam(trial.id, 'x', 0.75, floatDistribution(0, 2));
        const read = await storage.getTrial(trial.id);
        expect(read.params).toEqual({ x: 0.75, y: 2 });
        expect(read.distributions['x']).toEqual(floatDistribution(0, 2));
      });

      it('keeps every float value exactly', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        const dist = floatDistribution(-1e300, 1e300);
        let i = 0;
        await fc.assert(
          fc.asyncProperty(fc.double({ min: -1e300, max: 1e300, noNaN: true }), async (x) => {
            const v = Object.is(x, -0) ? 0 : x;
            const name = `p${i++}`;
            await storage.setParam(trial.id, name, v, dist);
            expect((await storage.getTrial(trial.id)).internalParams[name]).toBe(v);
          }),
          { numRuns: 50 },
        );
      });
    });

    describe('intermediate values', () => {
      it('keeps reports by step, replacing a step reported again', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.report(trial.id, 0, 0.9);
        await storage.report(trial.id, 1, 0.7);
        await storage.report(trial.id, 0, 0.8);
        await storage.report(trial.id, 10, 0.5);
        const read = await storage.getTrial(trial.id);
        expect([...read.intermediateValues.entries()].sort((a, b) => a[0] - b[0])).toEqual([
          [0, 0.8],
          [1, 0.7],
          [10, 0.5],
        ]);
      });

      it('keeps NaN and ±Infinity reports', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.report(trial.id, 0, NaN);
        await storage.report(trial.id, 1, Infinity);
        await storage.report(trial.id, 2, -Infinity);
        await storage.report(trial.id, 3, Number.MIN_VALUE);
        const values = (await storage.getTrial(trial.id)).intermediateValues;
        expect(values.get(0)).toBeNaN();
        expect(values.get(1)).toBe(Infinity);
        expect(values.get(2)).toBe(-Infinity);
        expect(values.get(3)).toBe(Number.MIN_VALUE);
      });

      it('keeps any double reported', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        let step = 0;
        await fc.assert(
          fc.asyncProperty(storedDouble, async (v) => {
            const s = step++;
            await storage.report(trial.id, s, v);
            expect((await storage.getTrial(trial.id)).intermediateValues.get(s)).toBe(v);
          }),
          { numRuns: 60 },
        );
      });
    });

    describe('finishing', () => {
      it('completes a RUNNING trial with its values and completion time', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        const before = Date.now();
        expect(await storage.finishTrial(trial.id, 'COMPLETE', [0.25])).toBe(true);
        const read = await storage.getTrial(trial.id);
        expect(read).toMatchObject({ state: 'COMPLETE', values: [0.25] });
        expect(read.datetimeComplete!.getTime()).toBeGreaterThanOrEqual(before - 1);
        expect(read.datetimeComplete!.getTime()).toBeGreaterThanOrEqual(read.datetimeStart!.getTime());
      });

      it('keeps ±Infinity, NaN and several objective values', async () => {
        const study = await newStudy();
        const ids: number[] = [];
        for (const values of [[Infinity], [-Infinity], [NaN], [1.5, -2, Infinity]]) {
          const trial = await newTrial(study.id);
          await storage.finishTrial(trial.id, 'COMPLETE', values);
          ids.push(trial.id);
        }
        const read = await Promise.all(ids.map((id) => storage.getTrial(id)));
        expect(read.map((t) => t.values)).toEqual([[Infinity], [-Infinity], [NaN], [1.5, -2, Infinity]]);
      });

      it('keeps no values when finished without any', async () => {
        const study = await newStudy();
        const pruned = await newTrial(study.id);
        const failed = await newTrial(study.id);
        const empty = await newTrial(study.id);
        await storage.finishTrial(pruned.id, 'PRUNED');
        await storage.finishTrial(failed.id, 'FAIL', null);
        await storage.finishTrial(empty.id, 'COMPLETE', []);
        expect((await storage.getTrial(pruned.id)).values).toBeNull();
        expect((await storage.getTrial(failed.id)).values).toBeNull();
        expect((await storage.getTrial(empty.id)).values).toBeNull();
        expect((await storage.getTrial(pruned.id)).state).toBe('PRUNED');
        expect((await storage.getTrial(failed.id)).state).toBe('FAIL');
      });

      it('finishes once: a second finish returns false and changes nothing', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.finishTrial(trial.id, 'PRUNED', [3]);
        const first = await storage.getTrial(trial.id);
        expect(await storage.finishTrial(trial.id, 'COMPLETE', [1])).toBe(false);
        expect(await storage.finishTrial(trial.id, 'FAIL')).toBe(false);
        expect(await storage.getTrial(trial.id)).toEqual(first);
      });

      it('lets exactly one of concurrent finishes win', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        const results = await Promise.all([1, 2, 3, 4].map((v) => storage.finishTrial(trial.id, 'COMPLETE', [v])));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true) + 1;
        expect((await storage.getTrial(trial.id)).values).toEqual([winner]);
      });

      it('refuses params, reports and heartbeats on a finished trial with SODATE_TRIAL_FINISHED', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.setParam(trial.id, 'x', 0.5, floatDistribution(0, 1));
        await storage.report(trial.id, 0, 1);
        await storage.finishTrial(trial.id, 'COMPLETE', [1]);
        await expect(storage.setParam(trial.id, 'x', 0.1, floatDistribution(0, 1))).rejects.toMatchObject({
          code: 'SODATE_TRIAL_FINISHED',
          message: expect.stringContaining('trial 0'),
        });
        await expect(storage.setParam(trial.id, 'y', 0.1, floatDistribution(0, 1))).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
        await expect(storage.report(trial.id, 1, 2)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
        await expect(storage.heartbeat(trial.id)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
        const read = await storage.getTrial(trial.id);
        expect(read.params).toEqual({ x: 0.5 });
        expect([...read.intermediateValues]).toEqual([[0, 1]]);
      });
    });

    describe('heartbeats', () => {
      it('fails RUNNING trials whose heartbeat is older than the grace period', async () => {
        const study = await newStudy();
        const other = await newStudy('other');
        const stale = await newTrial(study.id);
        const silent = await newTrial(study.id); // never beat: not judged
        const done = await newTrial(study.id);
        const otherStale = await newTrial(other.id);
        for (const t of [stale, done, otherStale]) await storage.heartbeat(t.id);
        await storage.finishTrial(done.id, 'COMPLETE', [1]);
        await sleep(60);
        const fresh = await newTrial(study.id);
        await storage.heartbeat(fresh.id);

        const before = Date.now();
        const failed = await storage.failStaleTrials(study.id, 0.04);
        expect(failed.map((t) => t.id)).toEqual([stale.id]);
        expect(failed[0]).toMatchObject({ state: 'FAIL', values: null });
        expect(failed[0]?.systemAttrs['fail_reason']).toEqual(expect.any(String));
        expect(failed[0]?.datetimeComplete?.getTime()).toBeGreaterThanOrEqual(before - 1);
        expect(await storage.getTrial(stale.id)).toEqual(failed[0]);
        expect((await storage.getTrial(silent.id)).state).toBe('RUNNING');
        expect((await storage.getTrial(fresh.id)).state).toBe('RUNNING');
        expect((await storage.getTrial(done.id)).state).toBe('COMPLETE');
        expect((await storage.getTrial(otherStale.id)).state).toBe('RUNNING');
      });

      it('keeps trials that beat within the grace period', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.heartbeat(trial.id);
        await sleep(20);
        await storage.heartbeat(trial.id);
        expect(await storage.failStaleTrials(study.id, 60)).toEqual([]);
        expect((await storage.getTrial(trial.id)).state).toBe('RUNNING');
      });

      it('lets no late result overwrite a trial failed as stale', async () => {
        const study = await newStudy();
        const trial = await newTrial(study.id);
        await storage.heartbeat(trial.id);
        await sleep(30);
        expect(await storage.failStaleTrials(study.id, 0.01)).toHaveLength(1);
        expect(await storage.finishTrial(trial.id, 'COMPLETE', [0.1])).toBe(false);
        await expect(storage.report(trial.id, 5, 0.1)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
        expect(await storage.failStaleTrials(study.id, 0.01)).toEqual([]);
        expect((await storage.getTrial(trial.id)).state).toBe('FAIL');
      });

      it('refuses a study that does not exist', async () => {
        await expect(storage.failStaleTrials(555, 1)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });
    });

    describe('trialsSince', () => {
      it('reads every trial from START_CURSOR, ordered by number, with a cursor at the newest', async () => {
        const study = await newStudy();
        const other = await newStudy('other');
        const a = await completed(study.id, 1);
        await newTrial(other.id);
        const b = await newTrial(study.id);
        const c = await newTrial(study.id, { state: 'WAITING' });
        const { trials, cursor } = await storage.trialsSince(study.id, START_CURSOR);
        expect(trials.map((t) => t.number)).toEqual([0, 1, 2]);
        expect(trials.map((t) => t.id)).toEqual([a.id, b.id, c.id]);
        expect(cursor.lastTrialId).toBe(c.id);
        expect([...cursor.openTrialIds].sort((x, y) => x - y)).toEqual([b.id, c.id]);
        expect(trials[1]).toEqual(await storage.getTrial(b.id));
      });

      it('returns an empty read and keeps the cursor for an empty study', async () => {
        const study = await newStudy();
        expect(await storage.trialsSince(study.id, START_CURSOR)).toEqual({ trials: [], cursor: START_CURSOR });
      });

      it('re-reads open trials, reads new ones, and drops finished ones after one last read', async () => {
        const study = await newStudy();
        const done = await completed(study.id, 1);
        const open = await newTrial(study.id);
        let read = await storage.trialsSince(study.id, START_CURSOR);

        read = await storage.trialsSince(study.id, read.cursor);
        expect(read.trials.map((t) => t.id)).toEqual([open.id]);

        await storage.report(open.id, 0, 0.5);
        const added = await newTrial(study.id);
        read = await storage.trialsSince(study.id, read.cursor);
        expect(read.trials.map((t) => t.id)).toEqual([open.id, added.id]);
        expect(read.trials[0]?.intermediateValues.get(0)).toBe(0.5);

        await storage.finishTrial(open.id, 'COMPLETE', [2]);
        await storage.finishTrial(added.id, 'PRUNED');
        read = await storage.trialsSince(study.id, read.cursor);
        expect(read.trials.map((t) => [t.id, t.state])).toEqual([
          [open.id, 'COMPLETE'],
          [added.id, 'PRUNED'],
        ]);
        expect(read.cursor.openTrialIds).toEqual([]);

        read = await storage.trialsSince(study.id, read.cursor);
        expect(read.trials).toEqual([]);
        expect(read.trials.some((t) => t.id === done.id)).toBe(false);
      });

      it('follows a WAITING trial until it is claimed and finished', async () => {
        const study = await newStudy();
        const waiting = await newTrial(study.id, { state: 'WAITING' });
        let read = await storage.trialsSince(study.id, START_CURSOR);
        expect(read.cursor.openTrialIds).toEqual([waiting.id]);
        await storage.claimWaitingTrial(study.id);
        read = await storage.trialsSince(study.id, read.cursor);
        expect(read.trials.map((t) => t.state)).toEqual(['RUNNING']);
        await storage.finishTrial(waiting.id, 'COMPLETE', [0]);
        read = await storage.trialsSince(study.id, read.cursor);
        expect(read.trials.map((t) => t.state)).toEqual(['COMPLETE']);
        expect(read.cursor.openTrialIds).toEqual([]);
      });

      it('adds up, read after read, to the whole study', async () => {
        const study = await newStudy();
        const known = new Map<number, FrozenTrial>();
        let cursor: TrialCursor = START_CURSOR;
        const open: FrozenTrial[] = [];
        for (let round = 0; round < 6; round++) {
          for (let i = 0; i < 3; i++) open.push(await newTrial(study.id, round % 2 === 0 && i === 0 ? { state: 'WAITING' } : {}));
          const t = open.shift();
          if (t !== undefined) await storage.finishTrial(t.id, 'COMPLETE', [round]);
          const read = await storage.trialsSince(study.id, cursor);
          for (const trial of read.trials) known.set(trial.id, trial);
          cursor = read.cursor;
        }
        const whole = await storage.trialsSince(study.id, START_CURSOR);
        expect([...known.values()].sort((a, b) => a.number - b.number)).toEqual(whole.trials);
      });

      it('refuses a study that does not exist', async () => {
        await expect(storage.trialsSince(888, START_CURSOR)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });
    });

    describe('countTrials', () => {
      it('counts trials per state, zeros included', async () => {
        const study = await newStudy();
        expect(await storage.countTrials(study.id)).toEqual({ RUNNING: 0, WAITING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 });
        await completed(study.id, 1);
        await completed(study.id, 2);
        await newTrial(study.id);
        await newTrial(study.id, { state: 'WAITING' });
        const pruned = await newTrial(study.id);
        await storage.finishTrial(pruned.id, 'PRUNED');
        expect(await storage.countTrials(study.id)).toEqual({ RUNNING: 1, WAITING: 1, COMPLETE: 2, PRUNED: 1, FAIL: 0 });
      });

      it('refuses a study that does not exist', async () => {
        await expect(storage.countTrials(999)).rejects.toMatchObject({ code: 'SODATE_NOT_FOUND' });
      });
    });
  });
}
