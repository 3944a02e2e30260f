import { describe, expect, it } from 'vitest';
import { categoricalDistribution, contains, floatDistribution, intDistribution, isSingleValue } from '../../src/space/distributions.js';
import type { Distribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import type { StageSpec } from '../../src/space/stages.js';
import { narrowed, single, stageSpace, stageStudyName } from '../../src/space/stages.js';
import { checkCompatible } from '../../src/space/distributions.js';
import { parseStudyFile } from '../../src/study-file/study-file.js';

const space = compileSearchSpace([
  { name: 'lr', distribution: floatDistribution(1e-4, 1e-1, { log: true }), when: null },
  { name: 'opt', distribution: categoricalDistribution(['adamw', 'sgd']), when: null },
  { name: 'momentum', distribution: floatDistribution(0.8, 0.99), when: { opt: ['sgd'] } },
  { name: 'wd', distribution: floatDistribution(0, 0.1), when: null },
  { name: 'ema', distribution: categoricalDistribution([true, false]), when: null },
  { name: 'ema_decay', distribution: floatDistribution(0.99, 0.9999), when: { ema: [true] } },
  { name: 'hflip', distribution: floatDistribution(0, 0.5, { step: 0.25 }), when: null },
]);
const stage = (name: string, params: string[], carry: 'fix' | 'narrow' = 'fix'): StageSpec => ({ name, params, trials: 5, carry, line: 1 });
const stages = [stage('optim', ['lr', 'opt', 'momentum']), stage('reg', ['wd', 'ema', 'ema_decay']), stage('aug', ['hflip'], 'narrow')];
const dists = (s: ReturnType<typeof stageSpace>): Record<string, Distribution> => Object.fromEntries(s.params.map((p) => [p.name, p.distribution]));

describe('the space of a stage', () => {
  it('opens its own parameters, keeps later ones at their baseline value and leaves out those without one (and their children)', () => {
    const first = dists(stageSpace(space, stages, 0, {}, { wd: 0.01, hflip: 0 }));
    expect(Object.keys(first).sort()).toEqual(['hflip', 'lr', 'momentum', 'opt', 'wd']);
    expect(first['lr']).toEqual(space.params[0]?.distribution);
    expect(first['wd']).toEqual(floatDistribution(0.01, 0.01));
    expect(first['hflip']).toEqual(floatDistribution(0, 0));
  });

  it('fixes what earlier stages opened at the previous best, leaving out a parameter whose condition can no longer hold', () => {
    const second = stageSpace(space, stages, 1, { lr: 3e-3, opt: 'adamw', wd: 0.01, hflip: 0 }, { wd: 0.01, hflip: 0 });
    const d = dists(second);
    expect(d['lr']).toEqual(floatDistribution(3e-3, 3e-3, { log: true }));
    expect(d['opt']).toEqual(categoricalDistribution(['adamw']));
    expect(d['momentum']).toBeUndefined(); // its condition (opt = sgd) can no longer hold
    expect(d['wd']).toEqual(floatDistribution(0, 0.1));
    expect(isSingleValue(d['hflip'] as Distribution)).toBe(true);
  });

  it('with carry: narrow, searches around the previous best within the original range, on its grid', () => {
    const third = dists(stageSpace(space, stages, 2, { lr: 1e-2, opt: 'sgd', momentum: 0.95, wd: 0.05, ema: true, ema_decay: 0.999, hflip: 0.25 }, undefined));
    const lr = third['lr'] as Distribution & { low: number; high: number };
    expect(lr.low).toBeCloseTo(1e-2 / 10 ** (3 / 8), 12);
    expect(lr.high).toBeCloseTo(1e-2 * 10 ** (3 / 8), 12);
    expect(third['opt']).toEqual(categoricalDistribution(['sgd']));
    expect(third['wd']).toMatchObject({ kind: 'float', log: false, step: null });
    expect((third['wd'] as { low: number }).low).toBeCloseTo(0.0375, 12);
    expect((third['wd'] as { high: number }).high).toBeCloseTo(0.0625, 12);
    expect((third['momentum'] as { low: number }).low).toBeCloseTo(0.95 - 0.19 / 8, 12);
    expect((third['momentum'] as { high: number }).high).toBeCloseTo(0.95 + 0.19 / 8, 12);
    expect(third['hflip']).toEqual(floatDistribution(0, 0.5, { step: 0.25 }));
  });

  it('narrows a stepped or integer range to whole steps around the value, never past the bounds', () => {
    expect(narrowed(floatDistribution(0, 1, { step: 0.1 }), 0.9)).toEqual(floatDistribution(0.8, 1, { step: 0.1 }));
    expect(narrowed(intDistribution(0, 16), 3)).toEqual(intDistribution(1, 5));
    expect(narrowed(intDistribution(1, 1024, { log: true }), 32)).toEqual(intDistribution(13, 77, { log: true }));
    for (const d of [narrowed(floatDistribution(0, 0.5, { step: 0.25 }), 0.25), narrowed(intDistribution(0, 3), 0)]) expect(contains(d, 0.25) || contains(d, 0)).toBe(true);
  });

  it('fixes a log parameter at one value that is still log, so that the full space can run in the stage\'s study', () => {
    const lr = floatDistribution(1e-4, 1e-2, { log: true });
    const fixed = single(lr, 3e-3);
    expect(fixed).toMatchObject({ kind: 'float', low: 3e-3, high: 3e-3, log: true });
    expect(() => checkCompatible('lr', fixed, lr)).not.toThrow();
    expect(single(intDistribution(1, 64, { log: true }), 8)).toMatchObject({ low: 8, high: 8, log: true });
  });

  it('names each stage study <study>.<stage>', () => {
    expect(stageStudyName('grow', stages[1] as StageSpec)).toBe('grow.reg');
  });
});

describe('stages: in a space file', () => {
  const catalog = { samplers: { tpe: ['seed'], random: ['seed'] }, pruners: { none: [] } };
  const file = (stagesText: string) => `objective: { module: ./o.ts }\nstages:\n${stagesText}\nparams:\n  lr: { float: [1.0e-4, 1.0e-1], log: true }\n  opt: { choice: [adamw, sgd] }\n  momentum: { float: [0.8, 0.99], when: { opt: sgd } }\n`;
  const errorOf = (text: string): string => {
    try {
      parseStudyFile(text, 's.yaml', catalog);
    } catch (error) {
      return (error as Error).message;
    }
    return 'no error';
  };

  it('reads each stage with its policies and carry', () => {
    const parsed = parseStudyFile(file('  - { name: a, params: [lr, opt], trials: 4 }\n  - { name: b, params: [momentum], trials: 3, carry: narrow, sampler: { kind: random, seed: 2 } }'), 's.yaml', catalog);
    expect(parsed.stages?.map((s) => [s.name, s.params, s.trials, s.carry, s.sampler?.kind ?? null, s.line])).toEqual([
      ['a', ['lr', 'opt'], 4, 'fix', null, 3],
      ['b', ['momentum'], 3, 'narrow', 'random', 4],
    ]);
  });

  it('refuses a parameter opened twice, one opened before its parent, an unknown one and a bad name', () => {
    expect(errorOf(file('  - { name: a, params: [lr, opt], trials: 4 }\n  - { name: b, params: [opt, momentum], trials: 3 }'))).toBe('s.yaml:4: stages[1].params: "opt" is already opened by stage a; each parameter belongs to one stage');
    expect(errorOf(file('  - { name: a, params: [lr, momentum], trials: 4 }\n  - { name: b, params: [opt], trials: 3 }'))).toBe('s.yaml:3: stages[0].params: "momentum" depends on "opt", which a later stage opens; open "opt" in stage a or before');
    expect(errorOf(file('  - { name: a, params: [lr, opt, momentum, wd], trials: 4 }'))).toMatch(/^s\.yaml:3: stages\[0\]\.params: "wd" is not a parameter; known: lr, opt, momentum$/);
    expect(errorOf(file('  - { name: a/b, params: [lr, opt, momentum], trials: 4 }'))).toBe('s.yaml:3: stages[0].name: expected a stage name of letters, digits, "-" or "_", found "a/b"');
  });
});
