import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { isFeasible } from '../../src/multi-objective/constraints.js';
import { dominates, toLosses } from '../../src/multi-objective/dominance.js';
import { GENERATION_KEY, NSGAIISampler, NSGAIIISampler } from '../../src/samplers/nsga/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { createSampler } from '../../src/samplers/registry.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeStudyView } from '../helpers/trials.js';
import { askTrial, runSequential, tellTrial, zdt1 } from './nsga-harness.js';

const space: Record<string, Distribution> = {
  x: floatDistribution(0, 1),
  y: floatDistribution(1e-3, 10, { log: true }),
  n: intDistribution(2, 20, { step: 3 }),
  k: intDistribution(1, 1000, { log: true }),
  s: floatDistribution(-1, 1, { step: 0.25 }),
  c: categoricalDistribution(['a', 'b', 'c']),
};

const biObjective = (p: Readonly<Record<string, number>>): { values: number[] } => ({
  values: [(p['x'] as number) + (p['c'] as number) * 0.1, 1 - Math.sqrt(p['x'] as number) + Math.log10(p['y'] as number) ** 2 + Math.abs(p['s'] as number)],
});

const generation = (t: FrozenTrial): unknown => t.systemAttrs[GENERATION_KEY];

describe('NSGA options', () => {
  it('refuses bad values, naming them', () => {
    expect(() => new NSGAIISampler({ populationSize: 1 })).toThrow('NSGAIISampler: populationSize must be an integer >= 2, got 1');
    expect(() => new NSGAIISampler({ crossoverProb: 1.5 })).toThrow('NSGAIISampler: crossoverProb must be within [0, 1], got 1.5');
    expect(() => new NSGAIISampler({ swappingProb: -0.1 })).toThrow('NSGAIISampler: swappingProb must be within [0, 1], got -0.1');
    expect(() => new NSGAIISampler({ mutationProb: 2 })).toThrow('NSGAIISampler: mutationProb must be within [0, 1], got 2');
    expect(() => new NSGAIISampler({ crossover: 'blx' as 'sbx' })).toThrow(`NSGAIISampler: crossover must be 'uniform' or 'sbx', got "blx"`);
    expect(() => new NSGAIISampler({ sbxEta: 5 })).toThrow(`NSGAIISampler: sbxEta applies only to crossover 'sbx', got crossover 'uniform'`);
    expect(() => new NSGAIISampler({ crossover: 'sbx', sbxEta: -1 })).toThrow('NSGAIISampler: sbxEta must be a finite number >= 0, got -1');
    expect(() => new NSGAIISampler({ seed: -1 })).toThrow('NSGAIISampler: seed must be a non-negative integer, got -1');
    expect(() => new NSGAIISampler({ population: 10 } as never)).toThrow('NSGAIISampler has no option "population"');
    expect(() => new NSGAIISampler({ populationSize: 1 })).toThrow(OptionError);
  });
  it('refuses bad NSGA-III reference points', () => {
    expect(() => new NSGAIIISampler({ referencePoints: [] })).toThrow('NSGAIIISampler: referencePoints must be a non-empty list of points, got []');
    expect(() => new NSGAIIISampler({ referencePoints: [[1, 0], [0]] })).toThrow('NSGAIIISampler: referencePoints[1] has 1 coordinates, referencePoints[0] has 2');
    expect(() => new NSGAIIISampler({ referencePoints: [[0, 0]] })).toThrow('NSGAIIISampler: referencePoints[0] is all zeros');
    expect(() => new NSGAIIISampler({ referencePoints: [[1, -1]] })).toThrow('NSGAIIISampler: referencePoints[0] must be a list of finite numbers >= 0, got [1,-1]');
    expect(() => new NSGAIIISampler({ dividingParameter: 0 })).toThrow('NSGAIIISampler: dividingParameter must be an integer >= 1, got 0');
    expect(() => new NSGAIIISampler({ referencePoints: [[1, 0]], dividingParameter: 4 })).toThrow('give referencePoints or dividingParameter, not both');
  });
  it('refuses reference points of the wrong dimension on the first ask', () => {
    const sampler = new NSGAIIISampler({ seed: 0, referencePoints: [[1, 0, 0]] });
    expect(() => askTrial(sampler, makeStudyView([], ['minimize', 'minimize']), space)).toThrow(
      'NSGAIIISampler: referencePoints have 3 coordinates but the study has 2 objectives',
    );
  });
  it('has Optuna defaults and is selectable by name', () => {
    const sampler = createSampler('nsga2', {}, { seed: 7 }) as NSGAIISampler;
    expect(sampler).toBeInstanceOf(NSGAIISampler);
    expect(sampler).toMatchObject({ seed: 7, populationSize: 50, crossover: 'uniform', crossoverProb: 0.9, swappingProb: 0.5, mutationProb: null });
    const three = createSampler('nsga3', { populationSize: 12, dividingParameter: 4 }) as NSGAIIISampler;
    expect(three).toBeInstanceOf(NSGAIIISampler);
    expect(three.dividingParameter).toBe(4);
  });
});

describe('NSGA generations', () => {
  it('stores each trial’s generation: populationSize trials each', () => {
    const trials = runSequential(new NSGAIISampler({ seed: 1, populationSize: 4 }), space, 10, biObjective);
    expect(trials.map(generation)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
  });
  it('counts running trials toward their generation, so parallel workers do not overfill it', () => {
    const sampler = new NSGAIISampler({ seed: 1, populationSize: 3 });
    const view = makeStudyView([], ['minimize', 'minimize']);
    for (let i = 0; i < 4; i++) askTrial(sampler, view, space);
    expect(view.trials.map(generation)).toEqual([0, 0, 0, 1]);
  });
  it('does not count failed trials: a replacement joins the same generation', () => {
    const sampler = new NSGAIISampler({ seed: 1, populationSize: 3 });
    const view = makeStudyView([], ['minimize', 'minimize']);
    for (let i = 0; i < 3; i++) askTrial(sampler, view, space);
    tellTrial(view, 1, { values: [], state: 'FAIL' });
    askTrial(sampler, view, space);
    expect(view.trials.map(generation)).toEqual([0, 0, 0, 0]);
  });
  it('draws the first generation exactly like the random sampler', () => {
    const trials = runSequential(new NSGAIISampler({ seed: 5, populationSize: 6 }), space, 6, biObjective);
    const random = runSequential(new RandomSampler({ seed: 5 }), space, 6, biObjective);
    expect(trials.map((t) => t.internalParams)).toEqual(random.map((t) => t.internalParams));
  });
  it('makes children from the parents: without mutation every value is a parent’s', () => {
    const sampler = new NSGAIISampler({ seed: 3, populationSize: 5, mutationProb: 0 });
    const trials = runSequential(sampler, space, 10, biObjective);
    const view = makeStudyView(trials, ['minimize', 'minimize']);
    const parents = sampler.parentsOf(view, 1);
    expect(parents).toHaveLength(5);
    for (const child of trials.slice(5)) {
      for (const [name, v] of Object.entries(child.internalParams)) expect(parents.map((p) => p.internalParams[name])).toContain(v);
    }
  });
  it('recomputes the same parents from the history in another process', () => {
    const trials = runSequential(new NSGAIISampler({ seed: 2, populationSize: 6 }), space, 40, biObjective);
    const fresh = new NSGAIISampler({ seed: 2, populationSize: 6 });
    const view = makeStudyView(trials, ['minimize', 'minimize']);
    const again = new NSGAIISampler({ seed: 2, populationSize: 6 });
    for (let g = 1; g <= 6; g++) {
      expect(fresh.parentsOf(view, g).map((t) => t.number)).toEqual(again.parentsOf(makeStudyView([...trials], ['minimize', 'minimize']), g).map((t) => t.number));
    }
  });
  it('keeps the Pareto front of the previous generation and its parents as parents (elitism)', () => {
    const sampler = new NSGAIISampler({ seed: 4, populationSize: 8 });
    const trials = runSequential(sampler, space, 32, biObjective);
    const view = makeStudyView(trials, ['minimize', 'minimize']);
    const parents = sampler.parentsOf(view, 3).map((t) => t.number);
    const pool = [...trials.filter((t) => generation(t) === 2), ...sampler.parentsOf(view, 2)];
    const front = pool.filter((a) => !pool.some((b) => dominates(b.values as number[], a.values as number[])));
    const onFront = new Set(front.map((t) => t.number));
    // The whole front when it fits; otherwise nothing but front members.
    if (front.length <= 8) for (const t of front) expect(parents).toContain(t.number);
    else for (const n of parents) expect(onFront.has(n)).toBe(true);
  });
  it('is reproducible: same seed, same study; another seed, another', () => {
    const run = (seed: number): unknown[] => runSequential(new NSGAIISampler({ seed, populationSize: 5, crossover: 'sbx' }), space, 30, biObjective).map((t) => t.internalParams);
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });
});

describe('NSGA samplers on any study', () => {
  it('always sample inside the distributions (both samplers, both crossovers, conditional parameters)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 2, max: 6 }), fc.boolean(), fc.constantFrom<'uniform' | 'sbx'>('uniform', 'sbx'), (seed, populationSize, three, crossover) => {
        const sampler = three ? new NSGAIIISampler({ seed, populationSize, crossover }) : new NSGAIISampler({ seed, populationSize, crossover });
        const view = makeStudyView([], ['minimize', 'maximize']);
        for (let i = 0; i < 20; i++) {
          const withExtra = i % 3 === 0 ? { ...space, extra: floatDistribution(0, 2, { step: 0.5 }) } : space;
          const t = askTrial(sampler, view, withExtra);
          for (const [name, v] of Object.entries(t.internalParams)) expect(contains(withExtra[name] as Distribution, v)).toBe(true);
          tellTrial(view, i, biObjective(t.internalParams));
        }
      }),
      { numRuns: 40 },
    );
  });
  it('degenerate gracefully to one objective', () => {
    const sampler = new NSGAIISampler({ seed: 0, populationSize: 6 });
    const trials = runSequential(sampler, space, 30, (p) => ({ values: [((p['x'] as number) - 0.3) ** 2] }), ['minimize']);
    const view = makeStudyView(trials, ['minimize']);
    const parents = sampler.parentsOf(view, 4);
    const pool = [...trials.filter((t) => generation(t) === 3), ...sampler.parentsOf(view, 3)];
    const best = [...pool].sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number)).slice(0, 6);
    expect(parents.map((t) => t.values?.[0]).sort()).toEqual(best.map((t) => t.values?.[0]).sort());
  });
  it('never choose an infeasible parent while a feasible candidate is left out', () => {
    for (const sampler of [new NSGAIISampler({ seed: 8, populationSize: 6 }), new NSGAIIISampler({ seed: 8, populationSize: 6 })]) {
      const trials = runSequential(sampler, space, 42, (p) => ({ ...biObjective(p), constraints: { budget: (p['x'] as number) - 0.4 } }));
      const view = makeStudyView(trials, ['minimize', 'minimize']);
      for (let g = 1; g <= 6; g++) {
        const parents = sampler.parentsOf(view, g);
        const pool = [...trials.filter((t) => generation(t) === g - 1), ...sampler.parentsOf(view, g - 1)];
        const leftOutFeasible = pool.filter((t) => isFeasible(t) && !parents.includes(t));
        if (leftOutFeasible.length > 0) expect(parents.every(isFeasible)).toBe(true);
      }
    }
  });
  it('NSGA-III keeps a full parent population over three objectives', () => {
    const sampler = new NSGAIIISampler({ seed: 1, populationSize: 10 });
    const directions = ['minimize', 'minimize', 'maximize'] as const;
    const trials = runSequential(
      sampler,
      { a: floatDistribution(0, 1), b: floatDistribution(0, 1), c: floatDistribution(0, 1) },
      50,
      (p) => {
        const [a, b, c] = [p['a'] as number, p['b'] as number, p['c'] as number];
        const g = 1 + (c - 0.5) ** 2;
        return { values: [g * Math.cos((a * Math.PI) / 2) * Math.cos((b * Math.PI) / 2), g * Math.cos((a * Math.PI) / 2) * Math.sin((b * Math.PI) / 2), -g * Math.sin((a * Math.PI) / 2)] };
      },
      directions,
    );
    const view = makeStudyView(trials, directions);
    const parents = sampler.parentsOf(view, 4);
    expect(parents).toHaveLength(10);
    const losses = parents.map((t) => toLosses(t.values as number[], directions));
    // The parents come from generation 3 and the parents before it, nothing later.
    expect(parents.every((t) => (generation(t) as number) <= 3)).toBe(true);
    expect(losses.every((l) => l.length === 3)).toBe(true);
  });
});

describe('NSGA-II on ZDT1', () => {
  it('reaches a better front than random search in the same budget', async () => {
    const { hypervolume } = await import('../../src/multi-objective/hypervolume.js');
    const zdtSpace: Record<string, Distribution> = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x${i}`, floatDistribution(0, 1)]));
    const objective = (p: Readonly<Record<string, number>>): { values: number[] } => ({ values: zdt1(Array.from({ length: 5 }, (_, i) => p[`x${i}`] as number)) });
    const hv = (trials: FrozenTrial[]): number => hypervolume(trials.map((t) => t.values as number[]), [1.1, 11]);
    for (const seed of [0, 1]) {
      const nsga = hv(runSequential(new NSGAIISampler({ seed, populationSize: 20 }), zdtSpace, 300, objective));
      const random = hv(runSequential(new RandomSampler({ seed }), zdtSpace, 300, objective));
      expect(nsga).toBeGreaterThan(random);
    }
  });
});
