import { describe, expect, it } from 'vitest';
import { constraintKey } from '../../src/multi-objective/constraints.js';
import { BASELINE_ATTR } from '../../src/storage/metadata.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { summaryLines } from '../../src/tui/index.js';
import { makeTrial } from '../helpers/trials.js';
import { HEADER, MO_HEADER } from './studies.js';

/** A COMPLETE trial the space file's `baseline:` ran. */
function baseline(number: number, value: number, systemAttrs: Record<string, number> = {}): FrozenTrial {
  return { ...makeTrial({ number, value, systemAttrs }), userAttrs: { [BASELINE_ATTR]: true } };
}

describe('the dashboard\'s closing lines', () => {
  it('say how far the best trial improves on the baseline, as the plain reporter does', () => {
    const trials = [baseline(0, 0.679055), makeTrial({ number: 1, value: 0.08818 })];
    expect(summaryLines(HEADER, trials).slice(1)).toEqual(['best val_loss=0.08818 at trial 1: ', 'baseline (trial 0) val_loss=0.679055; best improves on it by 0.590875']);
  });

  it('count an improvement upward when the study maximizes', () => {
    const trials = [baseline(0, 0.5), makeTrial({ number: 1, value: 0.75 })];
    expect(summaryLines({ ...HEADER, direction: 'maximize', metric: 'accuracy' }, trials).at(-1)).toBe('baseline (trial 0) accuracy=0.5; best improves on it by 0.25');
  });

  it('say nothing of the baseline when it is the best, or when there is none', () => {
    expect(summaryLines(HEADER, [baseline(0, 0.1), makeTrial({ number: 1, value: 0.2 })])).toHaveLength(2);
    expect(summaryLines(HEADER, [makeTrial({ number: 0, value: 0.1 }), makeTrial({ number: 1, value: 0.2 })])).toHaveLength(2);
  });

  it('say the best is worse than a baseline that misses a constraint, instead of calling it an improvement', () => {
    const trials = [baseline(0, 0.1, { [constraintKey('latency')]: 3 }), makeTrial({ number: 1, value: 0.3 })];
    expect(summaryLines(HEADER, trials).at(-1)).toBe('baseline (trial 0) val_loss=0.1; best is 0.2 worse (the baseline misses a constraint)');
  });

  it('leave the baseline out of a multi-objective study, which has a Pareto front instead of a best', () => {
    const trials = [{ ...baseline(0, 1), values: [1, 5] }, makeTrial({ number: 1, values: [0.5, 6] })];
    expect(summaryLines(MO_HEADER, trials).join('\n')).not.toContain('baseline');
  });
});
