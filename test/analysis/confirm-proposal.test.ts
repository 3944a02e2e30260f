import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confirmCandidates, confirmationGroups, plannedConfirmations, rankConfirmations } from '../../src/analysis/confirm.js';
import type { ConfirmCandidate } from '../../src/analysis/confirm.js';
import { fitConfirmModel, fitPosteriorMean } from '../../src/analysis/confirm-model.js';
import { proposeConfiguration } from '../../src/analysis/confirm-proposal.js';
import type { SearchSpace } from '../../src/space/search-space.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { Rng } from '../../src/samplers/rng.js';
import { CONFIRM_OF_ATTR, CONFIRM_PROPOSAL_ATTR, CONFIRM_SEED_ATTR, FIXED_PARAMS_KEY, PROPOSAL_OF } from '../../src/storage/metadata.js';
import { confirmSeed } from '../../src/study/seeds.js';
import type { JsonValue } from '../../src/json.js';

const X: Distribution = floatDistribution(0, 1);

function propose(trials: readonly FrozenTrial[], direction: 'minimize' | 'maximize', seed: number, space?: SearchSpace) {
  const model = fitConfirmModel(trials);
  return model === null ? null : proposeConfiguration(model, direction, seed, space);
}

function trial(number: number, internal: Record<string, number>, distributions: Record<string, Distribution>, value: number, userAttrs: Record<string, JsonValue> = {}): FrozenTrial {
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
    const proposal = propose(trials, 'minimize', 1);
    expect(proposal).not.toBeNull();
    const x = proposal?.params['x'] as number;
    expect(Math.abs(x - 0.3)).toBeLessThan(0.06);
    expect(trials.some((t) => t.params['x'] === x)).toBe(false);
    const posterior = fitPosteriorMean(trials);
    for (const t of trials) expect(proposal?.modelMean).toBeLessThan(posterior?.(t) as number);
    expect(posterior?.({ internalParams: proposal?.internalParams ?? {} })).toBeCloseTo(proposal?.modelMean as number, 9);
  });

  it('is deterministic, and the same for a maximised objective of the opposite sign', () => {
    const a = propose(noisyStudy(), 'minimize', 4);
    expect(propose(noisyStudy(), 'minimize', 4)).toEqual(a);
    const b = propose(noisyStudy(-1), 'maximize', 4);
    expect(b?.params['x']).toBeCloseTo(a?.params['x'] as number, 6);
  });

  it('has none without a model: too few trials, or every value the same', () => {
    expect(propose(noisyStudy().slice(0, 9), 'minimize', 1)).toBeNull();
    expect(propose(noisyStudy().map((t) => ({ ...t, values: [1] })), 'minimize', 1)).toBeNull();
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
    expect(propose(trials, 'minimize', 2)).toBeNull(); // a numeric parent cannot be told from data: no proposal without the space
    const space = compileSearchSpace([
      { name: 'opt', distribution: opt, when: null },
      { name: 'lr', distribution: lr, when: null },
      { name: 'momentum', distribution: momentum, when: { opt: ['sgd'] } },
    ]);
    const proposal = propose(trials, 'minimize', 2, space);
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
        const proposal = propose(trials, 'minimize', seed);
        if (proposal === null) return;
        for (const [name, dist] of Object.entries(dists)) expect(contains(dist, proposal.internalParams[name] as number)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
  it('searches in the distributions the model saw: a range narrowed since gives a value inside the new one', () => {
    const wide = floatDistribution(0, 2);
    const rng = new Rng(3);
    const trials = [
      // An earlier range [0, 2], tried above 0.55; then [0, 1], tried around the gap at 0.3.
      ...Array.from({ length: 17 }, (_, i) => trial(i, { x: 0.55 + (1.4 * i) / 16 }, { x: wide }, (0.55 + (1.4 * i) / 16 - 0.3) ** 2 + 0.01 * rng.normal())),
      ...[0, 0.05, 0.1, 0.15, 0.45, 0.5, 0.6].map((x, i) => trial(17 + i, { x }, { x: X }, (x - 0.3) ** 2 + 0.01 * rng.normal())),
    ];
    const proposal = propose(trials, 'minimize', 1);
    const x = proposal?.params['x'] as number;
    expect(contains(X, x)).toBe(true);
    expect(Math.abs(x - 0.3)).toBeLessThan(0.15); // within the gap the tried points leave
    expect(fitPosteriorMean(trials)?.({ internalParams: { x } })).toBeCloseTo(proposal?.modelMean as number, 9);
  });

  it('never moves a parameter a condition names, even a numeric one, and switches on what it holds', () => {
    const layers = intDistribution(1, 6);
    const width = floatDistribution(0, 1);
    const extra = floatDistribution(0, 1);
    const space = compileSearchSpace([
      { name: 'layers', distribution: layers, when: null },
      { name: 'width', distribution: width, when: null },
      { name: 'extra', distribution: extra, when: { layers: [4] } },
    ]);
    const rng = new Rng(9);
    const trials = Array.from({ length: 24 }, (_, i) => {
      const l = 1 + (i % 6);
      const w = ((i * 5) % 24) / 23;
      const internal: Record<string, number> = l === 4 ? { layers: l, width: w, extra: rng.float() } : { layers: l, width: w };
      const dists: Record<string, Distribution> = l === 4 ? { layers, width, extra } : { layers, width };
      return trial(i, internal, dists, (w - 0.6) ** 2 + (l - 2) ** 2 / 10 + 0.01 * rng.normal());
    });
    const proposal = propose(trials, 'minimize', 3, space);
    expect(proposal).not.toBeNull();
    const anchorLayers = 2; // the best tried configurations have 2 layers
    expect(proposal?.params['layers']).toBe(anchorLayers);
    expect(Object.keys(proposal?.params ?? {}).sort()).toEqual(['layers', 'width']);
    expect(Math.abs((proposal?.params['width'] as number) - 0.6)).toBeLessThan(0.1);
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

  it("plans the proposal's re-runs under confirm_of 'model' with its key, and reads a planned proposal back", () => {
    const trials = noisyStudy();
    const proposal = confirmCandidates(trials, 'minimize', 2, 'model', { seed: 1 })[1] as ConfirmCandidate;
    expect(proposal.proposal).toBe('21@20');
    const planned = plannedConfirmations(trials, [proposal], 2, 9);
    expect(planned.map((p) => [p.of, p.seed])).toEqual([0, 1].map((k) => [PROPOSAL_OF, confirmSeed(9, PROPOSAL_OF, k)]));
    expect(planned[0]?.userAttrs).toEqual({ [CONFIRM_OF_ATTR]: PROPOSAL_OF, [CONFIRM_SEED_ATTR]: confirmSeed(9, PROPOSAL_OF, 0), [CONFIRM_PROPOSAL_ATTR]: '21@20' });
    // Interrupted: both re-runs waiting, their parameters only in fixed_params. A slightly
    // different planned proposal (another run's floating point) is the one kept.
    const x = (proposal.params['x'] as number) + 1e-12;
    const waiting = [0, 1].map((k): FrozenTrial => ({
      ...trial(21 + k, {}, {}, 0, { ...planned[k]?.userAttrs }),
      state: 'WAITING',
      values: null,
      systemAttrs: { [FIXED_PARAMS_KEY]: { x } },
    }));
    const resumed = confirmCandidates([...trials, ...waiting], 'minimize', 2, 'model', { seed: 1 })[1] as ConfirmCandidate;
    expect(resumed.params).toEqual({ x });
    expect(resumed.internalParams).toEqual({ x });
    expect(plannedConfirmations([...trials, ...waiting], [resumed], 2, 9)).toEqual([]);
    // Done: the first re-run ran the proposal, the second ran something else (an objective's own condition): only the first counts.
    const done = [
      trial(21, { x }, { x: X }, 0.01, { ...planned[0]?.userAttrs }),
      trial(22, { x: 0.7 }, { x: X }, 0.2, { ...planned[1]?.userAttrs }),
    ];
    expect(confirmationGroups([...trials, ...done], [resumed], 2, 9)[0]).toMatchObject({ reruns: [0.01], missing: 1 });
    // Re-runs are not tuning trials: the same key, the same proposal.
    expect(confirmCandidates([...trials, ...done], 'minimize', 2, 'model', { seed: 1 })[1]?.proposal).toBe('21@20');
  });

  it('makes a new proposal once more tuning trials ran; the old one\'s re-runs are not its', () => {
    const trials = noisyStudy();
    const old = confirmCandidates(trials, 'minimize', 2, 'model', { seed: 1 })[1] as ConfirmCandidate;
    const oldRuns = plannedConfirmations(trials, [old], 2, 9).map((p, k) => trial(21 + k, { x: p.params['x'] as number }, { x: X }, 0.01, { ...p.userAttrs }));
    const more = [...trials, ...oldRuns, trial(23, { x: 0.62 }, { x: X }, 0.1)];
    const next = confirmCandidates(more, 'minimize', 2, 'model', { seed: 1 })[1] as ConfirmCandidate;
    expect(next.proposal).toBe('22@23');
    expect(plannedConfirmations(more, [next], 2, 9)).toHaveLength(2);
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
