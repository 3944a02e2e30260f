import { describe, expect, it } from 'vitest';
import { discreteMasses, gridDensity, pearsonDivergence, scottBandwidth, unitGrid } from '../../src/analysis/numerics/kde.js';
import { mean, probabilityLess, quantile, std, summarize } from '../../src/numerics/stats.js';
import { linearAxis, logAxis, niceTicks, unitOf, categoryAxis } from '../../src/analysis/plots/axes.js';
import { thin } from '../../src/analysis/plots/thin.js';

describe('statistics', () => {
  it('mean, sample std and NumPy-style quantiles on known values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935299395, 12);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(summarize([3, 1, 2])).toMatchObject({ n: 3, min: 1, median: 2, max: 3 });
  });

  it('P(a < b) is 1 for separated samples, 0.5 for equal ones, and counts ties as halves', () => {
    expect(probabilityLess([1, 2], [3, 4])).toBe(1);
    expect(probabilityLess([3, 4], [1, 2])).toBe(0);
    expect(probabilityLess([1, 2, 3], [1, 2, 3])).toBe(0.5);
    // Pairs: (1,2) less, (2,2) tie → (1 + 0.5) / 2.
    expect(probabilityLess([1, 2], [2])).toBe(0.75);
  });
});

describe('grid densities and the Pearson divergence', () => {
  it('masses sum to 1 with the prior spread uniformly', () => {
    const p = discreteMasses([0, 0, 1], 4, 0.2);
    expect([...p].reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(p[0]).toBeCloseTo(0.8 * (2 / 3) + 0.05, 12);
    expect(p[3]).toBeCloseTo(0.05, 12);
  });

  it('is 0 between identical densities and grows as one concentrates', () => {
    const grid = unitGrid(50);
    const spread = Array.from({ length: 200 }, (_, i) => (i + 0.5) / 200);
    const narrow = Array.from({ length: 50 }, (_, i) => 0.45 + (0.1 * i) / 50);
    const pAll = gridDensity(spread, grid, scottBandwidth(spread, 0.02), 0.01);
    expect(pearsonDivergence(pAll, pAll)).toBe(0);
    const pNarrow = gridDensity(narrow, grid, scottBandwidth(narrow, 0.02), 0.01);
    const pHalf = gridDensity(spread.slice(0, 100), grid, scottBandwidth(spread.slice(0, 100), 0.02), 0.01);
    expect(pearsonDivergence(pNarrow, pAll)).toBeGreaterThan(pearsonDivergence(pHalf, pAll));
    expect(pearsonDivergence(pHalf, pAll)).toBeGreaterThan(0.5);
  });

  it("Scott's bandwidth is σ·1.059·n^(−1/5), floored", () => {
    expect(scottBandwidth([0, 1], 0.01)).toBeCloseTo(1.059 * Math.SQRT1_2 * 2 ** -0.2, 12);
    expect(scottBandwidth([0.5, 0.5, 0.5], 0.02)).toBe(0.02);
  });
});

describe('axes', () => {
  it('nice ticks are round steps covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6]);
  });

  it('maps values onto [0, 1]: linear, log and categories at cell centres', () => {
    const lin = linearAxis('x', [0, 10], 0);
    expect(unitOf(lin, 5)).toBe(0.5);
    const log = logAxis('lr', [1e-5, 1e-1]);
    expect(unitOf(log, 1e-3)).toBeCloseTo(0.5, 12);
    expect(log.ticks.map((t) => t.label)).toEqual(['1.0e-5', '1.0e-4', '0.001', '0.01', '0.1']);
    const cat = categoryAxis('opt', ['a', 'b', 'c']);
    expect([0, 1, 2].map((i) => unitOf(cat, i))).toEqual([1 / 6, 0.5, 5 / 6]);
  });
});

describe('thin', () => {
  it('keeps all items under the limit, else the marked ones plus evenly spaced others, in order', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    expect(thin(items, 200)).toEqual(items);
    const kept = thin(items, 10, (i) => i === 97);
    expect(kept).toHaveLength(10);
    expect(kept).toContain(97);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept[0]).toBe(0);
  });
});
