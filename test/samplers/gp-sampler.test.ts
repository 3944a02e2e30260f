import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, toExternal } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { QMCSampler } from '../../src/samplers/qmc.js';
import type { Sampler, StudyView } from '../../src/policies/policies.js';
import { arbitraryDistribution } from '../helpers/arbitraries.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

type Space = Record<string, Distribution>;

/** What a Study does at ask: joint sample over the inferred space, then each parameter in turn. */
function ask(sampler: Sampler, study: StudyView, number: number, space: Space): Record<string, number> {
  const trial = makeTrial({ number });
  const relativeSpace = sampler.inferRelativeSpace?.(study, trial) ?? {};
  const relative = Object.keys(relativeSpace).length > 0 ? (sampler.sampleRelative?.(study, trial, relativeSpace) ?? {}) : {};
  const out: Record<string, number> = {};
  for (const [name, dist] of Object.entries(space)) out[name] = relative[name] ?? sampler.sampleIndependent(study, trial, name, dist);
  return out;
}

function completed(number: number, space: Space, internal: Record<string, number>, value: number): FrozenTrial {
  const params = Object.fromEntries(Object.entries(space).map(([name, dist]) => [name, { value: toExternal(dist, internal[name] as number), distribution: dist }]));
  return makeTrial({ number, value, params });
}

/** Run `n` sequential trials of `f`; returns the history. */
function optimise(sampler: Sampler, space: Space, f: (x: Record<string, number>) => number, n: number, direction: 'minimize' | 'maximize' = 'minimize'): FrozenTrial[] {
  const trials: FrozenTrial[] = [];
  const study = makeStudyView(trials, direction);
  for (let i = 0; i < n; i++) {
    const x = ask(sampler, study, i, space);
    trials.push(completed(i, space, x, f(x)));
  }
  return trials;
}

const plane: Space = { x: floatDistribution(-2, 2), y: floatDistribution(1e-3, 10, { log: true }) };
const bowl = (p: Record<string, number>): number => ((p['x'] as number) - 0.5) ** 2 + (Math.log10(p['y'] as number) - 0.2) ** 2;

describe('GPSampler', () => {
  it('is deterministic for a seed', () => {
    const a = optimise(new GPSampler({ seed: 11 }), plane, bowl, 16).map((t) => t.internalParams);
    const b = optimise(new GPSampler({ seed: 11 }), plane, bowl, 16).map((t) => t.internalParams);
    const c = optimise(new GPSampler({ seed: 12 }), plane, bowl, 16).map((t) => t.internalParams);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('takes its startup points from the scrambled Sobol sequence of the same seed', () => {
    const trials = optimise(new GPSampler({ seed: 5, nStartupTrials: 8 }), plane, bowl, 8);
    const qmc = new QMCSampler({ seed: 5 });
    for (const t of trials.slice(1)) expect(t.internalParams).toEqual(qmc.samplePoint(t.number, plane));
  });

  it('finds the minimum of a smooth bowl, and the maximum when told to maximise', () => {
    const best = (ts: FrozenTrial[], sign: number): number => Math.min(...ts.map((t) => sign * (t.values?.[0] as number)));
    expect(best(optimise(new GPSampler({ seed: 1 }), plane, bowl, 30), 1)).toBeLessThan(1e-3);
    const hill = (p: Record<string, number>): number => -bowl(p);
    expect(best(optimise(new GPSampler({ seed: 1 }), plane, hill, 30, 'maximize'), -1)).toBeLessThan(1e-3);
  });

  it('keeps every value inside its distribution, for any mix of parameter kinds', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryDistribution, { minLength: 1, maxLength: 4 }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dists, values, seed) => {
          const space: Space = Object.fromEntries(dists.map((d, i) => [`p${i}`, d]));
          const random = new QMCSampler({ seed });
          const trials = values.map((v, i) => completed(i, space, random.samplePoint(i, space), v));
          const sampler = new GPSampler({ seed, nStartupTrials: 5, nCandidates: 64 });
          const x = ask(sampler, makeStudyView(trials), trials.length, space);
          for (const [name, dist] of Object.entries(space)) expect(contains(dist, x[name] as number)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('samples mixed int / step / categorical spaces on their grids', () => {
    const space: Space = {
      units: intDistribution(16, 512, { log: true }),
      depth: intDistribution(1, 8),
      drop: floatDistribution(0, 0.5, { step: 0.05 }),
      act: categoricalDistribution(['relu', 'gelu', 'tanh']),
      lr: floatDistribution(1e-5, 1e-1, { log: true }),
    };
    const f = (p: Record<string, number>): number =>
      Math.abs(Math.log2(p['units'] as number) - 7) + Math.abs((p['depth'] as number) - 3) + (p['act'] === 1 ? 0 : 1) + (Math.log10(p['lr'] as number) + 3) ** 2 + (p['drop'] as number);
    const trials = optimise(new GPSampler({ seed: 3 }), space, f, 30);
    for (const t of trials) for (const [name, dist] of Object.entries(space)) expect(contains(dist, t.internalParams[name] as number)).toBe(true);
    expect(Math.min(...trials.map((t) => t.values?.[0] as number))).toBeLessThan(1.5);
  });

  it('ignores failed trials and trials with NaN values', () => {
    const trials = optimise(new GPSampler({ seed: 2 }), plane, bowl, 12);
    trials.push(makeTrial({ number: 12, state: 'FAIL', params: { x: { value: 0.1, distribution: plane['x'] as Distribution } } }));
    trials.push(completed(13, plane, { x: 1, y: 1 }, NaN));
    const x = ask(new GPSampler({ seed: 2 }), makeStudyView(trials), 14, plane);
    expect(Number.isFinite(x['x'])).toBe(true);
  });

  it('infers the joint space as the parameters every completed trial shares', () => {
    const a = completed(0, plane, { x: 0, y: 1 }, 1);
    const b = makeTrial({ number: 1, value: 2, params: { x: { value: 0.5, distribution: plane['x'] as Distribution }, z: { value: 1, distribution: intDistribution(0, 3) } } });
    const c = makeTrial({ number: 2, value: 3, params: { x: { value: 0.5, distribution: floatDistribution(-1, 1) } } });
    const sampler = new GPSampler({ seed: 0 });
    expect(Object.keys(sampler.inferRelativeSpace(makeStudyView([a, b])))).toEqual(['x']);
    expect(Object.keys(sampler.inferRelativeSpace(makeStudyView([a, b, c])))).toEqual([]);
  });

  describe('with 8 concurrent asks', () => {
    const spreadOf8 = (constantLiar: boolean, storeParams: boolean): number => {
      const trials = optimise(new GPSampler({ seed: 4 }), plane, bowl, 14);
      const sampler = new GPSampler({ seed: 4, constantLiar });
      const study = makeStudyView(trials);
      const points: number[][] = [];
      for (let k = 0; k < 8; k++) {
        const number = trials.length;
        const x = ask(sampler, study, number, plane);
        // The asked trial is now RUNNING; with storeParams its parameters are already in storage.
        trials.push(storeParams ? makeTrial({ number, params: { x: { value: x['x'] as number, distribution: plane['x'] as Distribution }, y: { value: x['y'] as number, distribution: plane['y'] as Distribution } } }) : makeTrial({ number }));
        points.push([((x['x'] as number) + 2) / 4, (Math.log(x['y'] as number) - Math.log(1e-3)) / (Math.log(10) - Math.log(1e-3))]);
      }
      let closest = Infinity;
      for (let i = 0; i < 8; i++) for (let j = 0; j < i; j++) closest = Math.min(closest, Math.hypot((points[i]?.[0] as number) - (points[j]?.[0] as number), (points[i]?.[1] as number) - (points[j]?.[1] as number)));
      return closest;
    };

    // On a converged bowl the batch's log EI still wants points near the optimum, but no two
    // alike: ignoring running trials proposes (nearly) the same point eight times.
    it('fantasising running trials keeps them apart (running trials seen through storage)', () => {
      expect(spreadOf8(true, true)).toBeGreaterThan(0.003);
      expect(spreadOf8(false, true)).toBeLessThan(0.002);
    });

    it('fantasising running trials keeps them apart before their parameters reach storage', () => {
      expect(spreadOf8(true, false)).toBeGreaterThan(0.003);
    });
  });

  it('validates its options', () => {
    expect(() => new GPSampler({ nStartupTrials: 0 })).toThrow(/nStartupTrials/);
    expect(() => new GPSampler({ nCandidates: 1.5 })).toThrow(/nCandidates/);
  });
});
