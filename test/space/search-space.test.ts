import { describe, expect, it } from 'vitest';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, toExternal } from '../../src/space/distributions.js';
import { compileSearchSpace, suggestAll } from '../../src/space/search-space.js';

const optimizer = { name: 'optimizer', distribution: categoricalDistribution(['adamw', 'sgd']), when: null };
const momentum = { name: 'momentum', distribution: floatDistribution(0.8, 0.99), when: { optimizer: ['sgd'] } };
const nesterov = { name: 'nesterov', distribution: categoricalDistribution([true, false]), when: { momentum: [0.9] } };

function fixed(values: Record<string, ParamValue>) {
  return {
    asked: [] as string[],
    suggest(name: string, dist: Distribution): ParamValue {
      this.asked.push(name);
      return values[name] ?? toExternal(dist, 0);
    },
  };
}

describe('compileSearchSpace', () => {
  it('orders a parameter after the ones its condition names', () => {
    const space = compileSearchSpace([momentum, optimizer]);
    expect(space.params.map((p) => p.name)).toEqual(['optimizer', 'momentum']);
  });
  it('refuses a condition on an unknown parameter', () => {
    expect(() => compileSearchSpace([momentum])).toThrow(/unknown parameter "optimizer"/);
  });
  it('refuses a condition value the parent can never take', () => {
    expect(() => compileSearchSpace([optimizer, { ...momentum, when: { optimizer: ['adam'] } }])).toThrow(/can never hold/);
  });
  it('refuses cycles', () => {
    const a = { name: 'a', distribution: categoricalDistribution(['x']), when: { b: ['x'] } };
    const b = { name: 'b', distribution: categoricalDistribution(['x']), when: { a: ['x'] } };
    expect(() => compileSearchSpace([a, b])).toThrow(/cycle/);
  });
});

describe('suggestAll', () => {
  const space = compileSearchSpace([optimizer, momentum]);
  it('suggests a conditional parameter only when its condition holds', () => {
    const adam = fixed({ optimizer: 'adamw' });
    expect(suggestAll(space, adam)).toEqual({ optimizer: 'adamw' });
    expect(adam.asked).toEqual(['optimizer']);
    const sgd = fixed({ optimizer: 'sgd', momentum: 0.9 });
    expect(suggestAll(space, sgd)).toEqual({ optimizer: 'sgd', momentum: 0.9 });
  });
  it('treats a child of an absent parameter as absent', () => {
    const chained = compileSearchSpace([optimizer, momentum, nesterov]);
    expect(suggestAll(chained, fixed({ optimizer: 'adamw' }))).toEqual({ optimizer: 'adamw' });
  });
});
