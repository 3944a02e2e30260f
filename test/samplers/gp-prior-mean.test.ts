import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floatDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { buildEncoding } from '../../src/samplers/gp/encoding.js';
import { defaultKernelParams } from '../../src/samplers/gp/fit.js';
import { GaussianProcess } from '../../src/samplers/gp/gp-model.js';
import { PriorMean, priorWeight, ResidualPosterior } from '../../src/samplers/gp/prior-mean.js';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import { Rng } from '../../src/samplers/rng.js';
import { expectGradientMatchesDifferences } from './gradient-check.js';

const space = { x: floatDistribution(0, 1), y: floatDistribution(0, 1), z: floatDistribution(0, 1) };
const bowl = (p: Record<string, number>): number => (p['x']! - 0.3) ** 2 + (p['y']! - 0.6) ** 2;

/** Old trials over x and y (no z), valued by `bowl` in the maximisation sense. */
function oldTrials(n: number, extra: Record<string, number> = {}): FrozenTrial[] {
  const rng = new Rng(11);
  return Array.from({ length: n }, (_, i) => {
    const params = { x: rng.float(), y: rng.float(), ...extra };
    return { id: -1 - i, number: i, state: 'COMPLETE', values: [bowl(params)], internalParams: params, params } as unknown as FrozenTrial;
  });
}

describe('PriorMean', () => {
  const encoding = buildEncoding(space);
  const fit = (trials: readonly FrozenTrial[], on = encoding): PriorMean | null => PriorMean.fit(on, trials, trials.map((t) => -(t.values?.[0] as number)), { deterministic: true, warp: true });

  it("learns the old study's landscape over the parameters it had, flat along the one it lacked", () => {
    const prior = fit(oldTrials(40));
    expect(prior).not.toBeNull();
    const at = (x: number, y: number, z: number): number => (prior as PriorMean).value(Float64Array.of(x, y, z));
    expect(at(0.3, 0.6, 0.5)).toBeGreaterThan(at(0.9, 0.1, 0.5));
    expect(at(0.3, 0.6, 0.1)).toBeCloseTo(at(0.3, 0.6, 0.9), 12);
  });

  it('leaves out a parameter the old study held at one value (an assumed one)', () => {
    const prior = fit(oldTrials(40, { z: 0.2 })) as PriorMean;
    expect(prior.value(Float64Array.of(0.3, 0.6, 0.2))).toBeCloseTo(prior.value(Float64Array.of(0.3, 0.6, 0.95)), 12);
  });

  it('is null with too few old trials, or none inside the new ranges', () => {
    expect(fit(oldTrials(4))).toBeNull();
    const narrowed = buildEncoding({ ...space, x: floatDistribution(2, 3) });
    expect(fit(oldTrials(40), narrowed)).toBeNull();
  });

  it('holds a new value far worse than every old one just below the old worst (a penalty would swamp the residual scale)', () => {
    const prior = fit(oldTrials(40)) as PriorMean;
    const worstOld = Math.min(...oldTrials(40).map((t) => prior.transform(-(t.values?.[0] as number))));
    expect(prior.transform(-1e100)).toBeCloseTo(worstOld - 1, 12);
    expect(prior.transform(-0.01)).toBeGreaterThan(worstOld);
  });

  it("ResidualPosterior's gradients agree with finite differences", () => {
    const prior = fit(oldTrials(30)) as PriorMean;
    const rng = new Rng(3);
    const n = 6;
    const x = Float64Array.from({ length: n * 3 }, () => rng.float());
    const residual = new GaussianProcess({ x, n, d: 3, categorical: new Uint8Array(3) }, Float64Array.from({ length: n }, () => rng.float() - 0.5), defaultKernelParams(3));
    const posterior = new ResidualPosterior(prior, residual, 0.2, 0.4, 0.8);
    const free = Uint8Array.of(1, 1, 1);
    fc.assert(
      fc.property(fc.tuple(fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.double({ min: 0.05, max: 0.95, noNaN: true })), (p) => {
        const point = Float64Array.from(p);
        const g = posterior.predictWithGradient(point, free);
        const plain = posterior.predict(point);
        expect(g.mean).toBeCloseTo(plain.mean, 10);
        expect(g.variance).toBeCloseTo(plain.variance, 10);
        expectGradientMatchesDifferences((q) => posterior.predict(q).mean, g.dMean, point, { h: 1e-6, tolerance: 1e-4 });
        expectGradientMatchesDifferences((q) => posterior.predict(q).variance, g.dVariance, point, { h: 1e-6, tolerance: 1e-4 });
      }),
      { numRuns: 25 },
    );
  });
});

describe('priorWeight', () => {
  it('is the least-squares slope of the new values on the prior, within [0, 1]', () => {
    expect(priorWeight([0, 1, 2, 3], [1, 1.5, 2, 2.5])).toBeCloseTo(0.5, 12);
    expect(priorWeight([0, 1, 2], [0, 3, 6])).toBe(1);
    expect(priorWeight([0, 1, 2], [2, 1, 0])).toBe(0);
    // A prior flat over the new trials says nothing: 0; under three trials: 1.
    expect(priorWeight([1, 1, 1], [0, 1, 2])).toBe(0);
    expect(priorWeight([0, 1], [5, -5])).toBe(1);
  });
});

describe('GPSampler in a warm-started study', () => {
  type Trial = Parameters<Parameters<Awaited<ReturnType<typeof createStudy>>['optimize']>[0]>[0];
  // The old study had no z; in the new one the optimum moved a little and z matters.
  const oldObjective = (t: Trial): number => (t.suggestFloat('x', 0, 1) - 0.3) ** 2 + (t.suggestFloat('y', 0, 1) - 0.6) ** 2;
  const newObjective = (t: Trial): number => (t.suggestFloat('x', 0, 1) - 0.35) ** 2 + (t.suggestFloat('y', 0, 1) - 0.55) ** 2 + 0.5 * (t.suggestFloat('z', 0, 1) - 0.7) ** 2;

  async function studies(nTrials: number, warmStartPrior = true): Promise<{ warm: Awaited<ReturnType<typeof createStudy>>; cold: Awaited<ReturnType<typeof createStudy>> }> {
    const storage = new InMemoryStorage();
    const old = await createStudy({ name: 'old', storage, sampler: new GPSampler({ seed: 1, deterministicObjective: true }) });
    await old.optimize(oldObjective, { nTrials: 30 });
    const warm = await createStudy({ name: 'warm', storage, sampler: new GPSampler({ seed: 2, deterministicObjective: true, warmStartPrior }), warmStart: { from: 'old' } });
    await warm.optimize(newObjective, { nTrials });
    const cold = await createStudy({ name: 'cold', storage, sampler: new GPSampler({ seed: 2, deterministicObjective: true }) });
    await cold.optimize(newObjective, { nTrials });
    return { warm, cold };
  }

  it("models its own trials on the old study's prior from its third trial, over every parameter", async () => {
    const { warm, cold } = await studies(12);
    // The cold study is still in its 10-point Sobol' startup; the warm one already searches
    // near the old optimum and has learnt z from its own trials.
    const near = warm.trials.slice(3).filter((t) => Math.hypot((t.params['x'] as number) - 0.35, (t.params['y'] as number) - 0.55) < 0.2);
    expect(near.length).toBeGreaterThanOrEqual(6);
    expect(warm.bestValue as number).toBeLessThan(cold.bestValue as number);
    // z, which the old trials lack, is learnt from the own ones.
    expect(warm.trials.slice(6).filter((t) => Math.abs((t.params['z'] as number) - 0.7) < 0.25).length).toBeGreaterThanOrEqual(4);
  });

  it("with warmStartPrior: false fits its own trials only, after its own Sobol' startup, over every parameter", async () => {
    const { warm, cold } = await studies(16, false);
    // Trial 0 is the enqueued old best; then the cold study's Sobol' points (by the trial's
    // number in its own study); the GP then learns z, which the old trials lack, from the own ones.
    expect(warm.trials[0]?.params).toMatchObject({ x: expect.closeTo(0.3, 1) as number, y: expect.closeTo(0.6, 1) as number });
    expect(warm.trials.slice(2, 10).map((t) => t.params)).toEqual(cold.trials.slice(2, 10).map((t) => t.params));
    const late = warm.trials.slice(11).map((t) => t.params['z'] as number);
    expect(late.filter((z) => Math.abs(z - 0.7) < 0.2).length).toBeGreaterThanOrEqual(3);
  });

  it('fits a prior per study: one sampler warm-starting two studies from different old ones gives each its own old study\'s prior', async () => {
    const storage = new InMemoryStorage();
    for (const [name, at] of [['oldA', 0.1], ['oldB', 0.9]] as const) {
      const old = await createStudy({ name, storage, sampler: new GPSampler({ seed: 1, deterministicObjective: true }) });
      await old.optimize((t) => (t.suggestFloat('x', 0, 1) - at) ** 2, { nTrials: 20 });
    }
    const run = async (sampler: GPSampler, name: string, from: string): Promise<unknown[]> => {
      const study = await createStudy({ name, storage, sampler, warmStart: { from } });
      await study.optimize((t) => (t.suggestFloat('x', 0, 1) - 0.85) ** 2, { nTrials: 7 });
      return study.trials.map((t) => t.params['x']);
    };
    const shared = new GPSampler({ seed: 4, deterministicObjective: true, warmStartPrior: true });
    await run(shared, 'a', 'oldA');
    const reused = (await run(shared, 'b', 'oldB')) as number[];
    const fresh = (await run(new GPSampler({ seed: 4, deterministicObjective: true, warmStartPrior: true }), 'b2', 'oldB')) as number[];
    // The same points as a fresh sampler's, up to the kernel fit warm-started from study a's
    // (a GP sampler's hyperparameter cache is shared across studies); near 0.85, not oldA's 0.1.
    reused.forEach((x, i) => expect(Math.abs(x - (fresh[i] as number))).toBeLessThan(1e-4));
    expect(reused.slice(3).every((x) => Math.abs(x - 0.85) < 0.15)).toBe(true);
  });

  it('refuses a warmStartPrior that is not true or false', () => {
    expect(() => new GPSampler({ warmStartPrior: 'yes' as unknown as boolean })).toThrow('warmStartPrior must be true or false, got "yes"');
  });

  it('gives the same study for the same seeds', async () => {
    const a = await studies(8);
    const b = await studies(8);
    expect(b.warm.trials.map((t) => t.params)).toEqual(a.warm.trials.map((t) => t.params));
  });
});
