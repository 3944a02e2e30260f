import { describe, expect, it } from 'vitest';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { parameterImportance } from '../../src/tui/index.js';
import { makeTrial } from '../helpers/trials.js';
import { seeded } from './studies.js';

const X = floatDistribution(0, 1);
const NOISE = floatDistribution(0, 1);

function study(n: number, value: (p: Record<string, number | string>, r: () => number) => number, space: Record<string, Distribution>, seed = 1): FrozenTrial[] {
  const rand = seeded(seed);
  return Array.from({ length: n }, (_, number) => {
    const params: Record<string, { value: ParamValue; distribution: Distribution }> = {};
    const plain: Record<string, number | string> = {};
    for (const [name, d] of Object.entries(space)) {
      const v = d.kind === 'categorical' ? (d.choices[Math.floor(rand() * d.choices.length)] as string) : d.kind === 'int' ? d.low + Math.floor(rand() * (d.high - d.low + 1)) : d.low + rand() * (d.high - d.low);
      params[name] = { value: v, distribution: d };
      plain[name] = v;
    }
    return makeTrial({ number, value: value(plain, rand), params });
  });
}

describe('parameter importance (rank one-way ANOVA on quantile bins)', () => {
  it('gives nearly all importance to the parameter that matters and almost none to noise', () => {
    const trials = study(200, (p) => ((p['x'] as number) - 0.3) ** 2, { x: X, noise: NOISE });
    const result = parameterImportance(trials);
    expect(result?.[0]?.name).toBe('x');
    expect(result?.[0]?.importance).toBeGreaterThan(0.9);
    expect(result?.find((e) => e.name === 'noise')?.importance).toBeLessThan(0.1);
  });

  it('holds with observation noise and a weak second parameter', () => {
    const trials = study(300, (p, r) => 3 * (p['x'] as number) + 0.5 * (p['y'] as number) + 0.3 * r(), { x: X, y: floatDistribution(0, 1), noise: NOISE }, 3);
    const result = parameterImportance(trials) ?? [];
    expect(result.map((e) => e.name)).toEqual(['x', 'y', 'noise']);
    expect(result[2]?.importance).toBeLessThan(0.05);
  });

  it('groups categorical parameters by choice and int parameters by value', () => {
    const trials = study(150, (p) => (p['opt'] === 'sgd' ? 1 : 0) + 0.01 * (p['warmup'] as number), { opt: categoricalDistribution(['adamw', 'sgd']), warmup: intDistribution(0, 3), noise: NOISE });
    const result = parameterImportance(trials) ?? [];
    const share = (name: string) => result.find((e) => e.name === name)?.importance ?? 0;
    expect(result.map((e) => e.name)).toEqual(['opt', 'warmup', 'noise']);
    expect(share('opt')).toBeGreaterThan(2 * share('warmup'));
    expect(share('noise')).toBeLessThan(0.05);
  });

  it('sums to 1, and is undefined before 10 completed trials', () => {
    const trials = study(50, (p) => p['x'] as number, { x: X, noise: NOISE });
    expect((parameterImportance(trials) ?? []).reduce((a, e) => a + e.importance, 0)).toBeCloseTo(1, 10);
    expect(parameterImportance(trials.slice(0, 9))).toBeUndefined();
    expect(parameterImportance(trials.map((t) => ({ ...t, state: 'PRUNED' as const })))).toBeUndefined();
  });

  it('is all zeros when every value is the same', () => {
    const trials = study(40, () => 1, { x: X, noise: NOISE });
    expect(parameterImportance(trials)?.every((e) => e.importance === 0)).toBe(true);
  });

  it('weights a conditional parameter by how often it is present', () => {
    const trials = study(200, (p) => p['x'] as number, { x: X, m: NOISE }).map((t, i) => (i % 4 === 0 ? t : { ...t, params: { x: t.params['x'] as number }, internalParams: { x: t.internalParams['x'] as number } }));
    const result = parameterImportance(trials) ?? [];
    expect(result[0]?.name).toBe('x');
    expect(result.find((e) => e.name === 'm')?.importance ?? 0).toBeLessThan(0.05);
  });
});
