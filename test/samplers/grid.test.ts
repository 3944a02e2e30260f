import { describe, expect, it } from 'vitest';
import type { ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution, toExternal } from '../../src/space/distributions.js';
import type { Distribution } from '../../src/space/distributions.js';
import { compileSearchSpace, isActive } from '../../src/space/search-space.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { GRID_ID_ATTR, GridSampler } from '../../src/samplers/grid.js';
import { createSampler } from '../../src/samplers/registry.js';
import type { StudyView } from '../../src/policies/policies.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';

const x = floatDistribution(0, 1);
const opt = categoricalDistribution(['adam', 'sgd']);

/** Ask like a Study: the grid hook at start, then each parameter; the trial is left RUNNING with its params. */
function askGrid(sampler: GridSampler, study: StudyView & { trials: FrozenTrial[] }, dists: Record<string, Distribution>): FrozenTrial {
  const number = study.trials.length;
  const running = makeTrial({ number });
  study.trials.push(running);
  sampler.inferRelativeSpace(study, running);
  const current = study.trials[number] as FrozenTrial;
  const params: Record<string, { value: ParamValue; distribution: Distribution }> = {};
  for (const [name, dist] of Object.entries(dists)) params[name] = { value: toExternal(dist, sampler.sampleIndependent(study, current, name, dist)), distribution: dist };
  const started = makeTrial({ number, params, systemAttrs: { ...current.systemAttrs } });
  study.trials[number] = started;
  return started;
}

function finish(study: { trials: FrozenTrial[] }, trial: FrozenTrial, state: 'COMPLETE' | 'FAIL' = 'COMPLETE'): void {
  study.trials[trial.number] = { ...trial, state, values: state === 'COMPLETE' ? [1] : null };
}

describe('GridSampler', () => {
  const searchSpace = { x: [0, 0.5, 1], opt: ['adam', 'sgd'] };
  const dists = { x, opt };

  it('visits every point exactly once, also with all trials running at once', () => {
    const sampler = new GridSampler({ searchSpace });
    const study = makeStudyView([]);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      expect(sampler.isExhausted(study)).toBe(false);
      seen.add(JSON.stringify(askGrid(sampler, study, dists).params));
    }
    expect(seen.size).toBe(6);
    expect(sampler.isExhausted(study)).toBe(true);
    expect(study.trials.map((t) => t.systemAttrs[GRID_ID_ATTR]).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('resumes with a fresh sampler instance without repeating a point, and retries failed points', () => {
    const study = makeStudyView([]);
    const first = new GridSampler({ searchSpace, seed: 3 });
    for (let i = 0; i < 3; i++) finish(study, askGrid(first, study, dists));
    finish(study, askGrid(first, study, dists), 'FAIL');
    const second = new GridSampler({ searchSpace, seed: 3 });
    const later = [askGrid(second, study, dists), askGrid(second, study, dists), askGrid(second, study, dists)];
    const done = study.trials.filter((t) => t.state !== 'FAIL').map((t) => JSON.stringify(t.params));
    expect(new Set(done).size).toBe(6);
    expect(later.length).toBe(3);
    expect(second.isExhausted(study)).toBe(true);
  });

  it('recognises points taken by trials that carry no grid id (matched by their parameters)', () => {
    const done = makeTrial({ number: 0, value: 1, params: { x: { value: 0.5, distribution: x }, opt: { value: 'sgd', distribution: opt } } });
    const study = makeStudyView([done]);
    const sampler = new GridSampler({ searchSpace });
    for (let i = 0; i < 5; i++) expect(askGrid(sampler, study, dists).params).not.toEqual(done.params);
    expect(sampler.isExhausted(study)).toBe(true);
  });

  it('shuffles the visiting order by seed but covers the same grid', () => {
    const order = (seed: number): string[] => {
      const study = makeStudyView([]);
      const sampler = new GridSampler({ searchSpace, seed });
      return Array.from({ length: 6 }, () => JSON.stringify(askGrid(sampler, study, dists).params));
    };
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    expect([...order(1)].sort()).toEqual([...order(2)].sort());
  });

  it('builds the grid from a declared space: choices, every int, step grids, evenly spaced floats (log-spaced for log)', () => {
    const space = compileSearchSpace([
      { name: 'act', distribution: categoricalDistribution(['relu', 'gelu']), when: null },
      { name: 'layers', distribution: intDistribution(1, 3), when: null },
      { name: 'drop', distribution: floatDistribution(0, 0.2, { step: 0.1 }), when: null },
      { name: 'lr', distribution: floatDistribution(1e-4, 1e-2, { log: true }), when: null },
    ]);
    const sampler = new GridSampler({ gridPoints: 3 }, space);
    expect(sampler.points.length).toBe(2 * 3 * 3 * 3);
    expect([...new Set(sampler.points.map((p) => p['lr']))]).toEqual([1e-4, 1e-3, 1e-2]);
    expect([...new Set(sampler.points.map((p) => p['drop']))]).toEqual([0, 0.1, 0.2]);
  });

  it('grids over the active combinations of conditional parameters only', () => {
    const space = compileSearchSpace([
      { name: 'optimizer', distribution: opt, when: null },
      { name: 'momentum', distribution: floatDistribution(0.8, 0.99, { step: 0.19 }), when: { optimizer: ['sgd'] } },
      { name: 'layers', distribution: intDistribution(1, 2), when: null },
    ]);
    const sampler = new GridSampler({}, space);
    // adam × 2 layers + sgd × 2 momenta × 2 layers
    expect(sampler.points.length).toBe(6);
    for (const p of sampler.points) expect('momentum' in p).toBe(p['optimizer'] === 'sgd');
    for (const p of sampler.points) for (const spec of space.params) expect(spec.name in p).toBe(isActive(spec, p));
  });

  it('refuses a grid over maxPoints with a message that says how to fix it', () => {
    const space = compileSearchSpace([
      { name: 'a', distribution: intDistribution(0, 999), when: null },
      { name: 'b', distribution: intDistribution(0, 99), when: null },
    ]);
    expect(() => new GridSampler({}, space)).toThrow(/100000 points, more than maxPoints=10000; narrow the space, lower gridPoints, or raise maxPoints/);
    expect(new GridSampler({ maxPoints: 100_000 }, space).points.length).toBe(100_000);
  });

  it('says clearly when a parameter is not in the grid or a value does not fit', () => {
    const sampler = new GridSampler({ searchSpace });
    const study = makeStudyView([]);
    const t = makeTrial({ number: 0 });
    study.trials.push(t);
    expect(() => sampler.sampleIndependent(study, t, 'batch', intDistribution(1, 4))).toThrow(/"batch" is not in the grid/);
    expect(() => sampler.sampleIndependent(study, t, 'x', floatDistribution(2, 3))).toThrow(/outside its distribution/);
    expect(() => new GridSampler({})).toThrow(/needs a searchSpace/);
  });

  it('is selectable by name with the declared space from the context', () => {
    const space = compileSearchSpace([{ name: 'layers', distribution: intDistribution(1, 4), when: null }]);
    const sampler = createSampler('grid', {}, { space, seed: 1 }) as GridSampler;
    expect(sampler.points.length).toBe(4);
    expect(createSampler('gp', { nStartupTrials: 5 }, { seed: 1 })).toBeDefined();
    expect(createSampler('qmc', { qmcType: 'halton' }, { seed: 1 })).toBeDefined();
  });
});
