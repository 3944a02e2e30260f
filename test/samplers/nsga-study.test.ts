import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../src/multi-objective/hypervolume.js';
import { isFeasible } from '../../src/multi-objective/constraints.js';
import { GENERATION_KEY, NSGAIISampler, NSGAIIISampler } from '../../src/samplers/nsga/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import type { Sampler } from '../../src/policies/policies.js';
import { floatDistribution } from '../../src/space/distributions.js';
import { InMemoryStorage } from '../../src/storage/index.js';
import { createStudy, loadStudy } from '../../src/study/create.js';
import type { Study } from '../../src/study/study.js';
import { zdt1 } from './nsga-harness.js';

async function zdt1Study(sampler: Sampler, trials: number, name = 'zdt1', storage = new InMemoryStorage()): Promise<Study> {
  const study = await createStudy({ name, storage, sampler, directions: ['minimize', 'minimize'], loadIfExists: true });
  for (let i = 0; i < trials; i++) {
    const trial = await study.ask();
    const x = Array.from({ length: 5 }, (_, k) => trial.suggest(`x${k}`, floatDistribution(0, 1)) as number);
    await study.tell(trial, zdt1(x));
  }
  await study.refresh();
  return study;
}

describe('NSGA samplers through the study API', () => {
  it('NSGA-II beats random search on ZDT1 in 300 trials', async () => {
    const hv = (study: Study): number => hypervolume(study.bestTrials.map((t) => t.values as number[]), [1.1, 11]);
    const nsga = await zdt1Study(new NSGAIISampler({ seed: 0, populationSize: 20 }), 300);
    const random = await zdt1Study(new RandomSampler({ seed: 0 }), 300);
    expect(hv(nsga)).toBeGreaterThan(hv(random));
    expect(nsga.trials.map((t) => t.systemAttrs[GENERATION_KEY])).toEqual(Array.from({ length: 300 }, (_, i) => Math.floor(i / 20)));
  });

  it('is reproducible through storage: same seed, same trials', async () => {
    const params = async (): Promise<unknown[]> => (await zdt1Study(new NSGAIIISampler({ seed: 3, populationSize: 8 }), 40)).trials.map((t) => t.params);
    expect(await params()).toEqual(await params());
  });

  it('a resumed study in a fresh process continues as the uninterrupted one', async () => {
    const storage = new InMemoryStorage();
    await zdt1Study(new NSGAIISampler({ seed: 9, populationSize: 6 }), 20, 'resume', storage);
    const resumed = await zdt1Study(new NSGAIISampler({ seed: 9, populationSize: 6 }), 20, 'resume', storage);
    const straight = await zdt1Study(new NSGAIISampler({ seed: 9, populationSize: 6 }), 40, 'straight');
    expect(resumed.trials.map((t) => t.params)).toEqual(straight.trials.map((t) => t.params));
    const reopened = await loadStudy({ name: 'resume', storage, sampler: new RandomSampler() });
    expect(reopened.trials.map((t) => t.systemAttrs[GENERATION_KEY])).toEqual(Array.from({ length: 40 }, (_, i) => Math.floor(i / 6)));
  });

  it('asks in parallel fill a generation with running trials and no more', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), sampler: new NSGAIISampler({ seed: 1, populationSize: 4 }), directions: ['minimize', 'maximize'] });
    const open = await Promise.all(Array.from({ length: 6 }, () => study.ask()));
    for (const trial of open) {
      const x = trial.suggest('x', floatDistribution(0, 1)) as number;
      await study.tell(trial, [x, x]);
    }
    await study.refresh();
    expect(study.trials.map((t) => t.systemAttrs[GENERATION_KEY])).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('prefers feasible parents under trial.setConstraint', async () => {
    const sampler = new NSGAIISampler({ seed: 2, populationSize: 10 });
    const study = await createStudy({ storage: new InMemoryStorage(), sampler, directions: ['minimize', 'minimize'], constraints: { x0: { max: 0.3 } } });
    for (let i = 0; i < 60; i++) {
      const trial = await study.ask();
      const x = Array.from({ length: 3 }, (_, k) => trial.suggest(`x${k}`, floatDistribution(0, 1)) as number);
      trial.setConstraint('x0', x[0] as number);
      await study.tell(trial, zdt1(x));
    }
    await study.refresh();
    const view = { name: study.name, direction: study.direction, directions: study.directions, getTrials: () => study.trials, setTrialSystemAttr: () => undefined };
    const parents = sampler.parentsOf(view, 5);
    expect(parents).toHaveLength(10);
    const feasibleSoFar = study.trials.filter((t) => (t.systemAttrs[GENERATION_KEY] as number) < 5 && isFeasible(t)).length;
    expect(parents.filter(isFeasible).length).toBe(Math.min(10, feasibleSoFar));
    expect(study.trials.slice(50).filter(isFeasible).length).toBeGreaterThan(5);
  });
});
