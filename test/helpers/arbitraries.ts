import fc from 'fast-check';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';

/** Arbitrary valid distributions of every kind and flavour. */
export const arbitraryDistribution: fc.Arbitrary<Distribution> = fc.oneof(
  fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })).map(([low, width]) => floatDistribution(low, low + width)),
  fc.tuple(fc.double({ min: 1e-9, max: 1e3, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true })).map(([low, factor]) => floatDistribution(low, low * factor, { log: true })),
  fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom(0.5, 0.1, 0.05, 0.25, 2)).map(([low, k, step]) => floatDistribution(low, low + k * step, { step })),
  fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 7 })).map(([low, width, step]) => intDistribution(low, low + width, { step })),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 100000 })).map(([low, width]) => intDistribution(low, low + width, { log: true })),
  fc.uniqueArray(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 8 }).map((choices) => categoricalDistribution(choices)),
);

