import { describe, expect, it } from 'vitest';
import type { TrialTransport } from '../../src/run/remote-trial.js';
import { RemoteTrial } from '../../src/run/remote-trial.js';
import type { TrialTask } from '../../src/run/messages.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace, inactiveParams } from '../../src/space/search-space.js';

const space = compileSearchSpace([
  { name: 'optimizer', distribution: categoricalDistribution(['adamw', 'sgd']), when: null },
  { name: 'momentum', distribution: floatDistribution(0.8, 0.99), when: { optimizer: ['sgd'] } },
  { name: 'x', distribution: floatDistribution(0, 1), when: null },
  { name: 'n', distribution: intDistribution(1, 5), when: null },
]);
const params = { optimizer: 'adamw', x: 0.48, n: 2 };

function trialIn(requestSync: TrialTransport['requestSync']): RemoteTrial {
  const task: TrialTask = {
    study: 's',
    number: 0,
    trialId: 1,
    params,
    distributions: { optimizer: categoricalDistribution(['adamw', 'sgd']), x: floatDistribution(0, 1), n: intDistribution(1, 5) },
    inactive: inactiveParams(space, params),
    device: 'cpu',
    slot: 'cpu#0',
  };
  return new RemoteTrial(task, { send: () => undefined, request: () => Promise.reject(new Error('no loop')), requestSync });
}

describe('a trial inside a slot', () => {
  it('answers a declared parameter with its sampled value when the objective asks for a range holding it', () => {
    const trial = trialIn(undefined);
    expect(trial.suggestFloat('x', 0, 1)).toBe(0.48);
    expect(trial.suggestFloat('x', 0.4, 0.5)).toBe(0.48);
    expect(trial.suggestInt('n', 1, 5)).toBe(2);
  });
  it('refuses a range that leaves out the value sampled from the file, naming both ranges', () => {
    const trial = trialIn(undefined);
    expect(() => trial.suggestFloat('x', 10, 20)).toThrow(
      'parameter "x": the space file declares float [0, 1], the objective asks for float [10, 20], and the value sampled from the file (0.48) lies outside what it asks; make the two agree',
    );
    expect(() => trial.suggestInt('n', 100, 200)).toThrow(/parameter "n": the space file declares int \[1, 5\], the objective asks for int \[100, 200\]/);
  });
  it('refuses a declared parameter whose when: does not hold, in a process slot and a thread slot alike', () => {
    const message = 'parameter "momentum" is declared with when: { optimizer: sgd }, which does not hold in this trial; suggest it only in that branch of the objective (or drop its when:)';
    expect(() => trialIn(undefined).suggestFloat('momentum', 0.8, 0.99)).toThrow(message);
    expect(() =>
      trialIn(() => {
        throw new Error('the loop was asked');
      }).suggestFloat('momentum', 0.8, 0.99),
    ).toThrow(message);
  });
});
