/**
 * TPE on discrete spaces: ordinal categoricals (numeric choice lists modelled on a grid of
 * their ranks), duplicate avoidance in all-discrete spaces, and the merging of equal
 * observations that must not change any kernel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { choiceRanks, domainOf, observationCoordinate } from '../../src/samplers/tpe/domain.js';
import type { EstimatorSettings } from '../../src/samplers/tpe/parzen-estimator.js';
import { ParzenEstimator } from '../../src/samplers/tpe/parzen-estimator.js';
import { WorkArrays } from '../../src/samplers/tpe/work-arrays.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, intDistribution } from '../../src/space/distributions.js';
import { createStudy } from '../../src/study/create.js';

const SETTINGS: EstimatorSettings = { priorWeight: 1, magicClip: true, minBandwidthFactor: 0.01, bandwidth: 'neighbor', categoricalBandwidth: 'auto' };

describe('ordinal categoricals', () => {
  it('are lists of three or more distinct numbers; strings, booleans, pairs and repeats stay unordered', () => {
    expect(Array.from(choiceRanks([64, 16, 128, 32]) ?? [])).toEqual([2, 0, 3, 1]);
    expect(choiceRanks(['adamw', 'sgd', 'lamb'])).toBeNull();
    expect(choiceRanks([true, false])).toBeNull();
    expect(choiceRanks([16, 32])).toBeNull();
    expect(choiceRanks([1, 2, 2])).toBeNull();
    expect(choiceRanks([1, 'two', 3])).toBeNull();
    expect(domainOf(categoricalDistribution([16, 32, 64])).kind).toBe('numeric');
    expect(domainOf(categoricalDistribution([16, 32, 64]), false).kind).toBe('categorical');
  });

  it('map each choice to the cell of its rank and back, in any order of the list', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 12, comparator: (a, b) => a === b }), (choices) => {
        if (new Set(choices.map((c) => (Object.is(c, -0) ? 0 : c))).size < choices.length) return; // -0 and 0 are one value
        const domain = domainOf(categoricalDistribution(choices));
        if (domain.kind !== 'numeric' || domain.grid === null) throw new Error('expected a grid');
        const grid = domain.grid;
        for (let i = 0; i < choices.length; i++) {
          const cell = grid.cellOf(i);
          expect(grid.internal(cell)).toBe(i);
          expect(grid.cellAt(observationCoordinate(domain, i))).toBe(cell);
        }
        // Cells follow the values.
        for (let k = 1; k < choices.length; k++) expect(choices[grid.internal(k)] as number).toBeGreaterThan(choices[grid.internal(k - 1)] as number);
      }),
    );
  });

  it('spread a good choice to its neighbours by value, which unordered choices do not', () => {
    const dist = categoricalDistribution([1, 512, 8, 64, 2, 128, 16, 4, 256, 32]);
    // Good trials at 64, 64, 16 and 256 (indices 3, 3, 6, 8).
    const good = [3, 3, 6, 8];
    const massAt = (ordinal: boolean, choice: number): number => {
      const domain = domainOf(dist, ordinal);
      const obs = Float64Array.from(good, (i) => observationCoordinate(domain, i));
      const estimator = new ParzenEstimator([domain], [obs], new Float64Array(good.length).fill(1), SETTINGS, new WorkArrays());
      // Points are given as cells of a grid, as choice indices otherwise.
      const point = domain.kind === 'numeric' ? (domain.grid?.cellOf(choice) as number) : choice;
      return estimator.logDensity([Float64Array.of(point)], 1)[0] as number;
    };
    // 32 and 128 (indices 9 and 5), never tried, lie among them; 1 (index 0) far away.
    expect(massAt(true, 9)).toBeGreaterThan(massAt(true, 0) + 1);
    expect(massAt(true, 5)).toBeGreaterThan(massAt(true, 0) + 1);
    expect(massAt(false, 9)).toBeCloseTo(massAt(false, 0), 12);
  });

  it('find a good value of a numeric choice list faster than unordered choices do', async () => {
    const values = Array.from({ length: 16 }, (_, k) => 2 ** k);
    const regret = async (ordinalChoices: boolean, seed: number): Promise<number> => {
      const study = await createStudy({ sampler: new TPESampler({ seed, ordinalChoices }) });
      await study.optimize((t) => Math.abs(Math.log2(t.suggestCategorical('width', values)) - 11.4) + Math.abs(Math.log2(t.suggestCategorical('depth', values)) - 3.6), { nTrials: 40 });
      return (study.bestValue as number) - 1;
    };
    let ordinal = 0;
    let unordered = 0;
    for (let seed = 0; seed < 4; seed++) {
      ordinal += await regret(true, seed);
      unordered += await regret(false, seed);
    }
    expect(ordinal).toBeLessThan(unordered / 2);
  });
});

describe('duplicate avoidance', () => {
  const space = (t: { suggestCategorical: <T extends string>(n: string, c: readonly T[]) => T }): string =>
    `${t.suggestCategorical('a', ['x', 'y', 'z'])}${t.suggestCategorical('b', ['x', 'y', 'z'])}${t.suggestCategorical('c', ['x', 'y'])}`;
  const cost = (cell: string): number => [...cell].reduce((s, ch, i) => s + (ch.charCodeAt(0) - 120) * (i + 1), 0);

  async function cells(avoidDuplicates: boolean | 'auto', objective: (cell: string, n: number) => number, nTrials: number): Promise<string[]> {
    const study = await createStudy({ sampler: new TPESampler({ seed: 3, nStartupTrials: 3, avoidDuplicates }) });
    const seen: string[] = [];
    await study.optimize(
      (t) => {
        const cell = space(t);
        seen.push(cell);
        return objective(cell, t.number);
      },
      { nTrials },
    );
    return seen;
  }

  it('tries every cell of a deterministic 18-cell space in 18 trials when always on', async () => {
    expect(new Set(await cells(true, cost, 18)).size).toBe(18);
  });

  it("on 'auto', repeats until two repeats gave the same value, then tries new cells", async () => {
    const seen = await cells('auto', cost, 20);
    const repeats = seen.length - new Set(seen).size;
    expect(repeats).toBeGreaterThanOrEqual(1);
    expect(repeats).toBeLessThanOrEqual(2);
    expect(new Set(seen).size).toBe(18);
  });

  it('counts running trials as tried, also without the constant liar', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 5, nStartupTrials: 3, avoidDuplicates: true, constantLiar: false }) });
    await study.optimize((t) => cost(space(t)), { nTrials: 6 });
    // Twelve trials asked at once, none told: each must still differ from all the others.
    const asked = [];
    for (let k = 0; k < 12; k++) {
      const trial = await study.ask();
      asked.push(space(trial));
    }
    expect(new Set([...study.trials.filter((t) => t.state === 'COMPLETE').map((t) => Object.values(t.params).join('')), ...asked]).size).toBe(18);
  });

  it('is refused with anything but true, false or auto', () => {
    expect(() => new TPESampler({ avoidDuplicates: 'sometimes' as never })).toThrow(/avoidDuplicates must be true, false or 'auto', got "sometimes"/);
  });
});

describe('merged observations', () => {
  it('give the same density as the unmerged estimator (the magic clip and the auto width count every observation)', () => {
    const work = new WorkArrays();
    const cases: [Distribution, number[]][] = [
      [intDistribution(0, 9), [3, 3, 3, 4, 8, 8, 0]],
      [categoricalDistribution(['a', 'b', 'c', 'd']), [1, 1, 1, 2, 3, 3]],
      [categoricalDistribution([10, 20, 30, 40, 50]), [1, 1, 4, 4, 4]],
    ];
    for (const [dist, internals] of cases) {
      const domain = domainOf(dist);
      const obs = Float64Array.from(internals, (v) => observationCoordinate(domain, v));
      const weights = new Float64Array(obs.length).fill(1);
      const size = domain.kind === 'categorical' ? domain.size : (domain.grid?.size as number);
      const points = Float64Array.from({ length: size }, (_, k) => k);
      // One dimension merges equal observations; adding a one-choice dimension keeps them apart.
      const merged = new ParzenEstimator([domain], [obs], weights, SETTINGS, work).logDensity([points], size);
      const single = domainOf(categoricalDistribution(['only']));
      const apart = new ParzenEstimator([domain, single], [obs, new Float64Array(obs.length)], weights, SETTINGS, work).logDensity([points, new Float64Array(size)], size);
      for (let k = 0; k < size; k++) expect(merged[k] as number).toBeCloseTo(apart[k] as number, 12);
    }
  });
});
