import { describe, expect, it } from 'vitest';
import { CurveRankPruner, PRUNERS, SuccessiveHalvingPruner, createPruner, prunerFromSpec } from '../../src/pruners/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import type { Pruner } from '../../src/policies/policies.js';
import { TrialPruned } from '../../src/study/trial-pruned.js';
import { EPOCHS, observedLoss, suggestCurveParams } from '../bench/pruner-curves.js';

const SPECS: Record<string, Record<string, unknown>> = {
  none: {},
  'curve-rank': {},
  outlook: { minChance: 0.3, confidence: 0.8 },
  pareto: {},
  median: {},
  percentile: { percentile: 25 },
  asha: { minResource: 1, reductionFactor: 3 },
  'successive-halving': {},
  hyperband: {},
  threshold: { upper: 1.5, nWarmupSteps: 10 },
  patient: { patience: 3, wrapped: { kind: 'median' } },
  // Reads steps as folds here (Optuna's pruner reads any intermediate values so).
  wilcoxon: {},
  'fold-predictive': {},
};

async function runStudy(pruner: Pruner, nTrials = 30) {
  const study = await createStudy({ storage: new InMemoryStorage(), sampler: new RandomSampler({ seed: 3 }), pruner });
  await study.optimize(
    async (trial) => {
      const params = suggestCurveParams(trial);
      let value = NaN;
      for (let epoch = 1; epoch <= EPOCHS; epoch++) {
        value = observedLoss(params, epoch, 'crossing', 0, trial.number);
        await trial.report(epoch, value);
      }
      return value;
    },
    { nTrials },
  );
  return study;
}

describe('every registered pruner runs a real study', () => {
  it('covers every registry entry', () => {
    expect(Object.keys(SPECS).sort()).toEqual(PRUNERS.map((e) => e.kind).sort());
  });
  for (const [kind, options] of Object.entries(SPECS)) {
    it(`${kind}: trials end COMPLETE or PRUNED, pruned ones early`, async () => {
      const study = await runStudy(createPruner(kind, options));
      const states = study.trials.map((t) => t.state);
      expect(states.every((s) => s === 'COMPLETE' || s === 'PRUNED')).toBe(true);
      for (const t of study.trials) {
        if (t.state === 'PRUNED') expect(t.intermediateValues.size).toBeLessThan(EPOCHS);
        else expect(t.intermediateValues.size).toBe(EPOCHS);
      }
      if (kind !== 'none') expect(states).toContain('PRUNED');
    });
  }
  it('ASHA rungs and Hyperband brackets are stored in the trials’ system attributes', async () => {
    const asha = await runStudy(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }), 15);
    expect(asha.trials.filter((t) => 'completed_rung_0' in t.systemAttrs).length).toBeGreaterThan(5);
    const hyperband = await runStudy(prunerFromSpec({ kind: 'hyperband' }), 15);
    expect(hyperband.trials.filter((t) => typeof t.systemAttrs['hyperband:bracket'] === 'number').length).toBeGreaterThan(5);
  });
});

describe('ask / tell', () => {
  it('`await trial.report` throws TrialPruned and the caller tells the trial pruned', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), pruner: createPruner('threshold', { upper: 1 }) });
    const trial = await study.ask();
    await trial.report(0, 0.5);
    await expect(trial.report(1, 2)).rejects.toBeInstanceOf(TrialPruned);
    const frozen = await study.tell(trial, { state: 'pruned' });
    expect(frozen.state).toBe('PRUNED');
    expect(frozen.values).toEqual([2]);
  });
});

describe('pruner options', () => {
  it('name the bad value', () => {
    expect(() => createPruner('percentile', { percentile: 120 })).toThrow('percentile must be within [0, 100], got 120');
    expect(() => createPruner('median', { nWarmupSteps: -1 })).toThrow('nWarmupSteps must be at least 0, got -1');
    expect(() => createPruner('asha', { reductionFactor: 1 })).toThrow('reductionFactor must be at least 2, got 1');
    expect(() => createPruner('asha', { minResource: 'fast' })).toThrow(`minResource must be an integer or 'auto', got "fast"`);
    expect(() => createPruner('asha', { bootstrapCount: 2 })).toThrow("bootstrapCount 2 needs a fixed minResource, not 'auto'");
    expect(() => createPruner('threshold', {})).toThrow('ThresholdPruner needs lower, upper or both');
    expect(() => createPruner('threshold', { lower: 2, upper: 1 })).toThrow('lower must not exceed upper (1), got 2');
    expect(() => createPruner('patient', { patience: -1 })).toThrow('patience must be at least 0, got -1');
    expect(() => createPruner('patient', { patience: 1, wrapped: { kind: 'nope' } })).toThrow('unknown pruner "nope"');
    expect(() => createPruner('hyperband', { maxResource: 3, minResource: 5 })).toThrow('maxResource must be at least minResource (5), got 3');
    expect(() => createPruner('median', { n_startup_trials: 3 })).toThrow('MedianPruner has no option "n_startup_trials"');
    expect(() => createPruner('none', { x: 1 })).toThrow('pruner "none" takes no options, got x');
    expect(() => new CurveRankPruner({ percentile: -5 })).toThrow('percentile must be within [0, 100], got -5');
  });
  it('accept a patient spec wrapping another pruner', () => {
    expect(createPruner('patient', { patience: 3, wrapped: { kind: 'median', nWarmupSteps: 2 } })).toMatchObject({ patience: 3, wrapped: { nWarmupSteps: 2 } });
  });
});

describe('pruner specs from space files', () => {
  it('refuse an option left empty (null) instead of taking the default unseen', async () => {
    const { prunerFromSpec } = await import('../../src/pruners/registry.js');
    expect(() => prunerFromSpec({ kind: 'curve-rank', keepImproving: null })).toThrow('pruner.keepImproving has no value; give one or leave the key out');
    expect(() => prunerFromSpec({ kind: 'median', nWarmupSteps: 2 })).not.toThrow();
  });
});
