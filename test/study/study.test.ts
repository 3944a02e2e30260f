import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../src/samplers/random.js';
import { contains } from '../../src/space/distributions.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { Pruner } from '../../src/policies/policies.js';
import { createStudy, loadStudy } from '../../src/study/create.js';
import { TrialPruned } from '../../src/study/trial-pruned.js';

describe('createStudy and loadStudy', () => {
  it('refuses an existing name unless loadIfExists', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 's', storage });
    await expect(createStudy({ name: 's', storage })).rejects.toThrow(/already exists .* pass loadIfExists/);
    const again = await createStudy({ name: 's', storage, loadIfExists: true });
    expect(again.name).toBe('s');
  });
  it('refuses an existing name with the code SODATE_STUDY_EXISTS, as the README documents', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 's', storage });
    await expect(createStudy({ name: 's', storage })).rejects.toMatchObject({ code: 'SODATE_STUDY_EXISTS' });
  });
  it('refuses resuming with the other direction', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 's', storage, direction: 'maximize' });
    await expect(createStudy({ name: 's', storage, loadIfExists: true })).rejects.toThrow('study "s" in memory: is to maximize, not minimize');
  });
  it('refuses names that would escape the studies folder', async () => {
    await expect(createStudy({ name: '../x' })).rejects.toThrow(/must not contain/);
  });
  it('loads a study with its trials', async () => {
    const storage = new InMemoryStorage();
    const study = await createStudy({ name: 's', storage });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const loaded = await loadStudy({ name: 's', storage });
    expect(loaded.trials.map((t) => t.number)).toEqual([0, 1, 2]);
  });
});

describe('ask and tell', () => {
  it('tells a value, a pruned trial with its last intermediate value, and a failure with its reason', async () => {
    const study = await createStudy();
    const a = await study.ask();
    a.suggestFloat('x', 0, 1);
    expect((await study.tell(a, 0.5)).state).toBe('COMPLETE');
    const b = await study.ask();
    await b.report(0, 0.9);
    await b.report(1, 0.7);
    expect((await study.tell(b.number, { state: 'pruned' })).values).toEqual([0.7]);
    const c = await study.ask();
    await study.tell(c, { state: 'fail', error: new Error('out of memory') });
    const trials = await study.getTrials();
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED', 'FAIL']);
    expect(trials[2]?.systemAttrs['fail_reason']).toBe('out of memory');
  });
  it('keeps the first value of a step reported twice, as Optuna does', async () => {
    const study = await createStudy();
    const t = await study.ask();
    await t.report(3, 0.5);
    await t.report(3, 0.1);
    expect(t.reportedAt(3)).toBe(0.5);
    const told = await study.tell(t, 0.4);
    expect(told.intermediateValues.get(3)).toBe(0.5);
    expect((await study.getTrials())[0]?.intermediateValues.get(3)).toBe(0.5);
  });
  it('stores a non-finite number in a user attribute as the string JSON outputs print, not as null', async () => {
    const study = await createStudy();
    const t = await study.ask();
    t.setUserAttr('loss', NaN);
    t.setUserAttr('curve', [1, Infinity, { worst: -Infinity }]);
    await study.tell(t, 1);
    expect((await study.getTrials())[0]?.userAttrs).toEqual({ loss: 'NaN', curve: [1, 'Infinity', { worst: '-Infinity' }] });
  });
  it('has bestValue, bestTrial and trials up to date right after a tell, as in Optuna', async () => {
    const study = await createStudy({ direction: 'minimize' });
    for (let i = 0; i < 5; i++) {
      const t = await study.ask();
      t.suggestFloat('x', 0, 1);
      await study.tell(t, 10 - i);
    }
    expect(study.bestValue).toBe(6);
    expect(study.bestTrial?.number).toBe(4);
    expect(study.trials.map((t) => t.state)).toEqual(Array(5).fill('COMPLETE'));
  });
  it('refuses a new parameter suggested after the trial was told (it would be dropped), and answers one it has', async () => {
    const study = await createStudy();
    const t = await study.ask();
    const x = t.suggestFloat('x', 0, 1);
    await study.tell(t, 1);
    expect(t.suggestFloat('x', 0, 1)).toBe(x);
    expect(() => t.suggestFloat('y', 0, 1)).toThrow('trial 0 was already told; suggest "y" before study.tell');
  });
  it('refuses to tell a finished trial again', async () => {
    const study = await createStudy();
    const t = await study.ask();
    await study.tell(t, 1);
    await expect(study.tell(t, 2)).rejects.toThrow('trial 0 is already COMPLETE; it cannot be told again');
    // A refused tell changes nothing: not the reason a failed trial ended with, nor a complete one's attributes.
    await expect(study.tell(t, { state: 'fail', error: 'late' })).rejects.toThrow(/already COMPLETE/);
    const failed = await study.ask();
    await study.tell(failed, 'abc' as unknown as number);
    await expect(study.tell(failed, { state: 'fail', error: 'OVERWRITE' })).rejects.toThrow(/already FAIL/);
    await study.refresh();
    expect(study.trials.map((x) => [x.state, x.systemAttrs['fail_reason']])).toEqual([
      ['COMPLETE', undefined],
      ['FAIL', expect.stringMatching(/abc/) as unknown],
    ]);
  });
  it('stores infinities as values and NaN as a failure', async () => {
    const study = await createStudy();
    await study.tell(await study.ask(), Infinity);
    await study.tell(await study.ask(), -Infinity);
    await study.tell(await study.ask(), NaN);
    const trials = await study.getTrials();
    expect(trials.map((t) => [t.state, t.values?.[0]])).toEqual([
      ['COMPLETE', Infinity],
      ['COMPLETE', -Infinity],
      ['FAIL', undefined],
    ]);
    expect(trials[2]?.systemAttrs['fail_reason']).toBe('objective returned NaN');
    expect(study.bestValue).toBe(-Infinity);
  });
  it('returns the same value when a parameter is suggested twice, and refuses a changed kind', async () => {
    const study = await createStudy();
    const t = await study.ask();
    const x = t.suggestFloat('x', 0, 1);
    expect(t.suggestFloat('x', 0, 1)).toBe(x);
    expect(() => t.suggestInt('x', 0, 1)).toThrow(/was a float and is now an int/);
  });
  it('refuses a parameter whose kind changed since an earlier trial', async () => {
    const study = await createStudy();
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 });
    const t = await study.ask();
    expect(() => t.suggestCategorical('x', ['a'])).toThrow(/was a float and is now a categorical/);
  });
});

describe('optimize', () => {
  it('keeps going after a throwing trial and records its error', async () => {
    const study = await createStudy();
    await study.optimize(
      (t) => {
        if (t.number === 1) throw new Error('diverged');
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 3 },
    );
    expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'COMPLETE']);
    expect(study.trials[1]?.systemAttrs['fail_reason']).toBe('diverged');
  });
  it('records TrialPruned as PRUNED and a report after the decision throws', async () => {
    const pruneAtTwo: Pruner = { prune: (_s, t) => t.intermediateValues.has(2) };
    const study = await createStudy({ pruner: pruneAtTwo });
    await study.optimize(
      async (t) => {
        for (let step = 0; step < 5; step++) await t.report(step, 1 / (step + 1));
        return 0;
      },
      { nTrials: 1 },
    );
    expect(study.trials[0]?.state).toBe('PRUNED');
    expect([...(study.trials[0]?.intermediateValues.keys() ?? [])]).toEqual([0, 1, 2]);
  });
  it('never prunes a re-run (confirm, ablate), whichever run asks it', async () => {
    const pruneAtTwo: Pruner = { prune: (_s, t) => t.intermediateValues.has(2) };
    const study = await createStudy({ pruner: pruneAtTwo });
    await study.enqueueTrial({}, { userAttrs: { 'sodate:confirm_of': 0, 'sodate:confirm_seed': 1 } });
    const curve = async (t: { report: (step: number, value: number) => Promise<void> }) => {
      for (let step = 0; step < 5; step++) await t.report(step, 1 / (step + 1));
      return 0;
    };
    await study.optimize(curve, { nTrials: 2 });
    expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED']);
  });
  it('stops at maxTrials counted over the whole study', async () => {
    const study = await createStudy();
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { maxTrials: 5 });
    expect(study.trials).toHaveLength(5);
  });
  it('stops asking after the timeout', async () => {
    let clock = 0;
    const study = await createStudy();
    await study.optimize(
      () => {
        clock += 1000;
        return 1;
      },
      { timeoutSeconds: 3.5, now: () => clock },
    );
    expect(study.trials).toHaveLength(4);
  });
  it('calls callbacks with each finished trial in order', async () => {
    const seen: number[] = [];
    const study = await createStudy();
    await study.optimize((t) => t.number, { nTrials: 3, callbacks: [(_s, t) => void seen.push(t.number)] });
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('enqueueTrial', () => {
  it('runs an enqueued configuration first, once', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.enqueueTrial({ lr: 0.001, opt: 'sgd' });
    expect(await study.enqueueTrial({ opt: 'sgd', lr: 0.001 }, { skipIfExists: true })).toBe(false);
    await study.optimize(
      (t) => {
        t.suggestFloat('lr', 1e-5, 1e-2, { log: true });
        t.suggestCategorical('opt', ['adamw', 'sgd']);
        return 0;
      },
      { nTrials: 2 },
    );
    expect(study.trials[0]?.params).toEqual({ lr: 0.001, opt: 'sgd' });
    expect(study.trials[1]?.params).not.toEqual({ lr: 0.001, opt: 'sgd' });
  });
  it('with retryFailed, queues a configuration again whose only run was cut short; one that failed by itself, a completed or a waiting one still counts', async () => {
    const study = await createStudy();
    await study.enqueueTrial({ x: 0.5 });
    await study.enqueueTrial({ x: 0.7 });
    await study.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1);
      // What a second Ctrl-C records; any other error is the run's own.
      throw new Error(x === 0.5 ? 'interrupted' : 'diverged');
    }, { nTrials: 2 });
    expect(study.trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL']);
    expect(await study.enqueueTrial({ x: 0.7 }, { skipIfExists: true, retryFailed: true })).toBe(false);
    expect(await study.enqueueTrial({ x: 0.5 }, { skipIfExists: true })).toBe(false);
    expect(await study.enqueueTrial({ x: 0.5 }, { skipIfExists: true, retryFailed: true })).toBe(true);
    expect(await study.enqueueTrial({ x: 0.5 }, { skipIfExists: true, retryFailed: true })).toBe(false);
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 });
    expect(study.trials[2]).toMatchObject({ state: 'COMPLETE', params: { x: 0.5 } });
    expect(await study.enqueueTrial({ x: 0.5 }, { skipIfExists: true, retryFailed: true })).toBe(false);
  });
  it('refuses an enqueued value outside the distribution when it is suggested', async () => {
    const study = await createStudy();
    await study.enqueueTrial({ x: 5 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 });
    expect(study.trials[0]?.systemAttrs['fail_reason']).toMatch(/enqueued value 5 of parameter "x" lies outside its distribution/);
  });
});

describe('seeded studies', () => {
  it('the same seed gives the same study; values stay inside their distributions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (seed) => {
        const run = async () => {
          const study = await createStudy({ sampler: new RandomSampler({ seed }) });
          await study.optimize(
            (t) => {
              const opt = t.suggestCategorical('opt', ['adamw', 'sgd']);
              const lr = t.suggestFloat('lr', 1e-5, 1e-2, { log: true });
              if (opt === 'sgd') t.suggestFloat('momentum', 0.8, 0.99);
              t.suggestInt('bs', 16, 128, { log: true });
              t.suggestFloat('dp', 0, 0.3, { step: 0.05 });
              return lr;
            },
            { nTrials: 5 },
          );
          return study.trials;
        };
        const [a, b] = [await run(), await run()];
        expect(a.map((t) => t.params)).toEqual(b.map((t) => t.params));
        for (const t of a) for (const [name, v] of Object.entries(t.internalParams)) expect(contains(t.distributions[name]!, v)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
  it('throws TrialPruned as an Error with a stable code', () => {
    const e = new TrialPruned();
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('SODATE_TRIAL_PRUNED');
  });
});

describe('an exhaustible sampler', () => {
  it('stops optimize once every grid point is taken', async () => {
    const { GridSampler } = await import('../../src/samplers/grid.js');
    const study = await createStudy({ sampler: new GridSampler({ searchSpace: { x: [0, 1, 2], opt: ['a', 'b'] } }) });
    await study.optimize(
      (t) => {
        t.suggestCategorical('opt', ['a', 'b']);
        return t.suggestInt('x', 0, 2);
      },
      { nTrials: 100 },
    );
    expect(study.trials).toHaveLength(6);
    expect(new Set(study.trials.map((t) => JSON.stringify(t.params))).size).toBe(6);
  });
});
