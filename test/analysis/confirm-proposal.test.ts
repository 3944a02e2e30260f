import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPOSAL_OF, confirmCandidates, confirmationGroups, plannedConfirmations, rankConfirmations } from '../../src/analysis/confirm.js';
import type { ConfirmCandidate } from '../../src/analysis/confirm.js';
import { fitPosteriorMean } from '../../src/analysis/confirm-model.js';
import { proposeConfiguration } from '../../src/analysis/confirm-proposal.js';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { Rng } from '../../src/samplers/rng.js';
import { CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR } from '../../src/storage/metadata.js';
import { confirmSeed } from '../../src/study/seeds.js';

const X: Distribution = floatDistribution(0, 1);

function trial(number: number, internal: Record<string, number>, distributions: Record<string, Distribution>, value: number, userAttrs: Record<string, number | string> = {}): FrozenTrial {
  const params: Record<string, ParamValue> = {};
  for (const [name, v] of Object.entries(internal)) {
    const dist = distributions[name] as Distribution;
    params[name] = dist.kind === 'categorical' ? (dist.choices[v] as ParamValue) : v;
  }
  return {
    id: number + 1,
    number,
    state: 'COMPLETE',
    values: [value],
    params,
    internalParams: internal,
    distributions,
    intermediateValues: new Map(),
    userAttrs,
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
  };
}

/** f(x) = (x − 0.3)² measured with noise at 20 points that all miss x = 0.3; one lucky far draw. */
function noisyStudy(sign = 1): FrozenTrial[] {
  const rng = new Rng(11);
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 20; i++) {
    const x = i < 10 ? 0.05 * i : 0.52 + 0.05 * (i - 10); // nothing between 0.45 and 0.52, none at 0.3 ± 0.05
    const xs = Math.abs(x - 0.3) < 0.05 ? x + 0.1 : x;
    trials.push(trial(i, { x: xs }, { x: X }, sign * ((xs - 0.3) ** 2 + 0.01 * rng.normal())));
  }
  trials.push(trial(20, { x: 0.95 }, { x: X }, sign * -0.02));
  return trials;
}

describe("confirm's proposal", () => {
  it("is the model's optimum, between the trials, and beats every tried configuration's posterior mean", () => {
    const trials = noisyStudy();
    const proposal = proposeConfiguration(trials, 'minimize', 1);
    expect(proposal).not.toBeNull();
    const x = proposal?.params['x'] as number;
    expect(Math.abs(x - 0.3)).toBeLessThan(0.06);
    expect(trials.some((t) => t.params['x'] === x)).toBe(false);
    const posterior = fitPosteriorMean(trials);
    for (const t of trials) expect(proposal?.modelMean).toBeLessThan(posterior?.(t) as number);
    expect(posterior?.({ internalParams: proposal?.internalParams ?? {} })).toBeCloseTo(proposal?.modelMean as number, 9);
  });

  it('is deterministic, and the same for a maximised objective of the opposite sign', () => {
    const a = proposeConfiguration(noisyStudy(), 'minimize', 4);
    expect(proposeConfiguration(noisyStudy(), 'minimize', 4)).toEqual(a);
    const b = proposeConfiguration(noisyStudy(-1), 'maximize', 4);
    expect(b?.params['x']).toBeCloseTo(a?.params['x'] as number, 6);
  });

  it('has none without a model: too few trials, or every value the same', () => {
    expect(proposeConfiguration(noisyStudy().slice(0, 9), 'minimize', 1)).toBeNull();
    expect(proposeConfiguration(noisyStudy().map((t) => ({ ...t, values: [1] })), 'minimize', 1)).toBeNull();
  });

  it('in a conditional space moves only the shared numeric parameters, keeping the best configuration’s choices', () => {
    const opt = categoricalDistribution(['adamw', 'sgd']);
    const momentum = floatDistribution(0.8, 0.99);
    const lr = floatDistribution(1e-5, 1e-1, { log: true });
    const rng = new Rng(5);
    const trials: FrozenTrial[] = [];
    for (let i = 0; i < 24; i++) {
      const sgd = i % 2;
      const logLr = Math.log(1e-5) + (Math.log(1e-1) - Math.log(1e-5)) * ((i * 7) % 24) / 23;
      const internal: Record<string, number> = sgd ? { opt: 1, lr: Math.exp(logLr), momentum: 0.8 + 0.19 * rng.float() } : { opt: 0, lr: Math.exp(logLr) };
      const value = (logLr - Math.log(3e-3)) ** 2 / 10 + (sgd ? 0 : 0.5) + 0.05 * rng.normal();
      trials.push(trial(i, internal, sgd ? { opt, lr, momentum } : { opt, lr }, value));
    }
    const proposal = proposeConfiguration(trials, 'minimize', 2);
    expect(proposal).not.toBeNull();
    expect(proposal?.params['opt']).toBe('sgd');
    expect(Object.keys(proposal?.params ?? {}).sort()).toEqual(['lr', 'momentum', 'opt']);
    expect(contains(lr, proposal?.internalParams['lr'] as number)).toBe(true);
    expect(Math.abs(Math.log(proposal?.params['lr'] as number) - Math.log(3e-3))).toBeLessThan(1.5);
  });

  it('always lies on values the parameters can take', () => {
    const dists: Record<string, Distribution> = { a: floatDistribution(-2, 3), b: intDistribution(1, 9, { step: 2 }), c: floatDistribution(1e-4, 1, { log: true }), d: categoricalDistribution(['p', 'q', 'r']) };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = new Rng(seed);
        const trials = Array.from({ length: 14 }, (_, i) => {
          const internal = { a: -2 + 5 * rng.float(), b: 1 + 2 * rng.int(5), c: Math.exp(Math.log(1e-4) * rng.float()), d: rng.int(3) };
          return trial(i, internal, dists, internal.a ** 2 + internal.b / 9 + rng.normal());
        });
        const proposal = proposeConfiguration(trials, 'minimize', seed);
        if (proposal === null) return;
        for (const [name, dist] of Object.entries(dists)) expect(contains(dist, proposal.internalParams[name] as number)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});

describe('confirm with a proposal', () => {
  it('confirms the best single trial first and the proposal second; never with --top 1 or by mean', () => {
    const trials = noisyStudy();
    const candidates = confirmCandidates(trials, 'minimize', 3, 'model', { seed: 1 });
    expect(candidates[0]?.number).toBe(20);
    expect(candidates[1]?.number).toBeNull();
    expect(candidates[1]?.value).toBeNull();
    expect(candidates).toHaveLength(3);
    expect(confirmCandidates(trials, 'minimize', 1, 'model', { seed: 1 }).map((c) => c.number)).toEqual([20]);
    expect(confirmCandidates(trials, 'minimize', 3, 'mean', { seed: 1 }).every((c) => c.number !== null)).toBe(true);
    expect(confirmCandidates(trials, 'minimize', 3, 'model').every((c) => c.number !== null)).toBe(true);
  });

  it('proposes nothing in a constrained study (the model does not know the constraints)', () => {
    const constrained = noisyStudy().map((t) => ({ ...t, systemAttrs: { 'constraints:mem': -1 } }));
    expect(confirmCandidates(constrained, 'minimize', 3, 'model', { seed: 1 }).every((c) => c.number !== null)).toBe(true);
  });

  it("plans the proposal's re-runs under confirm_of 'model' and counts only those with its parameters", () => {
    const trials = noisyStudy();
    const proposal = confirmCandidates(trials, 'minimize', 2, 'model', { seed: 1 })[1] as ConfirmCandidate;
    const planned = plannedConfirmations(trials, [proposal], 2, 9);
    expect(planned.map((p) => [p.of, p.seed])).toEqual([0, 1].map((k) => [PROPOSAL_OF, confirmSeed(9, PROPOSAL_OF, k)]));
    const x = proposal.params['x'] as number;
    const done = [
      trial(21, { x }, { x: X }, 0.01, { [CONFIRM_OF_ATTR]: PROPOSAL_OF, [CONFIRM_SEED_ATTR]: confirmSeed(9, PROPOSAL_OF, 0) }),
      // An earlier proposal (other parameters) with the second seed: not this proposal's run.
      trial(22, { x: 0.7 }, { x: X }, 0.2, { [CONFIRM_OF_ATTR]: PROPOSAL_OF, [CONFIRM_SEED_ATTR]: confirmSeed(9, PROPOSAL_OF, 1) }),
    ];
    const all = [...trials, ...done];
    expect(plannedConfirmations(all, [proposal], 2, 9).map((p) => p.seed)).toEqual([confirmSeed(9, PROPOSAL_OF, 1)]);
    expect(confirmationGroups(all, [proposal], 2, 9)[0]).toMatchObject({ reruns: [0.01], missing: 1 });
    // Re-runs are not tuning trials: the candidates stay the same.
    expect(confirmCandidates(all, 'minimize', 2, 'model', { seed: 1 })).toEqual(confirmCandidates(trials, 'minimize', 2, 'model', { seed: 1 }));
  });

  it('ranks the proposal by its re-runs alone, and last when none of them completed', () => {
    const trials = noisyStudy();
    const [best, proposal] = confirmCandidates(trials, 'minimize', 2, 'model', { seed: 1 }) as [ConfirmCandidate, ConfirmCandidate];
    const rows = rankConfirmations([{ candidate: best, reruns: [0.3, 0.35], missing: 0 }, { candidate: proposal, reruns: [0.001, 0.002], missing: 0 }], 'minimize', 'mean');
    expect(rows.map((r) => r.trial)).toEqual([null, 20]);
    expect(rows[0]).toMatchObject({ n: 2, originalValue: null });
    expect(rows[0]?.mean).toBeCloseTo(0.0015, 12);
    const unmeasured = rankConfirmations([{ candidate: proposal, reruns: [], missing: 2 }, { candidate: best, reruns: [0.3], missing: 0 }], 'minimize', 'model', trials);
    expect(unmeasured.map((r) => r.trial)).toEqual([20, null]);
  });
});
