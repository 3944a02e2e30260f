import { describe, expect, it } from 'vitest';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { buildEncoding } from '../../src/samplers/gp/encoding.js';
import { GaussianProcess } from '../../src/samplers/gp/gp-model.js';
import { defaultKernelParams, fitKernelParams } from '../../src/samplers/gp/fit.js';
import { OwnTaskPosterior, atOwnTask, jointInputs, jointOldTrials } from '../../src/samplers/gp/multi-task.js';
import { Rng } from '../../src/samplers/rng.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { categoricalDistribution, floatDistribution } from '../../src/space/distributions.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

describe('the joint model of a warm start (multi-task.ts)', () => {
  const encoding = buildEncoding({ c: categoricalDistribution(['a', 'b']), x: floatDistribution(0, 10), z: floatDistribution(0, 1) });

  it('puts the old trials first with task 1, a missing number in the middle and a missing choice unlike every choice, and standardises each study on its own', () => {
    const old = [0, 1, 2].map((i) => makeTrial({ number: i, value: 100 + 10 * i, params: { x: { value: 2 * i, distribution: floatDistribution(0, 10) } } }));
    const own = { rows: [Float64Array.from([1, 0.5, 0.2]), Float64Array.from([0, 0.1, 0.9])], values: [3, 5] };
    const { inputs, y } = jointInputs(encoding, own, { trials: old, values: [100, 110, 120] }, false);
    expect(inputs.d).toBe(4);
    expect(inputs.n).toBe(5);
    expect(Array.from(inputs.categorical)).toEqual([1, 0, 0, 1]);
    expect(Array.from(inputs.x.subarray(4, 8))).toEqual([-1, 0.2, 0.5, 1]);
    expect(Array.from(inputs.x.subarray(12, 16))).toEqual([1, 0.5, 0.2, 0]);
    // Another scale and offset of the old objective (another epoch count) lands on the same targets.
    expect(Array.from(y.subarray(0, 3)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([-1.224745, 0, 1.224745]);
    expect(Array.from(y.subarray(3))).toEqual([-1, 1]);
  });

  it('reads the joint GP at task 0, with gradients along the encoding only', () => {
    const old = [0, 1, 2, 3].map((i) => makeTrial({ number: i, value: i, params: { x: { value: 3 * i, distribution: floatDistribution(0, 10) } } }));
    const own = { rows: [Float64Array.from([0, 0.4, 0.5]), Float64Array.from([1, 0.8, 0.1])], values: [1, 2] };
    const { inputs, y } = jointInputs(encoding, own, { trials: old, values: [0, 1, 2, 3] }, false);
    const gp = new GaussianProcess(inputs, y, defaultKernelParams(4));
    const posterior = new OwnTaskPosterior(gp);
    const point = Float64Array.from([1, 0.3, 0.6]);
    expect(posterior.predict(point)).toEqual(gp.predict(atOwnTask(point, 3)));
    const withGradient = posterior.predictWithGradient(point, Uint8Array.from([0, 1, 1]));
    expect(withGradient.dMean).toHaveLength(3);
    expect(withGradient.mean).toBeCloseTo(gp.predict(atOwnTask(point, 3)).mean, 12);
    // At an own trial's point the model nearly returns its value (low noise); an old trial's does not bind it.
    expect(posterior.predict(own.rows[0] as Float64Array).mean).toBeCloseTo(y[4] as number, 1);
  });
});

describe('what the joint model learns and reads', () => {
  const line = buildEncoding({ x: floatDistribution(0, 1) });
  const at = (n: number, rng: Rng): Float64Array[] => Array.from({ length: n }, () => Float64Array.from([rng.float()]));

  it('fits a closer task correlation where the old landscape is the new one than where it is reversed', () => {
    const rng = new Rng(5);
    const f = (x: number): number => Math.sin(6 * x);
    const oldRows = at(30, rng);
    const ownRows = at(8, rng);
    const oldTrials = oldRows.map((r, i) => makeTrial({ number: i, value: 0, params: { x: { value: r[0] as number, distribution: floatDistribution(0, 1) } } }));
    const fitted = (oldValues: number[]): number => {
      const { inputs, y } = jointInputs(line, { rows: ownRows, values: ownRows.map((r) => f(r[0] as number)) }, { trials: oldTrials, values: oldValues }, false);
      return fitKernelParams(inputs, y, { maxEvaluations: 60, deterministic: true }).params.inverseSquaredLengthscales[1] as number;
    };
    const same = fitted(oldRows.map((r) => 3 + 10 * f(r[0] as number)));
    const reversed = fitted(oldRows.map((r) => -f(r[0] as number)));
    // A larger inverse squared lengthscale along the task coordinate: the two studies correlate less.
    expect(reversed).toBeGreaterThan(4 * same);
  });

  it('reads the old trials today\'s distributions hold, with the parameters old trials have, at most 100', () => {
    const encoding = buildEncoding({ c: categoricalDistribution(['a', 'b']), x: floatDistribution(0, 1), z: floatDistribution(0, 1) });
    const old = (i: number, params: NonNullable<Parameters<typeof makeTrial>[0]['params']>): FrozenTrial => ({ ...makeTrial({ number: i, value: i, params }), id: -1 - i });
    const x = (value: number) => ({ value, distribution: floatDistribution(0, 1) });
    const c = (value: string, choices = ['a', 'b']) => ({ value, distribution: categoricalDistribution(choices) });
    const trials = [
      ...Array.from({ length: 5 }, (_, i) => old(i, { c: c('a'), x: x(0.1 * i) })),
      old(5, { c: c('b') }), // another branch: no x, which other old trials have
      old(6, { c: c('a'), x: { value: 2, distribution: floatDistribution(0, 4) } }), // outside today's range
      old(7, { c: c('a', ['b', 'a']), x: x(0.5) }), // another choice list: its index means another choice
    ];
    const own = makeTrial({ number: 8, value: 1, params: { c: c('a'), x: x(0.2), z: x(0.3) } });
    expect(jointOldTrials(makeStudyView([...trials, own]), encoding)?.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(jointOldTrials(makeStudyView([...trials.slice(1), own]), encoding)).toBeNull();
    expect(jointOldTrials(makeStudyView([own]), encoding)).toBeNull();
    const many = Array.from({ length: 250 }, (_, i) => old(i, { c: c('a'), x: x(0.5) }));
    const read = jointOldTrials(makeStudyView([...many, own]), encoding) as FrozenTrial[];
    expect(read).toHaveLength(100);
    expect(read[0]?.number).toBe(0);
    expect(read[99]?.number).toBe(247);
  });
});

describe('GPSampler in a warm-started study, joint model (the default)', () => {
  type Trial = Parameters<Parameters<Awaited<ReturnType<typeof createStudy>>['optimize']>[0]>[0];
  const oldObjective = (t: Trial): number => (t.suggestFloat('x', 0, 1) - 0.3) ** 2 + (t.suggestFloat('y', 0, 1) - 0.6) ** 2;
  const newObjective = (t: Trial): number => (t.suggestFloat('x', 0, 1) - 0.35) ** 2 + (t.suggestFloat('y', 0, 1) - 0.55) ** 2 + 0.5 * (t.suggestFloat('z', 0, 1) - 0.7) ** 2;

  async function warmStudy(oldScale: number, nTrials: number): Promise<Awaited<ReturnType<typeof createStudy>>> {
    const storage = new InMemoryStorage();
    const old = await createStudy({ name: 'old', storage, sampler: new GPSampler({ seed: 1, deterministicObjective: true }) });
    await old.optimize((t) => 7 + oldScale * oldObjective(t), { nTrials: 30 });
    const warm = await createStudy({ name: 'warm', storage, sampler: new GPSampler({ seed: 2, deterministicObjective: true, warpOutputs: false }), warmStart: { from: 'old' } });
    await warm.optimize(newObjective, { nTrials });
    return warm;
  }

  it('searches near the old optimum from its second trial, learns the new knob from its own trials, and ignores the old objective\'s scale', async () => {
    const warm = await warmStudy(1, 14);
    // Trial 0 is the enqueued old best; no Sobol' startup after it.
    const near = warm.trials.slice(1).filter((t) => Math.hypot((t.params['x'] as number) - 0.35, (t.params['y'] as number) - 0.55) < 0.2);
    expect(near.length).toBeGreaterThanOrEqual(9);
    expect(warm.trials.slice(6).filter((t) => Math.abs((t.params['z'] as number) - 0.7) < 0.25).length).toBeGreaterThanOrEqual(4);
    expect(warm.bestValue as number).toBeLessThan(0.01);
    const rescaled = await warmStudy(40, 14);
    rescaled.trials.forEach((t, i) => {
      for (const name of ['x', 'y', 'z']) expect(t.params[name] as number).toBeCloseTo(warm.trials[i]?.params[name] as number, 3);
    });
  });

  it('refuses an unknown warmStartModel, and one that contradicts warmStartPrior, in one line', () => {
    expect(() => new GPSampler({ warmStartModel: 'both' as never })).toThrow("warmStartModel must be one of 'joint', 'prior', 'own', got \"both\"");
    expect(() => new GPSampler({ warmStartModel: 'joint', warmStartPrior: true })).toThrow("warmStartPrior: true contradicts warmStartModel: 'joint'; give one of them");
    expect(() => new GPSampler({ warmStartModel: 'joint', warmStartPrior: false })).toThrow("warmStartPrior: false contradicts warmStartModel: 'joint'; give one of them");
    expect(new GPSampler({ warmStartPrior: false }).warmStartModel).toBe('own');
    expect(new GPSampler().warmStartModel).toBe('joint');
  });
});
