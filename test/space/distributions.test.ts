import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpaceError } from '../../src/errors.js';
import {
  categoricalDistribution,
  checkCompatible,
  incompatibility,
  contains,
  floatDistribution,
  intDistribution,
  snap,
  toExternal,
  toInternal,
} from '../../src/space/distributions.js';
import { distributionFromJson, distributionToJson } from '../../src/space/distribution-json.js';
import { arbitraryDistribution } from '../helpers/arbitraries.js';

describe('distribution constructors', () => {
  it('refuse low > high with both values in the message', () => {
    expect(() => floatDistribution(2, 1)).toThrow('low must be <= high, got low=2, high=1');
  });
  it('refuse a log range with low <= 0', () => {
    expect(() => floatDistribution(0, 1, { log: true })).toThrow(/log range needs low > 0/);
    expect(() => intDistribution(0, 5, { log: true })).toThrow(/log range needs low >= 1/);
  });
  it('refuse log together with step', () => {
    expect(() => floatDistribution(1, 2, { log: true, step: 0.1 })).toThrow(/log and step/);
  });
  it('refuse empty and duplicate choices', () => {
    expect(() => categoricalDistribution([])).toThrow(SpaceError);
    expect(() => categoricalDistribution(['a', 'a'])).toThrow(/distinct/);
  });
  it('align high onto the step grid, keeping the last point of decimal steps', () => {
    expect(floatDistribution(0, 0.3, { step: 0.1 }).high).toBe(0.3);
    expect(floatDistribution(0, 1.05, { step: 0.1 }).high).toBe(1);
    expect(intDistribution(1, 10, { step: 4 }).high).toBe(9);
  });
});

describe('internal representation', () => {
  it('maps a categorical to its index and back', () => {
    const d = categoricalDistribution(['adamw', 'sgd', true, 3, null]);
    expect(toInternal(d, 'sgd')).toBe(1);
    expect(toInternal(d, true)).toBe(2);
    expect(toExternal(d, 4)).toBeNull();
  });
  it('round-trips every value of a distribution through internal form', () => {
    fc.assert(
      fc.property(arbitraryDistribution, fc.double({ min: 0, max: 1, noNaN: true }), (dist, u) => {
        const internal = snap(dist, dist.kind === 'categorical' ? u * (dist.choices.length - 1) : dist.low + u * (dist.high - dist.low));
        expect(contains(dist, internal)).toBe(true);
        expect(toInternal(dist, toExternal(dist, internal))).toBe(internal);
      }),
    );
  });
  it('snaps any number into the distribution', () => {
    fc.assert(
      fc.property(arbitraryDistribution, fc.double({ min: -1e7, max: 1e7, noNaN: true }), (dist, x) => {
        expect(contains(dist, snap(dist, x))).toBe(true);
      }),
    );
  });
});

describe('JSON form', () => {
  it("writes Optuna's layout", () => {
    expect(JSON.parse(distributionToJson(floatDistribution(1e-5, 1e-3, { log: true })))).toEqual({
      name: 'FloatDistribution',
      attributes: { step: null, low: 1e-5, high: 1e-3, log: true },
    });
    expect(JSON.parse(distributionToJson(intDistribution(1, 9, { step: 2 })))).toEqual({
      name: 'IntDistribution',
      attributes: { log: false, step: 2, low: 1, high: 9 },
    });
  });
  it('round-trips every distribution', () => {
    fc.assert(
      fc.property(arbitraryDistribution, (dist) => {
        expect(distributionFromJson(distributionToJson(dist))).toEqual(dist);
      }),
    );
  });
  it("reads Optuna's pre-3.0 distributions", () => {
    expect(distributionFromJson('{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 0.1}}')).toEqual(floatDistribution(0.001, 0.1, { log: true }));
    expect(distributionFromJson('{"name": "DiscreteUniformDistribution", "attributes": {"low": 0, "high": 1, "q": 0.25}}')).toEqual(floatDistribution(0, 1, { step: 0.25 }));
  });
});

describe('compatibility of a reused parameter name', () => {
  it('allows numeric bounds to move', () => {
    expect(() => checkCompatible('lr', floatDistribution(0, 1), floatDistribution(0, 2))).not.toThrow();
  });
  it('refuses a change of kind, of log, or of choices', () => {
    expect(() => checkCompatible('x', floatDistribution(0, 1), intDistribution(0, 1))).toThrow(/was a float and is now an int/);
    // A choice holding ';' stays whole in the reason a resumed space file is refused with.
    expect(incompatibility('block', categoricalDistribution(['conv;bn', 'conv']), categoricalDistribution(['conv;bn']))).toEqual({ what: 'parameter "block" had choices ["conv;bn","conv"] and now ["conv;bn"]', fix: 'choices cannot change within a study' });
    expect(() => checkCompatible('x', floatDistribution(1, 2), floatDistribution(1, 2, { log: true }))).toThrow(/log cannot change/);
    expect(() => checkCompatible('x', categoricalDistribution(['a']), categoricalDistribution(['a', 'b']))).toThrow(/choices cannot change/);
  });
});

describe('zero bounds', () => {
  it('store -0 as 0, so the JSON form round-trips', () => {
    const dist = floatDistribution(-0, 1);
    expect(Object.is(dist.low, 0)).toBe(true);
    expect(distributionFromJson(distributionToJson(dist))).toEqual(dist);
    expect(Object.is(intDistribution(-0, 3).low, 0)).toBe(true);
  });
});
