import { describe, expect, it } from 'vitest';
import { trialToJson } from '../../src/cli/format.js';
import { makeTrial } from '../helpers/trials.js';

describe('a trial as JSON (trials --format json, best)', () => {
  it('says feasible only once the trial completed, as export does; a pruned one says where it stopped', () => {
    const attrs = { 'constraints:mem_gb': -1 };
    expect(trialToJson(makeTrial({ number: 0, value: 1, systemAttrs: attrs }))).toMatchObject({ constraints: { mem_gb: -1 }, feasible: true });
    expect(trialToJson(makeTrial({ number: 1, systemAttrs: attrs }))).toMatchObject({ state: 'RUNNING', feasible: null });
    expect(trialToJson(makeTrial({ number: 2, state: 'PRUNED', intermediate: { 4: 0.3 } }))).toMatchObject({ pruned: 'at step 4' });
  });

  it('says a paused trial may be resumed by a promotion', () => {
    expect(trialToJson(makeTrial({ number: 3, state: 'PRUNED', intermediate: { 2: 0.4 }, systemAttrs: { 'sodate:paused': true } }))).toMatchObject({ pruned: 'at step 2 (paused: a promotion may resume it)' });
  });
});
