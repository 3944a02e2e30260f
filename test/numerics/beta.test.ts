import { describe, expect, it } from 'vitest';
import { betaCdf, logGamma } from '../../src/numerics/beta.js';

describe('logGamma', () => {
  it('matches ln((n − 1)!) and ln Γ(1/2) = ln √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(20)).toBeCloseTo(39.339884187199495, 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});

describe('betaCdf', () => {
  it('has the closed forms of Beta(1, b) and Beta(a, 1)', () => {
    for (const x of [0.01, 0.1, 0.5, 0.9]) {
      expect(betaCdf(x, 1, 7)).toBeCloseTo(1 - (1 - x) ** 7, 12);
      expect(betaCdf(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 12);
    }
  });
  it('matches scipy.stats.beta.cdf', () => {
    expect(betaCdf(0.5, 2, 3)).toBeCloseTo(0.6875, 12);
    expect(betaCdf(0.1, 0.5, 10.5)).toBeCloseTo(0.858446908187113, 11); // beta.cdf(0.1, 0.5, 10.5)
    expect(betaCdf(0.3, 12, 4) / 9.165869215199995e-5).toBeCloseTo(1, 10); // beta.cdf(0.3, 12, 4)
  });
  it('is 0 and 1 at the ends and symmetric: I_x(a, b) = 1 − I_(1−x)(b, a)', () => {
    expect(betaCdf(0, 2, 2)).toBe(0);
    expect(betaCdf(1, 2, 2)).toBe(1);
    expect(betaCdf(0.37, 2.5, 6)).toBeCloseTo(1 - betaCdf(0.63, 6, 2.5), 13);
  });
  it('refuses shapes that are not positive', () => {
    expect(() => betaCdf(0.5, 0, 1)).toThrow('Beta shape parameters must be positive, got 0, 1');
  });
});
