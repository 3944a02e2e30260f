import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { Pruner, Sampler, StudyView } from '../../src/policies/policies.js';
import { createStudy } from '../../src/study/create.js';
import { describeWarmStart, translateWarmTrials } from '../../src/study/warm-start.js';
import type { WarmStartSource } from '../../src/study/warm-start.js';
import { CONFIRM_OF_ATTR, WARM_START_BEST_ATTR, WARM_START_OF_ATTR } from '../../src/storage/metadata.js';

/** An old study in `storage`: `n` random trials of f over x ∈ [0, 1] (and `extra` fixed parameters). */
async function oldStudy(storage: InMemoryStorage, n: number, f: (x: number) => number, name = 'old', direction: 'minimize' | 'maximize' = 'minimize'): Promise<void> {
  const study = await createStudy({ name, storage, direction, sampler: new RandomSampler({ seed: 7 }) });
  await study.optimize((t) => f(t.suggestFloat('x', 0, 1)), { nTrials: n });
}

function oldTrial(number: number, params: Record<string, [Distribution, number]>, value: number): FrozenTrial {
  return {
    id: 100 + number,
    number,
    state: 'COMPLETE',
    values: [value],
    params: {},
    internalParams: Object.fromEntries(Object.entries(params).map(([k, [, v]]) => [k, v])),
    distributions: Object.fromEntries(Object.entries(params).map(([k, [d]]) => [k, d])),
    intermediateValues: new Map(),
    userAttrs: {},
    systemAttrs: { 'constraints:mem': 0.5, other: 1 },
    datetimeStart: null,
    datetimeComplete: null,
  };
}

describe('translating old trials into the new distributions', () => {
  const oldLr = floatDistribution(1e-5, 1e-1, { log: true });
  const oldOpt = categoricalDistribution(['adamw', 'sgd', 'lion']);
  const source: WarmStartSource = {
    from: 'old',
    url: 'memory:',
    trials: [
      oldTrial(0, { lr: [oldLr, 1e-3], opt: [oldOpt, 1], gone: [intDistribution(0, 3), 2] }, 0.5),
      oldTrial(1, { lr: [oldLr, 5e-2], opt: [oldOpt, 0], gone: [intDistribution(0, 3), 1] }, 0.4),
      oldTrial(2, { lr: [oldLr, 1e-4], opt: [oldOpt, 2], gone: [intDistribution(0, 3), 0] }, 0.3),
    ],
  };
  // The range narrowed to [1e-5, 1e-2], 'lion' removed and 'sgd' moved to index 0, 'gone' removed, 'ema' added.
  const target = new Map<string, Distribution>([
    ['lr', floatDistribution(1e-5, 1e-2, { log: true })],
    ['opt', categoricalDistribution(['sgd', 'adamw', 'adam'])],
    ['ema', categoricalDistribution([true, false])],
  ]);

  it('keeps values the new distribution holds, by value (a choice keeps its name, not its index), and drops removed parameters', () => {
    const { trials, dropped, removedParams } = translateWarmTrials(source, target, { declared: true });
    expect(trials).toHaveLength(1);
    expect(trials[0]?.params).toEqual({ lr: 1e-3, opt: 'sgd' });
    expect(trials[0]?.internalParams).toEqual({ lr: 1e-3, opt: 0 });
    expect(trials[0]?.distributions['opt']).toBe(target.get('opt'));
    expect(dropped).toBe(2); // lr 5e-2 lies outside the narrowed range; 'lion' was removed
    expect(removedParams).toEqual(['gone']);
  });

  it('with outside: clip, moves an outside number onto the range but still drops a removed choice', () => {
    const { trials, dropped, clipped } = translateWarmTrials(source, target, { declared: true, outside: 'clip' });
    expect(trials.map((t) => t.params['lr'])).toEqual([1e-3, 1e-2]);
    expect(dropped).toBe(1);
    expect(clipped).toBe(1);
  });

  it('gives parameters the old study never had the assumed value, only where their condition holds', () => {
    const space = compileSearchSpace([
      { name: 'lr', distribution: target.get('lr') as Distribution, when: null },
      { name: 'opt', distribution: target.get('opt') as Distribution, when: null },
      { name: 'momentum', distribution: floatDistribution(0.8, 0.99), when: { opt: ['sgd'] } },
      { name: 'ema', distribution: target.get('ema') as Distribution, when: null },
    ]);
    const kept = translateWarmTrials({ ...source, trials: [...source.trials, oldTrial(3, { lr: [oldLr, 2e-3], opt: [oldOpt, 0] }, 0.2)] }, new Map(space.params.map((p) => [p.name, p.distribution])), {
      declared: true,
      specs: space.params,
      assume: { momentum: 0.9, ema: false },
    });
    expect(kept.trials.map((t) => t.params)).toEqual([
      { lr: 1e-3, opt: 'sgd', momentum: 0.9, ema: false },
      { lr: 2e-3, opt: 'adamw', ema: false },
    ]);
    expect(kept.assumed).toEqual(['momentum', 'ema']);
  });

  it('numbers old trials 0…W−1 with negative ids, marks their origin and keeps only constraint attributes', () => {
    const { trials } = translateWarmTrials(source, new Map(), { declared: false });
    expect(trials.map((t) => [t.number, t.id])).toEqual([
      [0, -1],
      [1, -2],
      [2, -3],
    ]);
    expect(trials[2]?.userAttrs).toEqual({ [WARM_START_OF_ATTR]: 'old#2' });
    expect(trials[2]?.systemAttrs).toEqual({ 'constraints:mem': 0.5 });
    // Nothing declared: old parameters keep their old distributions.
    expect(trials[2]?.distributions['gone']).toEqual(intDistribution(0, 3));
  });

  it("keeps an Optuna 3 study's constraints list, under its indices", () => {
    const optuna3 = { ...source, trials: [{ ...oldTrial(0, { lr: [oldLr, 1e-3] }, 0.5), systemAttrs: { constraints: [0.2, -1] } }] };
    expect(translateWarmTrials(optuna3, new Map(), { declared: false }).trials[0]?.systemAttrs).toEqual({ 'constraints:0': 0.2, 'constraints:1': -1 });
  });
});

/** A sampler that records what it reads and samples at random. */
class Spy implements Sampler {
  readonly seen: { trial: number; history: number; warm: number }[] = [];
  private readonly random = new RandomSampler({ seed: 1 });
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, dist: Distribution): number {
    const all = study.getTrials();
    this.seen.push({ trial: trial.number, history: all.length, warm: all.filter((t) => t.userAttrs[WARM_START_OF_ATTR] !== undefined).length });
    return this.random.sampleIndependent(study, trial, name, dist);
  }
}

describe('a warm-started study', () => {
  it('shows the old trials to its sampler only: not as its trials, not to the pruner, not in the budget', async () => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 12, (x) => (x - 0.8) ** 2);
    const spy = new Spy();
    const pruned: number[] = [];
    const pruner: Pruner = {
      prune: (study) => {
        pruned.push(study.getTrials().length);
        return false;
      },
    };
    const study = await createStudy({ name: 'new', storage, sampler: spy, pruner, warmStart: { from: 'old', enqueueBest: false } });
    await study.optimize(
      async (t) => {
        const x = t.suggestFloat('x', 0, 1);
        await t.report(0, x);
        return x;
      },
      { nTrials: 3 },
    );
    expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2]);
    // The sampler reads the 12 old trials, then this study's own (renumbered past them).
    expect(spy.seen).toEqual([
      { trial: 12, history: 13, warm: 12 },
      { trial: 13, history: 14, warm: 12 },
      { trial: 14, history: 15, warm: 12 },
    ]);
    expect(pruned).toEqual([1, 2, 3]);
    expect(study.warmStartSummary).toMatchObject({ from: 'old', read: 12, used: 12, dropped: 0 });
    expect(study.systemAttrs['sodate:warm_start']).toMatchObject({ from: 'old', trials: 12 });
    expect(describeWarmStart(study.warmStartSummary!)).toBe('warm start: 12 trials of old; they teach the sampler and are not trials of this study');
  });

  it('enqueues the old best configuration first, once, also when resumed', async () => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 20, (x) => (x - 0.8) ** 2);
    const old = await createStudy({ name: 'old', storage, loadIfExists: true });
    const bestX = old.bestParams?.['x'];
    const study = await createStudy({ name: 'new', storage, sampler: new TPESampler({ seed: 0 }), warmStart: { from: 'old' } });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
    expect(study.trials[0]?.params['x']).toBe(bestX);
    expect(study.trials[0]?.userAttrs[WARM_START_BEST_ATTR]).toBe('old');
    const resumed = await createStudy({ name: 'new', storage, loadIfExists: true, sampler: new TPESampler({ seed: 0 }), warmStart: { from: 'old' } });
    await resumed.optimize((t) => t.suggestFloat('x', 0, 1), { maxTrials: 4 });
    expect(resumed.trials.filter((t) => t.userAttrs[WARM_START_BEST_ATTR] !== undefined)).toHaveLength(1);
  });

  it("never enqueues a re-run by confirm or ablate as the old study's best", async () => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 10, (x) => (x - 0.8) ** 2);
    const old = await createStudy({ name: 'old', storage, loadIfExists: true });
    const tuningBest = old.bestParams?.['x'];
    // A lucky seed of another configuration, stored as a confirmation re-run: the lowest value of the study.
    const rerun = await old.ask();
    rerun.suggestFloat('x', 0, 1);
    rerun.setUserAttr(CONFIRM_OF_ATTR, 0);
    await old.tell(rerun, -1);
    const study = await createStudy({ name: 'new', storage, sampler: new TPESampler({ seed: 0 }), warmStart: { from: 'old' } });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 });
    expect(study.trials[0]?.params['x']).toBe(tuningBest);
  });

  it.each([
    ['tpe', (seed: number) => new TPESampler({ seed })],
    ['gp with warmStartPrior', (seed: number) => new GPSampler({ seed, deterministicObjective: true, nCandidates: 128, warmStartPrior: true })],
  ])('lets %s skip its random startup and sample where the old study found good values', async (_name, sampler) => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 30, (x) => (x - 0.8) ** 2);
    const distance = async (warm: boolean): Promise<number> => {
      const study = await createStudy({ name: warm ? 'warm' : 'cold', storage, sampler: sampler(3), ...(warm ? { warmStart: { from: 'old', enqueueBest: false } } : {}) });
      await study.optimize((t) => (t.suggestFloat('x', 0, 1) - 0.8) ** 2, { nTrials: 8 });
      // GP with the prior takes over after 3 trials of its own: 5 of the 8 are near the old optimum.
      const d = study.trials.map((t) => Math.abs((t.params['x'] as number) - 0.8)).sort((a, b) => a - b);
      return d[4] as number;
    };
    expect(await distance(true)).toBeLessThan(0.1);
    expect(await distance(false)).toBeGreaterThan(0.1);
  });

  it('samples deterministically for a seed', async () => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 15, (x) => Math.sin(6 * x));
    const run = async (name: string) => {
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 5 }), warmStart: { from: 'old' } });
      await study.optimize((t) => Math.sin(6 * t.suggestFloat('x', 0, 1)), { nTrials: 8 });
      return study.trials.map((t) => t.params['x']);
    };
    expect(await run('a')).toEqual(await run('b'));
  });

  it('TPE samples the same whatever the scale of the old objective: a monotone rescaling of its values changes nothing', async () => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 20, (x) => (x - 0.3) ** 2, 'plain');
    // Another epoch count, say: every old value 10 times larger and 100 worse than the new objective's.
    await oldStudy(storage, 20, (x) => 100 + 10 * (x - 0.3) ** 2, 'rescaled');
    const run = async (name: string, from: string) => {
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 3 }), warmStart: { from } });
      await study.optimize((t) => (t.suggestFloat('x', 0, 1) - 0.35) ** 2, { nTrials: 15 });
      return study.trials.map((t) => t.params['x']);
    };
    expect(await run('a', 'plain')).toEqual(await run('b', 'rescaled'));
  });

  it('TPE lets the study\'s own trials outweigh the earlier ones as they accumulate (warmStartFade), where the two objectives disagree', async () => {
    const storage = new InMemoryStorage();
    // The earlier objective is best at x = 0.2, the new one at 0.8.
    await oldStudy(storage, 60, (x) => (x - 0.2) ** 2);
    const nearNewOptimum = async (name: string, warmStartFade: number) => {
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 4, warmStartFade }), warmStart: { from: 'old' } });
      await study.optimize((t) => (t.suggestFloat('x', 0, 1) - 0.8) ** 2, { nTrials: 40 });
      return study.trials.slice(10).filter((t) => Math.abs((t.params['x'] as number) - 0.8) < 0.1).length;
    };
    const fading = await nearNewOptimum('fading', 2);
    const never = await nearNewOptimum('never', Infinity);
    // Of trials 11…40 within 0.1 of the new optimum: 14 fading, none when the 60 old trials weigh as much as the new throughout.
    expect(fading).toBeGreaterThan(never + 5);
  });

  it('from a study without complete trials samples exactly as a cold study', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 'empty', storage });
    const run = async (name: string, warm: boolean) => {
      const study = await createStudy({ name, storage, sampler: new TPESampler({ seed: 2, nStartupTrials: 3 }), ...(warm ? { warmStart: { from: 'empty' } } : {}) });
      await study.optimize((t) => (t.suggestFloat('x', 0, 1) - 0.3) ** 2 + t.suggestInt('k', 0, 4), { nTrials: 10 });
      return study.trials.map((t) => t.params);
    };
    expect(await run('w', true)).toEqual(await run('c', false));
  });

  it('refuses, in one line naming the fix: an unknown study, another direction, a missing file, itself', async () => {
    const storage = new InMemoryStorage();
    await oldStudy(storage, 3, (x) => x, 'up', 'maximize');
    await expect(createStudy({ name: 'n', storage, warmStart: { from: 'nope' } })).rejects.toThrow(
      'warm start: no study named "nope" in memory: (it holds up); check warmStart.from, or give warmStart.storage where it lives',
    );
    await expect(createStudy({ name: 'n', storage, warmStart: { from: 'up' } })).rejects.toThrow(
      'warm start: study "up" in memory: is to maximize, this study is to minimize; warm-start from a study of the same direction',
    );
    const missing = join(mkdtempSync(join(tmpdir(), 'sodate-warm-')), 'old.db');
    await expect(createStudy({ name: 'n', storage, warmStart: { from: 'up', storage: missing } })).rejects.toThrow(`warm start: ${missing} does not exist; give warmStart.storage`);
    await createStudy({ name: 'self', storage, direction: 'maximize' });
    await expect(createStudy({ name: 'self', storage, direction: 'maximize', loadIfExists: true, warmStart: { from: 'self' } })).rejects.toThrow('cannot warm-start from itself');
    // A refused warm start creates no study.
    expect((await storage.listStudies()).map((s) => s.name).sort()).toEqual(['self', 'up']);
  });

  it('without a declared space, refuses a parameter whose choices changed since the old study', async () => {
    const storage = new InMemoryStorage();
    const old = await createStudy({ name: 'old', storage });
    await old.optimize((t) => (t.suggestCategorical('c', ['a', 'b']) === 'a' ? 1 : 0), { nTrials: 2 });
    const study = await createStudy({ name: 'n', storage, warmStart: { from: 'old', enqueueBest: false } });
    const trial = await study.ask();
    expect(() => trial.suggestCategorical('c', ['a', 'b', 'c'])).toThrow(/had choices \["a","b"\] and now/);
  });
});
