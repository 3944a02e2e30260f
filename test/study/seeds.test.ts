import { describe, expect, it } from 'vitest';
import { createStudy } from '../../src/study/create.js';
import { ablationSeed, confirmSeed, sharedTrialSeed, stageSeed, trialSeed } from '../../src/study/seeds.js';
import { isRerun } from '../../src/storage/records.js';
import { ABLATION_ATTR, ABLATION_SEED_ATTR, CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR, TRIAL_SEED_ATTR, TRIAL_SEEDS_ATTR } from '../../src/storage/metadata.js';
import { InMemoryStorage } from '../../src/storage/memory.js';

describe('stage seeds', () => {
  it('keep the first stage on the given seed and give each later stage its own, the same run after run', () => {
    expect(stageSeed(7, 0)).toBe(7);
    const later = [1, 2, 3].map((i) => stageSeed(7, i));
    expect(new Set([7, ...later]).size).toBe(4);
    // Pinned: a stage's trial seeds must not change from one sodate version to the next.
    expect(later.slice(0, 2)).toEqual([1165320102, 1487908702]);
  });
});

describe('trial seeds', () => {
  it('gives every asked trial a stored seed derived from the study seed and its number', async () => {
    const study = await createStudy({ systemAttrs: { 'sodate:seed': 42 } });
    const a = await study.ask();
    const b = await study.ask();
    expect([a.seed, b.seed]).toEqual([trialSeed(42, 0), trialSeed(42, 1)]);
    expect(a.seed).not.toBe(b.seed);
    await study.tell(a, 1);
    expect((await study.getTrials())[0]?.systemAttrs[TRIAL_SEED_ATTR]).toBe(trialSeed(42, 0));
  });

  it('draws other seeds for another study seed, and confirmation seeds apart from trial seeds', () => {
    expect(trialSeed(1, 0)).not.toBe(trialSeed(2, 0));
    expect(confirmSeed(1, 0, 0)).not.toBe(trialSeed(1, 0));
    expect(Number.isSafeInteger(trialSeed(2 ** 40, 3))).toBe(true);
  });

  it('gives an enqueued confirmation run the seed in its user attributes', async () => {
    const study = await createStudy({ systemAttrs: { 'sodate:seed': 42 } });
    await study.enqueueTrial({ x: 1 }, { userAttrs: { [CONFIRM_SEED_ATTR]: 777 } });
    const t = await study.ask();
    expect(t.seed).toBe(777);
  });

  it('gives an enqueued ablation run the seed in its user attributes, the same for every configuration', async () => {
    const study = await createStudy({ systemAttrs: { 'sodate:seed': 42 } });
    const seed = ablationSeed(42, 'report', 0);
    await study.enqueueTrial({ x: 1 }, { userAttrs: { [ABLATION_ATTR]: { flipped: [] }, [ABLATION_SEED_ATTR]: seed } });
    await study.enqueueTrial({ x: 2 }, { userAttrs: { [ABLATION_ATTR]: { flipped: ['x'] }, [ABLATION_SEED_ATTR]: seed } });
    expect([(await study.ask()).seed, (await study.ask()).seed]).toEqual([seed, seed]);
    expect(ablationSeed(42, 'search', 0)).not.toBe(seed);
    expect(ablationSeed(42, 'report', 1)).not.toBe(seed);
  });

  it('tells re-runs of confirm and ablate from tuning trials', () => {
    expect(isRerun({ userAttrs: { [CONFIRM_OF_ATTR]: 3 } })).toBe(true);
    expect(isRerun({ userAttrs: { [ABLATION_ATTR]: { flipped: [] } } })).toBe(true);
    expect(isRerun({ userAttrs: { 'sodate:baseline': true } })).toBe(false);
  });

  it('gives every tuning trial the one shared seed with trialSeeds: shared, re-runs still their own', async () => {
    const study = await createStudy({ systemAttrs: { 'sodate:seed': 42 }, trialSeeds: 'shared' });
    expect(study.systemAttrs[TRIAL_SEEDS_ATTR]).toBe('shared');
    const seeds = [(await study.ask()).seed, (await study.ask()).seed, (await study.ask()).seed];
    expect(seeds).toEqual([sharedTrialSeed(42), sharedTrialSeed(42), sharedTrialSeed(42)]);
    expect(sharedTrialSeed(42)).not.toBe(sharedTrialSeed(43));
    await study.enqueueTrial({ x: 1 }, { userAttrs: { [CONFIRM_SEED_ATTR]: 777 } });
    expect((await study.ask()).seed).toBe(777);
  });

  it('keeps trialSeeds with the study: another process resuming it without the option shares the seed too, and giving it switches', async () => {
    const storage = new InMemoryStorage();
    const first = await createStudy({ name: 's', storage, systemAttrs: { 'sodate:seed': 7 }, trialSeeds: 'shared' });
    await first.ask();
    const joined = await createStudy({ name: 's', storage, loadIfExists: true });
    expect((await joined.ask()).seed).toBe(sharedTrialSeed(7));
    const switched = await createStudy({ name: 's', storage, loadIfExists: true, trialSeeds: 'per-trial' });
    expect((await switched.ask()).seed).toBe(trialSeed(7, 2));
  });

  it('refuses an unknown trialSeeds value in one line', async () => {
    await expect(createStudy({ trialSeeds: 'fixed' as never })).rejects.toThrow("trialSeeds must be one of 'per-trial', 'shared', got \"fixed\"");
  });
});
