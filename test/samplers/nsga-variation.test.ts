import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constraintKey } from '../../src/multi-objective/constraints.js';
import { Rng } from '../../src/samplers/rng.js';
import type { Individual } from '../../src/samplers/nsga/population.js';
import { toIndividual } from '../../src/samplers/nsga/population.js';
import type { VariationSettings } from '../../src/samplers/nsga/variation.js';
import { makeChild, sbxGene, tournament } from '../../src/samplers/nsga/variation.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import { arbitraryDistribution } from '../helpers/arbitraries.js';
import { makeTrial } from '../helpers/trials.js';
import { sampleUniform } from '../../src/samplers/random.js';

type Numeric = Exclude<Distribution, { kind: 'categorical' }>;
const arbitraryNumeric = arbitraryDistribution.filter((d): d is Numeric => d.kind !== 'categorical');

const space: Record<string, Distribution> = {
  lr: floatDistribution(1e-5, 1e-1, { log: true }),
  layers: intDistribution(1, 9, { step: 2 }),
  dropout: floatDistribution(0, 0.5, { step: 0.05 }),
  optimizer: categoricalDistribution(['adam', 'sgd', 'rmsprop']),
};

function parent(number: number, seed: number, values: number[] = [number, -number], violation = 0): Individual {
  const rng = new Rng(seed);
  const params: Record<string, { value: number | string; distribution: Distribution }> = {};
  for (const [name, dist] of Object.entries(space)) {
    const internal = sampleUniform(rng, dist);
    params[name] = { value: dist.kind === 'categorical' ? (dist.choices[internal] as string) : internal, distribution: dist };
  }
  return toIndividual(makeTrial({ number, values, params, systemAttrs: violation > 0 ? { [constraintKey('c')]: violation } : {} }), ['minimize', 'minimize']);
}

const settings = (overrides: Partial<VariationSettings> = {}): VariationSettings => ({
  crossover: 'uniform',
  crossoverProb: 0.9,
  swappingProb: 0.5,
  mutationProb: null,
  sbxEta: 20,
  ...overrides,
});

describe('sbxGene', () => {
  it('always lands inside the distribution (log, step and int respected)', () => {
    fc.assert(
      fc.property(arbitraryNumeric, fc.nat(), fc.double({ min: 0, max: 50, noNaN: true }), (dist, seed, eta) => {
        const rng = new Rng(seed);
        const x = sampleUniform(rng, dist);
        const y = sampleUniform(rng, dist);
        expect(contains(dist, sbxGene(dist, x, y, eta, rng))).toBe(true);
      }),
    );
  });
  it('keeps children near their parents with a large eta', () => {
    const dist = floatDistribution(0, 100);
    const rng = new Rng(4);
    for (let i = 0; i < 200; i++) {
      const c = sbxGene(dist, 40, 60, 200, rng);
      expect(c).toBeGreaterThan(35);
      expect(c).toBeLessThan(65);
    }
  });
});

describe('makeChild', () => {
  it('gives values inside their distributions, for every mix of settings', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<VariationSettings['crossover']>('uniform', 'sbx'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.oneof(fc.constant(null), fc.double({ min: 0, max: 1, noNaN: true })),
        (seed, size, crossover, crossoverProb, mutationProb) => {
          const pool = Array.from({ length: size }, (_, i) => parent(i, seed + i));
          const child = makeChild(pool, space, settings({ crossover, crossoverProb, mutationProb }), new Rng(seed));
          for (const [name, v] of Object.entries(child)) expect(contains(space[name] as Distribution, v)).toBe(true);
        },
      ),
    );
  });
  it('takes every parameter from one of two parents under uniform crossover', () => {
    const pool = [parent(0, 1), parent(1, 2)];
    for (let seed = 0; seed < 50; seed++) {
      const child = makeChild(pool, space, settings({ crossoverProb: 1, mutationProb: 0 }), new Rng(seed));
      expect(Object.keys(child).sort()).toEqual(Object.keys(space).sort());
      for (const [name, v] of Object.entries(child)) expect(pool.map((p) => p.trial.internalParams[name])).toContain(v);
    }
  });
  it('copies one parent whole without crossover or mutation', () => {
    const pool = [parent(0, 1), parent(1, 2), parent(2, 3)];
    const child = makeChild(pool, space, settings({ crossoverProb: 0, mutationProb: 0 }), new Rng(9));
    expect(pool.some((p) => Object.entries(child).every(([name, v]) => p.trial.internalParams[name] === v))).toBe(true);
    expect(Object.keys(child)).toHaveLength(4);
  });
  it('leaves every parameter to independent sampling at mutationProb 1', () => {
    expect(makeChild([parent(0, 1), parent(1, 2)], space, settings({ mutationProb: 1 }), new Rng(0))).toEqual({});
  });
  it('mutates about one parameter in n by default', () => {
    const pool = [parent(0, 1), parent(1, 2)];
    let kept = 0;
    for (let seed = 0; seed < 500; seed++) kept += Object.keys(makeChild(pool, space, settings(), new Rng(seed))).length;
    expect(kept / 500).toBeGreaterThan(2.7);
    expect(kept / 500).toBeLessThan(3.3);
  });
  it('is a function of the parents and the random stream', () => {
    const pool = [parent(0, 1), parent(1, 2), parent(2, 3)];
    expect(makeChild(pool, space, settings({ crossover: 'sbx' }), new Rng(5))).toEqual(makeChild(pool, space, settings({ crossover: 'sbx' }), new Rng(5)));
  });
});

describe('tournament', () => {
  it('picks the dominating one of the two drawn', () => {
    const pool = [parent(0, 1, [0, 0]), parent(1, 2, [5, 5])];
    let wins = 0;
    for (let seed = 0; seed < 400; seed++) if (tournament(pool, new Rng(seed)) === 0) wins++;
    // Loses only when both draws are the dominated one: 1/4 of the time.
    expect(wins / 400).toBeGreaterThan(0.65);
    expect(wins / 400).toBeLessThan(0.85);
  });
  it('prefers a feasible parent to an infeasible one with better values', () => {
    const pool = [parent(0, 1, [9, 9]), parent(1, 2, [0, 0], 1)];
    let feasible = 0;
    for (let seed = 0; seed < 400; seed++) if (tournament(pool, new Rng(seed)) === 0) feasible++;
    expect(feasible / 400).toBeGreaterThan(0.65);
  });
  it('never draws the skipped member when there is another', () => {
    const pool = [parent(0, 1), parent(1, 2), parent(2, 3)];
    for (let seed = 0; seed < 100; seed++) expect(tournament(pool, new Rng(seed), 1)).not.toBe(1);
    expect(tournament([parent(0, 1)], new Rng(0), 0)).toBe(0);
  });
});
