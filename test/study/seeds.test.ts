import { describe, expect, it } from 'vitest';
import { createStudy } from '../../src/study/create.js';
import { CONFIRM_SEED_ATTR, TRIAL_SEED_ATTR, confirmSeed, trialSeed } from '../../src/study/seeds.js';

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
});
