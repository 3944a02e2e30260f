import { describe, expect, it } from 'vitest';
import { AutoSampler, observedShape } from '../../src/samplers/auto.js';
import { createSampler } from '../../src/samplers/registry.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { createStudy } from '../../src/study/create.js';
import { makeTrial } from '../helpers/trials.js';
import { AUTO_CHOICE_ATTR } from '../../src/storage/metadata.js';
import { InMemoryStorage } from '../../src/storage/memory.js';

const numeric = { dimension: 6, numeric: true, conditional: false };

describe('AutoSampler rule', () => {
  const auto = new AutoSampler({ seed: 0 });

  it('takes GP for small numeric spaces until gpMaxTrials have finished, then TPE', () => {
    expect(auto.choose(numeric, 0)).toBe('gp');
    expect(auto.choose(numeric, 499)).toBe('gp');
    expect(auto.choose(numeric, 500)).toBe('tpe');
    expect(new AutoSampler({ gpMaxTrials: 50 }).choose(numeric, 50)).toBe('tpe');
  });

  it('takes GP for categorical spaces too, GP+TPE for conditional ones, TPE for large spaces and before the space is known', () => {
    expect(auto.choose({ ...numeric, numeric: false }, 20)).toBe('gp');
    expect(auto.choose({ ...numeric, numeric: false, conditional: true }, 20)).toBe('gp+tpe');
    expect(auto.choose({ ...numeric, conditional: true }, 499)).toBe('gp+tpe');
    expect(auto.choose({ ...numeric, conditional: true }, 500)).toBe('tpe');
    expect(auto.choose({ ...numeric, dimension: 13 }, 20)).toBe('tpe');
    expect(new AutoSampler({ gpMaxDimension: 20 }).choose({ ...numeric, dimension: 13 }, 20)).toBe('gp');
    expect(auto.choose(null, 0)).toBe('tpe');
  });

  it('takes TPE (MOTPE) for several objectives, whatever the space', () => {
    expect(auto.choose(numeric, 20, 1)).toBe('gp');
    expect(auto.choose(numeric, 20, 2)).toBe('tpe');
    expect(auto.choose({ ...numeric, conditional: true }, 20, 3)).toBe('tpe');
  });

  it('takes a rule of the caller’s, which sees the limits and the number of objectives', () => {
    const seen: unknown[] = [];
    const sampler = new AutoSampler({ gpMaxTrials: 40, rule: (shape, context) => (seen.push(context), shape === null ? 'tpe' : 'gp') });
    expect(sampler.choose(numeric, 7, 2)).toBe('gp');
    expect(seen).toEqual([{ finished: 7, objectives: 2, gpMaxTrials: 40, gpMaxDimension: 12 }]);
  });

  it('reads the shape off finished trials: a parameter some lack is conditional', () => {
    const x = { value: 0.5, distribution: floatDistribution(0, 1) };
    const n = { value: 3, distribution: intDistribution(1, 8) };
    const c = { value: 'sgd', distribution: categoricalDistribution(['adamw', 'sgd']) };
    expect(observedShape([])).toBeNull();
    expect(observedShape([makeTrial({ number: 0, value: 1, params: { x, n } }), makeTrial({ number: 1, value: 2, params: { x, n } })])).toEqual({ dimension: 2, numeric: true, conditional: false });
    expect(observedShape([makeTrial({ number: 0, value: 1, params: { x, c } })])).toEqual({ dimension: 2, numeric: false, conditional: false });
    expect(observedShape([makeTrial({ number: 0, value: 1, params: { x, n } }), makeTrial({ number: 1, value: 2, params: { x } })])?.conditional).toBe(true);
    // A one-choice categorical is a constant: the space stays numeric.
    const fixed = { value: 'resnet18', distribution: categoricalDistribution(['resnet18']) };
    expect(observedShape([makeTrial({ number: 0, value: 1, params: { x, n, fixed } })])).toEqual({ dimension: 2, numeric: true, conditional: false });
  });

  it('validates its options and the nested ones, naming the bad key', () => {
    expect(() => new AutoSampler({ gpMaxTrials: 0 })).toThrow(/gpMaxTrials must be a positive integer, got 0/);
    expect(() => new AutoSampler({ tpe: { gama: 'optuna' } as never })).toThrow(/tpe: unknown option "gama"/);
    expect(() => new AutoSampler({ gp: { seed: 3 } as never })).toThrow(/gp: no seed of its own/);
    expect(() => createSampler('auto', { tpe: { nStartupTrials: -1 } })).toThrow(/^tpe\.nStartupTrials must be an integer >= 0/);
  });
});

describe('AutoSampler in a study', () => {
  async function run(sampler: AutoSampler, nTrials: number): Promise<Awaited<ReturnType<typeof createStudy>>> {
    const study = await createStudy({ sampler });
    await study.optimize((t) => (t.suggestFloat('x', -2, 2) - 0.5) ** 2 + (t.suggestFloat('y', 0, 1) - 0.25) ** 2, { nTrials });
    return study;
  }

  it('records the sampler that proposed each trial: TPE before any trial finished, then GP on a numeric space', async () => {
    const study = await run(new AutoSampler({ seed: 1 }), 14);
    const choices = study.trials.map((t) => t.systemAttrs[AUTO_CHOICE_ATTR]);
    expect(choices[0]).toBe('tpe');
    expect(choices.slice(1).every((c) => c === 'gp')).toBe(true);
    expect(study.bestValue as number).toBeLessThan(0.05);
  });

  it('switches to TPE once gpMaxTrials trials have finished', async () => {
    const study = await run(new AutoSampler({ seed: 1, gpMaxTrials: 5 }), 9);
    expect(study.trials.map((t) => t.systemAttrs[AUTO_CHOICE_ATTR])).toEqual(['tpe', 'gp', 'gp', 'gp', 'gp', 'tpe', 'tpe', 'tpe', 'tpe']);
  });

  it('takes GP from the first trial when a declared space has a categorical and no condition', async () => {
    const space = compileSearchSpace([
      { name: 'lr', distribution: floatDistribution(1e-5, 1e-2, { log: true }), when: null },
      { name: 'optimizer', distribution: categoricalDistribution(['adamw', 'sgd']), when: null },
    ]);
    const sampler = createSampler('auto', { seed: 2 }, { space }) as AutoSampler;
    const study = await createStudy({ sampler });
    await study.optimize((t) => Math.log10(t.suggestFloat('lr', 1e-5, 1e-2, { log: true })) + (t.suggestCategorical('optimizer', ['adamw', 'sgd']) === 'sgd' ? 1 : 0), { nTrials: 12 });
    expect(new Set(study.trials.map((t) => t.systemAttrs[AUTO_CHOICE_ATTR]))).toEqual(new Set(['gp']));
  });

  it('on a conditional space lets GP propose the shared parameters and TPE the branch ones', async () => {
    const space = compileSearchSpace([
      { name: 'lr', distribution: floatDistribution(1e-4, 1, { log: true }), when: null },
      { name: 'optimizer', distribution: categoricalDistribution(['adamw', 'sgd']), when: null },
      { name: 'momentum', distribution: floatDistribution(0, 0.99), when: { optimizer: ['sgd'] } },
    ]);
    const sampler = createSampler('auto', { seed: 3 }, { space }) as AutoSampler;
    const study = await createStudy({ sampler });
    const objective = (t: Parameters<Parameters<typeof study.optimize>[0]>[0]): number => {
      const loss = (Math.log10(t.suggestFloat('lr', 1e-4, 1, { log: true })) + 2) ** 2;
      return t.suggestCategorical('optimizer', ['adamw', 'sgd']) === 'sgd' ? loss + (t.suggestFloat('momentum', 0, 0.99) - 0.9) ** 2 : loss + 0.5;
    };
    await study.optimize(objective, { nTrials: 40 });
    expect(new Set(study.trials.map((t) => t.systemAttrs[AUTO_CHOICE_ATTR]))).toEqual(new Set(['gp+tpe']));
    // TPE, not a uniform draw, for momentum: the late SGD trials sit near its best, 0.9.
    const late = study.trials.slice(25).filter((t) => t.params['optimizer'] === 'sgd').map((t) => t.params['momentum'] as number);
    expect(late.length).toBeGreaterThan(5);
    expect(late.filter((m) => Math.abs(m - 0.9) < 0.2).length / late.length).toBeGreaterThan(0.6);
  });

  describe('in a warm-started study', () => {
    // The earlier study had no x2: GP fitted on its trials would leave x2 out of its space (and draw it at random).
    const oldObjective = (t: Parameters<Parameters<Awaited<ReturnType<typeof createStudy>>['optimize']>[0]>[0]): number => (t.suggestFloat('x0', 0, 1) - 0.3) ** 2 + (t.suggestFloat('x1', 0, 1) - 0.6) ** 2;
    const newObjective = (t: Parameters<Parameters<Awaited<ReturnType<typeof createStudy>>['optimize']>[0]>[0]): number => oldObjective(t) + (t.suggestFloat('x2', 0, 1) - 0.8) ** 2;
    async function warmStudy(sampler: AutoSampler, nTrials: number): Promise<Awaited<ReturnType<typeof createStudy>>> {
      const storage = new InMemoryStorage();
      const old = await createStudy({ name: 'old', storage, sampler: new AutoSampler({ seed: 1 }) });
      await old.optimize(oldObjective, { nTrials: 15 });
      const study = await createStudy({ name: 'new', storage, sampler, warmStart: { from: 'old' } });
      await study.optimize(newObjective, { nTrials });
      return study;
    }

    it("lets GP model the study's own trials from the first, over every parameter", async () => {
      const study = await warmStudy(new AutoSampler({ seed: 2 }), 14);
      // Trial 0, the enqueued old best, came before any own trial finished (no shape yet: TPE's
      // startup, its parameters fixed anyway); the own trials all have x2, so nothing looks conditional.
      expect(new Set(study.trials.slice(1).map((t) => t.systemAttrs[AUTO_CHOICE_ATTR]))).toEqual(new Set(['gp']));
      const late = study.trials.slice(10).map((t) => t.params['x2'] as number);
      expect(late.filter((x) => Math.abs(x - 0.8) < 0.25).length).toBeGreaterThanOrEqual(late.length / 2);
    });

    it('takes TPE, with the old trials, for the own trials numbered below warmStartTpeTrials, then GP', async () => {
      const study = await warmStudy(new AutoSampler({ seed: 2, warmStartTpeTrials: 4 }), 8);
      expect(study.trials.map((t) => t.systemAttrs[AUTO_CHOICE_ATTR])).toEqual(['tpe', 'tpe', 'tpe', 'tpe', 'gp', 'gp', 'gp', 'gp']);
    });

    it("says in one line what the old trials do under it (sodate tune's log)", () => {
      expect(new AutoSampler().describeWarmStart()).toBe(
        "auto sampler: GP models the old trials and this study's own as one data set with a task coordinate that learns how far they agree (one objective, no constraints, at least 5 old trials; else its own trials only); TPE (several objectives, branch parameters, large spaces) reads them",
      );
      expect(new AutoSampler({ gp: { warmStartModel: 'own' } }).describeWarmStart()).toContain("GP models this study's own trials only, the old study reaches it through the enqueued best (if any)");
      expect(new AutoSampler({ warmStartTpeTrials: 5 }).describeWarmStart()).toContain('; TPE samples its first 5 trial(s) with them;');
      expect(new AutoSampler({ gp: { warmStartPrior: true } }).describeWarmStart()).toContain("GP models this study's own trials on a prior mean fitted to the old ones");
    });

    it('refuses a warmStartTpeTrials that is not a non-negative integer', () => {
      expect(() => new AutoSampler({ warmStartTpeTrials: -1 })).toThrow('warmStartTpeTrials must be a non-negative integer, got -1');
      expect(() => createSampler('auto', { warmStartTpeTrials: 1.5 })).toThrow('warmStartTpeTrials must be a non-negative integer, got 1.5');
    });
  });

  it('gives the same study for the same seed', async () => {
    const a = await run(new AutoSampler({ seed: 7 }), 12);
    const b = await run(new AutoSampler({ seed: 7 }), 12);
    expect(b.trials.map((t) => t.params)).toEqual(a.trials.map((t) => t.params));
  });
});
