import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitFoldModel, forecastFoldMean, probabilityBetter } from '../../src/pruners/fold-prediction.js';
import type { FoldModel } from '../../src/pruners/fold-prediction.js';
import { FoldPredictivePruner, prunerFromSpec } from '../../src/pruners/index.js';
import type { Direction } from '../../src/storage/records.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const row = (values: readonly number[]) => new Map(values.map((v, f) => [f, v] as const));
const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

function finished(number: number, folds: readonly number[]) {
  return makeTrial({ number, value: mean(folds), intermediate: folds.map((v, f) => [f, v] as const) });
}

function running(number: number, folds: readonly number[]) {
  return makeTrial({ number, intermediate: folds.map((v, f) => [f, v] as const) });
}

describe('the fold model (known values)', () => {
  // Rows [1, 2, 3] and [2, 3, 5]: row means 2 and 10/3, grand mean 8/3, column means 1.5, 2.5, 4.
  const model = fitFoldModel([row([1, 2, 3]), row([2, 3, 5])]) as FoldModel;

  it('takes fold effects as column means less the grand mean, σ² as the residual mean square on (T−1)(K−1) df', () => {
    expect(model.effects.get(0)).toBeCloseTo(-7 / 6, 12);
    expect(model.effects.get(1)).toBeCloseTo(-1 / 6, 12);
    expect(model.effects.get(2)).toBeCloseTo(4 / 3, 12);
    // Residuals ±1/6, ±1/6, ∓1/3: SS = 1/3 over 2 df.
    expect(model.variance).toBeCloseTo(1 / 6, 12);
    expect(model.df).toBe(2);
  });

  it('forecasts the mean over all folds from one fold: level 8/3, scale √(σ²(m²/n + m)(1 + 1/T))/K = 1/√6', () => {
    const forecast = forecastFoldMean(model, new Map([[0, 1.5]]));
    expect(forecast?.mean).toBeCloseTo(8 / 3, 12);
    // New noise σ²(m²/n + m)/K² = 1/9, and the estimated effects' error adds 1/T of it.
    expect(forecast?.scale).toBeCloseTo(1 / Math.sqrt(6), 12);
    // t = (2 − 8/3)·√6 = −2√6/3 on 2 df: P = ½ + t/(2√(2 + t²)) = ½ − 1/√7.
    expect(probabilityBetter(forecast!, 2, 'minimize')).toBeCloseTo(0.5 - 1 / Math.sqrt(7), 10);
    expect(probabilityBetter(forecast!, 2, 'maximize')).toBeCloseTo(0.5 + 1 / Math.sqrt(7), 10);
  });

  it('fits rows with holes: exactly additive values recover the effects, with no residual', () => {
    // Effects (−1, 0, 1); levels 5, 2, 7; the second and third rows each miss a fold.
    const holes = fitFoldModel([row([4, 5, 6]), new Map([[0, 1], [1, 2]]), new Map([[1, 7], [2, 8]]), row([-1, 0, 1])], [0, 1, 2]) as FoldModel;
    expect(holes.effects.get(0)).toBeCloseTo(-1, 12);
    expect(holes.effects.get(1)).toBeCloseTo(0, 12);
    expect(holes.effects.get(2)).toBeCloseTo(1, 12);
    expect(holes.variance).toBeCloseTo(0, 12);
    // 10 values − 4 levels − 2 effects.
    expect(holes.df).toBe(4);
  });

  it('cannot tell the effects of folds that no row links to the others', () => {
    const apart = [new Map([[0, 1], [1, 2]]), new Map([[0, 3], [1, 5]]), new Map([[2, 1], [3, 2]]), new Map([[2, 0], [3, 4]])];
    expect(fitFoldModel(apart, [0, 1, 2, 3])).toBeUndefined();
  });

  it('needs two rows of two folds, and a trial with at least one of the folds', () => {
    expect(fitFoldModel([row([1, 2, 3])])).toBeUndefined();
    expect(fitFoldModel([row([1]), row([2])])).toBeUndefined();
    expect(forecastFoldMean(model, new Map([[7, 1]]))).toBeUndefined();
  });
});

const table = fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 2, maxLength: 8 });
const partial = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 3 });

describe('the fold model (properties)', () => {
  it('on a complete table of T rows, the forecast variance is σ²(m²/n + m)(1 + 1/T)/K²', () => {
    fc.assert(
      fc.property(table, partial, (rows, own) => {
        const model = fitFoldModel(rows.map(row)) as FoldModel;
        fc.pre(model.variance > 1e-6);
        const n = own.length;
        const m = 4 - n;
        const forecast = forecastFoldMean(model, row(own))!;
        expect(forecast.scale ** 2).toBeCloseTo((model.variance * (m * m / n + m) * (1 + 1 / rows.length)) / 16, 9);
        expect(forecast.df).toBe((rows.length - 1) * 3);
      }),
    );
  });

  it('a row with a single fold changes neither the effects, nor σ², nor the degrees of freedom', () => {
    fc.assert(
      fc.property(table, fc.integer({ min: 0, max: 3 }), fc.double({ min: -10, max: 10, noNaN: true }), (rows, fold, value) => {
        const without = fitFoldModel(rows.map(row)) as FoldModel;
        const with1 = fitFoldModel([...rows.map(row), new Map([[fold, value]])], [0, 1, 2, 3]) as FoldModel;
        for (const f of [0, 1, 2, 3]) expect(with1.effects.get(f)).toBeCloseTo(without.effects.get(f) as number, 9);
        expect(with1.variance).toBeCloseTo(without.variance, 9);
        expect(with1.df).toBe(without.df);
      }),
    );
  });

  it('a trial with every fold is certain: its forecast is its own mean with no spread', () => {
    fc.assert(
      fc.property(table, fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), (rows, own) => {
        const forecast = forecastFoldMean(fitFoldModel(rows.map(row)) as FoldModel, row(own));
        expect(forecast?.scale).toBe(0);
        expect(forecast?.mean).toBeCloseTo(mean(own), 9);
      }),
    );
  });

  it('the probability is within [0, 1], unchanged by a shift of every value, and mirrors with the direction', () => {
    fc.assert(
      fc.property(table, partial, fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (rows, own, target, shift) => {
        const model = fitFoldModel(rows.map(row)) as FoldModel;
        // An exact fit (σ² = 0) makes the answer a step that rounding may flip: not this property's business.
        fc.pre(model.variance > 1e-6);
        const p = probabilityBetter(forecastFoldMean(model, row(own))!, target, 'minimize');
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        const shifted = probabilityBetter(forecastFoldMean(fitFoldModel(rows.map((r) => row(r.map((v) => v + shift)))) as FoldModel, row(own.map((v) => v + shift)))!, target + shift, 'minimize');
        expect(shifted).toBeCloseTo(p, 6);
        const mirrored = probabilityBetter(forecastFoldMean(fitFoldModel(rows.map((r) => row(r.map((v) => -v)))) as FoldModel, row(own.map((v) => -v)))!, -target, 'maximize');
        expect(mirrored).toBeCloseTo(p, 6);
      }),
    );
  });

  it('a worse value on a fold never makes the trial more likely to end better', () => {
    fc.assert(
      fc.property(table, partial, fc.double({ min: 0, max: 5, noNaN: true }), (rows, own, worse) => {
        const model = fitFoldModel(rows.map(row)) as FoldModel;
        const target = mean(rows.map(mean));
        const before = probabilityBetter(forecastFoldMean(model, row(own))!, target, 'minimize');
        const after = probabilityBetter(forecastFoldMean(model, row(own.map((v, f) => (f === 0 ? v + worse : v))))!, target, 'minimize');
        expect(after).toBeLessThanOrEqual(before + 1e-12);
      }),
    );
  });
});

describe('the fold forecast is calibrated (simulated from the model)', () => {
  // A fixed generator: mulberry32 and Box–Muller.
  function gaussians(seed: number): () => number {
    let state = seed >>> 0;
    const uniform = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    };
    return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }

  it('with 4 finished trials and one fold seen, the trial ends below its forecast 10% point about 10% of the time', () => {
    const effects = [0, 0.6, -0.4, 1.0, -0.2];
    const normal = gaussians(7);
    const runs = 4000;
    let below = 0;
    for (let r = 0; r < runs; r++) {
      const rows = Array.from({ length: 4 }, () => {
        const level = 3 * normal();
        return row(effects.map((e) => level + e + normal()));
      });
      const level = 3 * normal();
      const values = effects.map((e) => level + e + normal());
      const forecast = forecastFoldMean(fitFoldModel(rows) as FoldModel, new Map([[0, values[0] as number]]))!;
      // P(M < target) is the forecast's CDF at the outcome: uniform when calibrated.
      if (probabilityBetter(forecast, mean(values), 'minimize') < 0.1) below++;
    }
    // Binomial(4000, 0.1): sd 0.0047. The forecast without the effects' error gave 0.127 here (0.126, 0.132 with seeds 8, 9).
    expect(Math.abs(below / runs - 0.1)).toBeLessThan(0.015);
  });
});

/** Five finished trials on 5 folds: fold effects (0, 0.6, −0.4, 1, −0.2), levels 1..5, small noise. */
const EFFECTS = [0, 0.6, -0.4, 1.0, -0.2];
const NOISE = [
  [0.05, -0.03, 0.02, -0.04, 0.0],
  [-0.02, 0.04, -0.05, 0.01, 0.02],
  [0.03, 0.0, 0.04, -0.03, -0.04],
  [-0.04, 0.02, -0.01, 0.05, -0.02],
  [0.01, -0.03, 0.0, 0.02, 0.03],
];
const levels = [1, 2, 3, 4, 5];
const study = (direction: Direction = 'minimize') => {
  const sign = direction === 'minimize' ? 1 : -1;
  return makeStudyView(
    levels.map((level, t) => finished(t, EFFECTS.map((e, f) => sign * (level + e + (NOISE[t]?.[f] as number))))),
    direction,
  );
};

describe('FoldPredictivePruner', () => {
  it('prunes a trial far behind after its first fold, and keeps one level with the best', () => {
    const pruner = new FoldPredictivePruner({ topFraction: 0 });
    // The hardest fold (effect 1) at level 3: far behind level 1 with σ ≈ 0.04.
    expect(pruner.prune(study(), running(5, [3 + 0]))).toBe(true);
    expect(pruner.probability(study(), running(5, [1.0]))).toBeGreaterThan(0.1);
    expect(pruner.prune(study(), running(5, [1.0]))).toBe(false);
  });

  it('reads a hard fold as hard: a level-1 value on the hardest fold is kept, as the same value on an easy fold is not', () => {
    const pruner = new FoldPredictivePruner({ topFraction: 0 });
    // 2.0 on fold 3 (effect +1) is level 1; on fold 2 (effect −0.4) it is level 2.4.
    expect(pruner.prune(study(), makeTrial({ number: 5, intermediate: [[3, 2.0]] }))).toBe(false);
    expect(pruner.prune(study(), makeTrial({ number: 5, intermediate: [[2, 2.0]] }))).toBe(true);
  });

  it('with topFraction, compares with the k-th best finished trial, k = ⌈fraction × finished⌉', () => {
    // 5 finished: topFraction 0.5 → k = 3, the level-3 trial; a level-2.5 trial may still end above it.
    const atLevel = (level: number) => running(5, [level + EFFECTS[0]!]);
    expect(new FoldPredictivePruner({ topFraction: 0 }).prune(study(), atLevel(2.5))).toBe(true);
    expect(new FoldPredictivePruner({ topFraction: 0.5 }).prune(study(), atLevel(2.5))).toBe(false);
    expect(new FoldPredictivePruner({ topFraction: 0.5 }).prune(study(), atLevel(4))).toBe(true);
  });

  it('maximizes the same way', () => {
    const pruner = new FoldPredictivePruner({ topFraction: 0 });
    expect(pruner.prune(study('maximize'), running(5, [-3]))).toBe(true);
    expect(pruner.prune(study('maximize'), running(5, [-1]))).toBe(false);
  });

  it('keeps a trial before nStartupTrials finished trials, before nStartupSteps folds, and with a non-finite value', () => {
    const far = running(5, [10]);
    expect(new FoldPredictivePruner({ nStartupTrials: 6 }).prune(study(), far)).toBe(false);
    expect(new FoldPredictivePruner({ nStartupSteps: 2 }).prune(study(), far)).toBe(false);
    expect(new FoldPredictivePruner().prune(study(), running(5, [NaN]))).toBe(false);
    expect(new FoldPredictivePruner().prune(makeStudyView([]), far)).toBe(false);
  });

  it('never prunes a trial it forecasts at least level with the target, whatever minProbability', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.5, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 4 }), (level, fold) => {
        const trial = makeTrial({ number: 5, intermediate: [[fold, level + (EFFECTS[fold] as number)]] });
        expect(new FoldPredictivePruner({ minProbability: 0.5, topFraction: 0 }).prune(study(), trial)).toBe(false);
      }),
    );
  });

  it('never prunes a trial that has run every fold: stopping it would save nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { minLength: 5, maxLength: 5 }), (values) => {
        expect(new FoldPredictivePruner({ minProbability: 0.5, topFraction: 0 }).prune(study(), running(5, values))).toBe(false);
      }),
    );
  });

  it('fits the fold effects to the trials that ran before the first pruned one: later survivors are selected on their first folds', () => {
    const pruner = new FoldPredictivePruner({ topFraction: 0 });
    const early = study().getTrials(['COMPLETE']);
    const prunedOne = makeTrial({ number: 5, state: 'PRUNED', value: 9, intermediate: [[0, 9]] });
    // A survivor whose first fold is 3 below its others: fitted to, it would make fold 0 read easier.
    const survivor = finished(6, EFFECTS.map((e, f) => 10 + e + (f === 0 ? -3 : 0)));
    const probe = running(7, [1.3]);
    const withSurvivor = pruner.probability(makeStudyView([...early, prunedOne, survivor]), probe);
    expect(withSurvivor).toBeCloseTo(pruner.probability(makeStudyView([...early, prunedOne]), probe), 12);
    // Before any trial was pruned, every complete trial is fitted to, the survivor too.
    expect(pruner.probability(makeStudyView([...early, finished(5, EFFECTS.map((e, f) => 10 + e + (f === 0 ? -3 : 0)))]), probe)).not.toBeCloseTo(withSurvivor, 3);
  });

  it('validates its options, and is built from a space file by kind fold-predictive', () => {
    expect(() => new FoldPredictivePruner({ minProbability: 0.7 })).toThrow('minProbability must be within [0, 0.5], got 0.7');
    expect(() => new FoldPredictivePruner({ topFraction: 1 })).toThrow('topFraction must be below 1');
    expect(() => new FoldPredictivePruner({ nStartupTrials: 1 })).toThrow('nStartupTrials must be at least 2, got 1');
    expect(() => prunerFromSpec({ kind: 'fold-predictive', pThreshold: 0.1 })).toThrow('FoldPredictivePruner has no option "pThreshold"');
    expect(prunerFromSpec({ kind: 'fold-predictive', minProbability: 0.2 })).toBeInstanceOf(FoldPredictivePruner);
  });
});
