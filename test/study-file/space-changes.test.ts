import { describe, expect, it } from 'vitest';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { Distribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { describeDistribution, spaceChanges } from '../../src/study-file/space-changes.js';

const space = (params: Record<string, Distribution>) => compileSearchSpace(Object.entries(params).map(([name, distribution]) => ({ name, distribution, when: null })));

describe('spaceChanges', () => {
  it('names each parameter added, removed or given another distribution, and nothing else', () => {
    const before = space({ lr: floatDistribution(1e-5, 1e-3, { log: true }), opt: categoricalDistribution(['adamw', 'sgd']), wd: floatDistribution(0, 0.1), bs: intDistribution(16, 128, { step: 16 }) });
    const after = space({ lr: floatDistribution(1e-5, 1e-2, { log: true }), opt: categoricalDistribution(['adamw', 'sgd']), bs: intDistribution(16, 128, { step: 16 }), ema: categoricalDistribution([true, false]) });
    expect(spaceChanges(before, after)).toEqual(['lr float [0.00001, 0.001] log → float [0.00001, 0.01] log', 'ema added', 'wd removed']);
    expect(spaceChanges(before, before)).toEqual([]);
  });

  it('describes each kind of distribution as a space file reads', () => {
    expect(describeDistribution(floatDistribution(0, 1, { step: 0.25 }))).toBe('float [0, 1] step 0.25');
    expect(describeDistribution(intDistribution(1, 4))).toBe('int [1, 4]');
    expect(describeDistribution(categoricalDistribution(['a', 1, true, null]))).toBe('choice [a, 1, true, null]');
  });
});
