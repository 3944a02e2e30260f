import { describe, expect, it } from 'vitest';
import { WilcoxonPruner } from '../../src/pruners/wilcoxon.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import type { Trial } from '../../src/study/objective-trial.js';
import { FOLDS_ATTR } from '../../src/storage/metadata.js';

const FOLD_EFFECT = [0, 0.2, -0.1, 0.3, 0.1];

/** 5 folds of x + fold effect, in a shuffled order; returns nothing (the mean is the value). */
async function fiveFolds(trial: Trial): Promise<void> {
  const x = trial.suggestFloat('x', 0, 1);
  for (const fold of [3, 0, 4, 1, 2]) await trial.reportFold(fold, x + (FOLD_EFFECT[fold] as number));
}

describe('trial.reportFold', () => {
  it('stores fold values as intermediate values keyed by the fold index, marks the trial, and completes with their mean', async () => {
    const study = await createStudy({ storage: new InMemoryStorage() });
    const [t] = await study.optimize(fiveFolds, { nTrials: 1 });
    const x = t!.params['x'] as number;
    expect(t!.state).toBe('COMPLETE');
    expect([...t!.intermediateValues.entries()].sort((a, b) => a[0] - b[0])).toEqual(FOLD_EFFECT.map((e, i) => [i, x + e]));
    expect(t!.systemAttrs[FOLDS_ATTR]).toBe(true);
    expect(t!.values![0]).toBeCloseTo(x + 0.1, 12);
    // What storage holds, not only the snapshot tell returned.
    const stored = (await study.getTrials())[0]!;
    expect(stored.intermediateValues.size).toBe(5);
    expect(stored.systemAttrs[FOLDS_ATTR]).toBe(true);
  });

  it('keeps the value the objective returns over the mean', async () => {
    const study = await createStudy({ storage: new InMemoryStorage() });
    const [t] = await study.optimize(
      async (trial) => {
        await trial.reportFold(0, 1);
        await trial.reportFold(1, 3);
        return 10;
      },
      { nTrials: 1 },
    );
    expect(t!.values).toEqual([10]);
  });

  it('a pruned fold trial keeps the mean over the folds it ran as its value', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), sampler: new RandomSampler({ seed: 0 }), pruner: new WilcoxonPruner({ pThreshold: 0.3 }) });
    await study.enqueueTrial({ x: 0 });
    await study.enqueueTrial({ x: 0.9 });
    const [, worse] = await study.optimize(async (trial) => {
      const x = trial.suggestFloat('x', 0, 1);
      for (let fold = 0; fold < 5; fold++) await trial.reportFold(fold, x + (FOLD_EFFECT[fold] as number));
    }, { nTrials: 2 });
    expect(worse!.state).toBe('PRUNED');
    expect(worse!.intermediateValues.size).toBe(2);
    expect(worse!.values![0]).toBeCloseTo(0.9 + 0.1, 12);
  });

  it('refuses a bad fold index, a non-number, a fold reported twice and steps mixed with folds, in one line naming the fix; the study goes on', async () => {
    const study = await createStudy({ storage: new InMemoryStorage() });
    const cases: ((trial: Trial) => Promise<number | void>)[] = [
      (trial) => trial.reportFold(1.5, 0.3),
      (trial) => trial.reportFold(-1, 0.3),
      (trial) => trial.reportFold(0, '0.3' as unknown as number),
      async (trial) => {
        await trial.reportFold(2, 0.4);
        await trial.reportFold(2, 0.5);
      },
      async (trial) => {
        await trial.report(0, 0.4);
        await trial.reportFold(1, 0.5);
      },
      async (trial) => {
        await trial.reportFold(0, 0.4);
        await trial.report(1, 0.5);
      },
      async () => undefined,
    ];
    const trials = [];
    for (const objective of cases) trials.push(...(await study.optimize(objective, { nTrials: 1 })));
    trials.push(...(await study.optimize(fiveFolds, { nTrials: 1 })));
    const reasons = trials.map((t) => t.systemAttrs['fail_reason']);
    expect(reasons.slice(0, 7)).toEqual([
      "fold must be a non-negative integer (0, 1, …: the fold's index), got 1.5",
      "fold must be a non-negative integer (0, 1, …: the fold's index), got -1",
      'the value of fold 0 must be a number, got "0.3"',
      'fold 2 was reported twice (first 0.4, then 0.5); report each fold once',
      'trial 4 already reported steps (report); it cannot also report folds: use one of the two in a trial',
      'trial 5 reports folds (reportFold); it cannot also report steps: use one of the two in a trial',
      'objective returned no value and reported no folds: return a number, or report folds with trial.reportFold(i, value) (a command prints {"fold": i, "value": v})',
    ]);
    for (const r of reasons.slice(0, 7)) expect(r).not.toMatch(/\n/);
    expect(trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'COMPLETE']);
    // The fold stored before the duplicate stays stored.
    expect([...(await study.getTrials())[3]!.intermediateValues]).toEqual([[2, 0.4]]);
  });

  it('needs a single-objective study', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), directions: ['minimize', 'minimize'] });
    const trial = await study.ask();
    await expect(trial.reportFold(0, 1)).rejects.toThrow('reportFold needs a single-objective study; this one has 2 objectives');
  });
});
