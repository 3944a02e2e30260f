import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erf, erfc } from '../../src/numerics/erf.js';
import { logAddExp, logSumExp } from '../../src/numerics/logsumexp.js';
import { logGaussMass, logNdtr, ndtr, ndtri, ndtriExp, truncnormLogPdf, truncnormPpf } from '../../src/numerics/truncnorm.js';

// Reference values computed with mpmath at 50–80 significant digits.
const ERF_REFERENCE: [number, number, number][] = [
  [-30, -1.0, 2.0],
  [-10, -1.0, 2.0],
  [-5, -0.99999999999846254, 1.9999999999984625],
  [-2, -0.99532226501895273, 1.9953222650189527],
  [-1, -0.84270079294971487, 1.8427007929497149],
  [-0.5, -0.52049987781304654, 1.5204998778130465],
  [-1e-5, -1.1283791670579e-5, 1.0000112837916706],
  [0, 0.0, 1.0],
  [1e-10, 1.1283791670955126e-10, 0.99999999988716208],
  [0.3, 0.32862675945912742, 0.67137324054087258],
  [0.9, 0.79690821242283214, 0.20309178757716786],
  [1.1, 0.88020506957408173, 0.11979493042591827],
  [2, 0.99532226501895273, 0.0046777349810472658],
  [3.5, 0.99999925690162766, 7.4309837234141275e-7],
  [5, 0.99999999999846254, 1.5374597944280349e-12],
  [10, 1.0, 2.0884875837625448e-45],
  [27, 1.0, 5.2370489237892557e-319],
];

const LOG_NDTR_REFERENCE: [number, number][] = [
  [-1e5, -5000000012.431864],
  [-200, -20006.21728089819],
  [-40, -804.60844201375379],
  [-25, -316.63940800802026],
  [-19, -184.36612866916097],
  [-5, -15.064998393988726],
  [-1, -1.8410216450092635],
  [0, -0.69314718055994531],
  [1, -0.17275377902344989],
  [5, -2.8665161296376359e-7],
  [9, -1.1285884059538406e-19],
  [40, -3.6558935409150297e-350],
];

const LOG_MASS_REFERENCE: [number, number, number][] = [
  [-1, 1, -0.38171514630212607],
  [-3, -2, -3.8443534263342056],
  [2, 3, -3.8443534263342056],
  [-40, -39, -765.08315656437754],
  [39, 41, -765.08315656437754],
  [0.5, 0.5000001, -17.16203420968935],
  [-0.1, 0.1, -2.5300420015472385],
  [-100, 100, 0.0],
  [-10, -9.999, -57.821689812607633],
  [5, Infinity, -15.064998393988726],
  [-Infinity, -30, -454.3212439563432],
  [0.001, 0.002, -7.826694978853382],
  [-8, 3, -0.0013508099647488167],
];

const NDTRI_REFERENCE: [number, number][] = [
  [1e-300, -37.047096299361199],
  [1e-200, -30.205594179579643],
  [1e-50, -14.933337534788489],
  [1e-10, -6.3613409024040562],
  [0.001, -3.0902323061678135],
  [0.02, -2.053748910631823],
  [0.3, -0.52440051270804082],
  [0.5, 0.0],
  [0.7, 0.52440051270804066],
  [0.975, 1.9599639845400539],
  [0.999999, 4.7534243088170878],
];

const PPF_REFERENCE: [number, number, number, number][] = [
  [0.5, -1, 1, 0],
  [0.1, 0, 2, 0.11991557506520173],
  [0.9, -3, -2, -2.041308053179425],
  [0.5, 5, 8, 5.1320183316359253],
  [0.25, -40, -38, -38.036438771977536],
  [0.7, 30, 31, 30.040061293677948],
];

function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) {
    expect(Math.abs(actual)).toBeLessThan(tolerance);
    return;
  }
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

describe('erf and erfc', () => {
  it.each(ERF_REFERENCE)('erf(%s) and erfc(%s) match mpmath to ~1e-15 relative', (x, erfValue, erfcValue) => {
    expectRelative(erf(x), erfValue, 2e-15);
    expectRelative(erfc(x), erfcValue, 1e-14);
  });

  it('is odd, and erf + erfc = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        expect(erf(-x)).toBe(-erf(x));
        expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThan(1e-15);
      }),
    );
  });

  it('maps NaN to NaN and the infinities to their limits', () => {
    expect(erf(NaN)).toBeNaN();
    expect(erf(Infinity)).toBe(1);
    expect(erfc(-Infinity)).toBe(2);
    expect(erfc(Infinity)).toBe(0);
  });
});

describe('log Φ', () => {
  it.each(LOG_NDTR_REFERENCE)('logNdtr(%s) matches mpmath', (x, expected) => {
    expectRelative(logNdtr(x), expected, 1e-14);
  });

  it('is increasing and continuous across its branch points (-20 and -1)', () => {
    for (const x of [-20, -1]) {
      expectRelative(logNdtr(x - 1e-9), logNdtr(x + 1e-9), 1e-8);
      expect(logNdtr(x - 1e-9)).toBeLessThan(logNdtr(x + 1e-9));
    }
  });
});

describe('log Gaussian mass of an interval', () => {
  it.each(LOG_MASS_REFERENCE)('logGaussMass(%s, %s) matches mpmath', (a, b, expected) => {
    expectRelative(logGaussMass(a, b), expected, 1e-12);
  });

  it('is symmetric, additive over adjacent intervals, and -Infinity for an empty interval', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: 1e-6, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 0.9, noNaN: true }), (a, w, t) => {
        const b = a + w;
        const m = a + t * w;
        expectRelative(logGaussMass(-b, -a), logGaussMass(a, b), 1e-12);
        const whole = logGaussMass(a, b);
        expectRelative(logAddExp(logGaussMass(a, m), logGaussMass(m, b)), whole, 1e-9);
      }),
    );
    expect(logGaussMass(1, 1)).toBe(-Infinity);
  });
});

describe('normal quantile', () => {
  it.each(NDTRI_REFERENCE)('ndtri(%s) matches mpmath', (p, expected) => {
    expectRelative(ndtri(p), expected, 1e-13);
  });

  it('inverts log Φ far into the tail', () => {
    for (const x of [-1000, -100, -38, -10, -1, 0, 2, 6]) {
      expectRelative(ndtriExp(logNdtr(x)), x, 1e-9);
    }
  });

  it('inverts Φ', () => {
    fc.assert(
      // Above ~3, Φ(x) rounds to a double near 1 and the inverse is ill-conditioned.
      fc.property(fc.double({ min: -30, max: 3, noNaN: true }), (x) => {
        expect(Math.abs(ndtri(ndtr(x)) - x)).toBeLessThan(1e-8 * Math.max(1, Math.abs(x)));
      }),
    );
  });
});

describe('truncated normal', () => {
  it.each(PPF_REFERENCE)('ppf(%s) on [%s, %s] matches mpmath', (q, a, b, expected) => {
    expect(Math.abs(truncnormPpf(q, a, b) - expected)).toBeLessThan(1e-10 * Math.max(1, Math.abs(expected)));
  });

  it('keeps every quantile inside [a, b]', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 1e-3, max: 20, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, w, q) => {
        const x = truncnormPpf(q, a, a + w);
        expect(x).toBeGreaterThanOrEqual(a);
        expect(x).toBeLessThanOrEqual(a + w);
      }),
    );
  });

  it('has a log density that integrates to one', () => {
    const [a, b] = [-0.5, 2.5];
    const n = 20000;
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.exp(truncnormLogPdf(a + ((i + 0.5) * (b - a)) / n, a, b)) * ((b - a) / n);
    expect(Math.abs(total - 1)).toBeLessThan(1e-6);
    expect(truncnormLogPdf(3, a, b)).toBe(-Infinity);
  });
});

describe('logSumExp', () => {
  it('matches the naive sum and survives huge magnitudes', () => {
    expectRelative(logSumExp([Math.log(1), Math.log(2), Math.log(3)]), Math.log(6), 1e-15);
    expectRelative(logSumExp([1000, 1000]), 1000 + Math.LN2, 1e-15);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
    expectRelative(logAddExp(-1000, -1000), -1000 + Math.LN2, 1e-15);
  });
});
