import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AblationMethod, AblationResult, AblationSetup, PlannedAblationRun } from '../../src/analysis/ablation.js';
import { ablationAttrOf, ablationCost, ablationGroups, ablationProgress, ablationUserAttrs, findBaseline, flippedConfig, pairedGain, stageAblationGroups } from '../../src/analysis/ablation.js';
import type { JsonValue } from '../../src/json.js';
import type { ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution } from '../../src/space/distributions.js';
import type { SearchSpace } from '../../src/space/search-space.js';
import { compileSearchSpace, isActive } from '../../src/space/search-space.js';
import type { FrozenTrial, TrialState } from '../../src/storage/records.js';
import { ablationSeed } from '../../src/study/seeds.js';

type Params = Record<string, ParamValue>;

function trial(number: number, state: TrialState, value: number | null, params: Params, userAttrs: Record<string, JsonValue> = {}): FrozenTrial {
  return {
    id: number + 1,
    number,
    state,
    values: value === null ? null : [value],
    params,
    internalParams: {},
    distributions: {},
    intermediateValues: new Map(),
    userAttrs,
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
  };
}

/** Five independent switches a..e (0 or 1). */
const SWITCHES: SearchSpace = compileSearchSpace(['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, distribution: floatDistribution(0, 1), when: null })));
const OFF: Params = { a: 0, b: 0, c: 0, d: 0, e: 0 };
const ON: Params = { a: 1, b: 1, c: 1, d: 1, e: 1 };

/** An optimizer with a conditional momentum, an EMA switch with a conditional decay, and a plain learning rate. */
const CONDITIONAL: SearchSpace = compileSearchSpace([
  { name: 'lr', distribution: floatDistribution(1e-4, 1e-1, { log: true }), when: null },
  { name: 'optimizer', distribution: categoricalDistribution(['adamw', 'sgd']), when: null },
  { name: 'momentum', distribution: floatDistribution(0.8, 0.99), when: { optimizer: ['sgd'] } },
  { name: 'nesterov', distribution: categoricalDistribution([true, false]), when: { optimizer: ['sgd'] } },
  { name: 'ema', distribution: categoricalDistribution([true, false]), when: null },
  { name: 'ema_decay', distribution: floatDistribution(0.9, 0.9999), when: { ema: [true] } },
]);

function setupOf(space: SearchSpace, baseline: Params, target: Params, options: { seeds?: number; method?: AblationMethod; direction?: 'minimize' | 'maximize' } = {}): AblationSetup {
  return {
    baseline: { number: 0, params: baseline },
    target: { number: 1, params: target },
    groups: ablationGroups(space, baseline, target),
    seeds: options.seeds ?? 3,
    studySeed: 7,
    direction: options.direction ?? 'minimize',
    method: options.method ?? 'path',
  };
}

/** Run the ablation to its end in memory, `f` giving each run's value; returns the result and every run made. */
function runToEnd(setup: AblationSetup, f: (params: Params, seed: number) => number, start: FrozenTrial[] = []): { result: AblationResult; runs: PlannedAblationRun[]; trials: FrozenTrial[] } {
  const trials = [...start];
  const runs: PlannedAblationRun[] = [];
  for (let round = 0; round < 100; round++) {
    const progress = ablationProgress(trials, setup);
    if (progress.result !== null) return { result: progress.result, runs, trials };
    expect(progress.planned.length).toBeGreaterThan(0);
    for (const run of progress.planned) {
      runs.push(run);
      trials.push(trial(trials.length + 2, 'COMPLETE', f(run.params, run.seed), { ...run.params }, ablationUserAttrs(run)));
    }
  }
  throw new Error('the ablation never finished');
}

/** A deterministic value in [-0.5, 0.5) from a seed. */
function seedNoise(seed: number, salt = 0): number {
  let h = (seed ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
}

const names = (result: AblationResult) => result.steps.slice(1).map((s) => s.changes.map((c) => c.name).join('+'));

describe('ablation groups', () => {
  it('are the differing parameters, each conditional one with the differing parent its condition names', () => {
    const baseline = { lr: 1e-3, optimizer: 'sgd', momentum: 0.9, nesterov: true, ema: false };
    const target = { lr: 1e-2, optimizer: 'adamw', ema: true, ema_decay: 0.999 };
    const groups = ablationGroups(CONDITIONAL, baseline, target);
    expect(groups.map((g) => g.names)).toEqual([['lr'], ['optimizer', 'momentum', 'nesterov'], ['ema', 'ema_decay']]);
    expect(groups[1]?.changes).toEqual([
      { name: 'optimizer', from: 'sgd', to: 'adamw' },
      { name: 'momentum', from: 0.9, to: null },
      { name: 'nesterov', from: true, to: null },
    ]);
  });

  it('leave a conditional parameter alone when its parent is the same in both', () => {
    const groups = ablationGroups(CONDITIONAL, { lr: 1e-3, optimizer: 'sgd', momentum: 0.9, nesterov: true, ema: false }, { lr: 1e-3, optimizer: 'sgd', momentum: 0.95, nesterov: false, ema: false });
    expect(groups.map((g) => g.names)).toEqual([['momentum'], ['nesterov']]);
  });

  it('are empty when the two configurations are the same', () => {
    expect(ablationGroups(SWITCHES, OFF, { ...OFF })).toEqual([]);
  });

  it('give a configuration holding exactly its active parameters for every set of flipped groups', () => {
    const config = fc.record({
      lr: fc.constantFrom(1e-3, 1e-2),
      optimizer: fc.constantFrom('adamw', 'sgd'),
      momentum: fc.constantFrom(0.9, 0.95),
      nesterov: fc.boolean(),
      ema: fc.boolean(),
      ema_decay: fc.constantFrom(0.99, 0.999),
    });
    // Keep only what is active, as a trial of the space would hold.
    const active = (raw: Params): Params => {
      const out: Params = {};
      for (const spec of CONDITIONAL.params) if (isActive(spec, out)) out[spec.name] = raw[spec.name] as ParamValue;
      return out;
    };
    fc.assert(
      fc.property(config, config, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (rawBaseline, rawTarget, picks) => {
        const setup = setupOf(CONDITIONAL, active(rawBaseline), active(rawTarget));
        const flipped = setup.groups.map((_, g) => g).filter((g) => picks[g] === true);
        const params = flippedConfig(setup, flipped);
        expect(params).toEqual(active(params));
        // All flipped: the target; none: the baseline.
        expect(flippedConfig(setup, setup.groups.map((_, g) => g))).toEqual(setup.target.params);
        expect(flippedConfig(setup, [])).toEqual(setup.baseline.params);
      }),
    );
  });
});

describe('ablation groups by stage', () => {
  const STAGES = [
    { name: 'optim', opens: ['lr', 'optimizer', 'momentum'] },
    { name: 'reg', opens: ['ema', 'ema_decay', 'nesterov'] },
  ];
  const baseline: Params = { lr: 1e-3, optimizer: 'adamw', ema: false };

  it('are one group per stage: the differing parameters it opened, in stage order', () => {
    const target: Params = { lr: 3e-3, optimizer: 'sgd', momentum: 0.9, nesterov: true, ema: true, ema_decay: 0.999 };
    const groups = stageAblationGroups(CONDITIONAL, STAGES, baseline, target);
    // nesterov (opened by reg) needs optimizer: sgd, so it moves with optim's group.
    expect(groups.map((g) => [g.stage, g.names])).toEqual([
      ['optim', ['lr', 'optimizer', 'momentum', 'nesterov']],
      ['reg', ['ema', 'ema_decay']],
    ]);
    expect(groups[1]?.changes).toEqual([
      { name: 'ema', from: false, to: true },
      { name: 'ema_decay', from: null, to: 0.999 },
    ]);
  });

  it('leave out a stage whose parameters are the same in both', () => {
    const groups = stageAblationGroups(CONDITIONAL, STAGES, baseline, { ...baseline, ema: true, ema_decay: 0.99 });
    expect(groups.map((g) => g.stage)).toEqual(['reg']);
  });

  it('keep a parameter no stage opened in a group of its own, after the stages', () => {
    const groups = stageAblationGroups(CONDITIONAL, STAGES.slice(0, 1), baseline, { ...baseline, lr: 1e-2, ema: true, ema_decay: 0.99 });
    expect(groups.map((g) => [g.stage, g.names])).toEqual([
      ['optim', ['lr']],
      [undefined, ['ema', 'ema_decay']],
    ]);
  });

  it('flip a whole stage at each step of the path and of leave-one-out, naming it', () => {
    const target: Params = { lr: 3e-3, optimizer: 'sgd', momentum: 0.9, ema: true, ema_decay: 0.999 };
    const groups = stageAblationGroups(CONDITIONAL, STAGES, baseline, target);
    const value = (p: Params) => (p['lr'] === 3e-3 ? -1 : 0) + (p['ema'] === true ? -0.5 : 0);
    for (const method of ['path', 'leave-one-out'] as const) {
      const setup: AblationSetup = { ...setupOf(CONDITIONAL, baseline, target, { method }), groups };
      const { result, runs } = runToEnd(setup, (p, seed) => value(p) + 0.01 * seedNoise(seed));
      expect(result.steps.slice(1).map((s) => s.stage)).toEqual(['optim', 'reg']);
      expect(runs).toHaveLength(ablationCost(method, 2, 3));
      // Every run flips whole stages: none, optim, reg or both.
      const wholeStages = new Set(['', 'lr,momentum,optimizer', 'ema,ema_decay', 'ema,ema_decay,lr,momentum,optimizer']);
      for (const run of runs) expect(wholeStages.has(run.attr.flipped.join(','))).toBe(true);
    }
  });
});

describe('the ablation path', () => {
  // Switching a on gains 3, c on 1, e on 2; b and d do nothing.
  const additive = (p: Params) => 10 - 3 * (p['a'] as number) - (p['c'] as number) - 2 * (p['e'] as number);

  it('makes the change with the best mean first, then the next best, and gives each its gain', () => {
    const { result } = runToEnd(setupOf(SWITCHES, OFF, ON), additive);
    expect(names(result).slice(0, 3)).toEqual(['a', 'e', 'c']);
    expect(result.steps.map((s) => s.gain?.mean ?? null)).toEqual([null, 3, 2, 1, 0, 0]);
    expect(result.steps.map((s) => s.point.mean)).toEqual([10, 7, 5, 4, 4, 4]);
    expect(result.steps.map((s) => s.gain?.noise ?? null)).toEqual([null, false, false, false, true, true]);
    expect(result.steps.map((s) => s.chosenAmong)).toEqual([0, 5, 4, 3, 2, 1]);
    expect(result.total.mean).toBe(6);
    expect(result.steps[5]?.changes).toEqual([{ name: 'd', from: 0, to: 1 }]);
  });

  it('orders by the best value when maximizing', () => {
    const { result } = runToEnd(setupOf(SWITCHES, OFF, ON, { direction: 'maximize' }), (p) => -additive(p));
    expect(names(result).slice(0, 3)).toEqual(['a', 'e', 'c']);
    expect(result.steps[1]?.gain?.mean).toBe(3);
  });

  it('follows interactions: a change that only helps after another comes after it', () => {
    // b helps (by 5) only once a is on; a alone helps by 1; c by 2.
    const f = (p: Params) => -(p['a'] as number) - 5 * (p['a'] as number) * (p['b'] as number) - 2 * (p['c'] as number);
    const setup = setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1, c: 1 });
    const { result } = runToEnd(setup, f);
    expect(names(result)).toEqual(['c', 'a', 'b']);
    expect(result.steps.map((s) => s.gain?.mean ?? null)).toEqual([null, 2, 1, 5]);
  });

  it('has step gains that add up to the total gain, seed by seed, whatever the values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 5, maxLength: 5 }), fc.integer({ min: 2, max: 4 }), fc.double({ min: 0, max: 2, noNaN: true }), (effects, seeds, sigma) => {
        const f = (p: Params, seed: number) => effects.reduce((s, e, i) => s + e * (p[['a', 'b', 'c', 'd', 'e'][i] as string] as number), 0) + sigma * seedNoise(seed, JSON.stringify(p).length);
        const { result } = runToEnd(setupOf(SWITCHES, OFF, ON, { seeds }), f);
        const sum = result.steps.reduce((s, step) => s + (step.gain?.mean ?? 0), 0);
        expect(sum).toBeCloseTo(result.total.mean, 9);
        expect(result.steps[5]?.fromBaseline?.mean).toBeCloseTo(result.total.mean, 9);
        expect(result.steps).toHaveLength(6);
        expect(new Set(names(result))).toEqual(new Set(['a', 'b', 'c', 'd', 'e']));
      }),
      { numRuns: 40 },
    );
  });

  it('costs K·(d(d+1)/2 − 1) search runs and K·(d+1) report runs, the report ones on their own seeds', () => {
    const { runs } = runToEnd(setupOf(SWITCHES, OFF, ON, { seeds: 2 }), additive);
    expect(runs).toHaveLength(ablationCost('path', 5, 2));
    expect(runs.filter((r) => r.attr.role === 'search')).toHaveLength(2 * 14);
    expect(runs.filter((r) => r.attr.role === 'report')).toHaveLength(2 * 6);
    const seedsOf = (role: 'search' | 'report') => new Set(runs.filter((r) => r.attr.role === role).map((r) => r.seed));
    expect(seedsOf('search')).toEqual(new Set([ablationSeed(7, 'search', 0), ablationSeed(7, 'search', 1)]));
    expect(seedsOf('report')).toEqual(new Set([ablationSeed(7, 'report', 0), ablationSeed(7, 'report', 1)]));
  });

  it('reports the chosen steps from the report seeds, not from the search seeds that chose them', () => {
    const report = new Set([0, 1, 2].map((k) => ablationSeed(7, 'report', k)));
    // On the search seeds b looks best; on the report seeds nothing but a matters.
    const f = (p: Params, seed: number) => (report.has(seed) ? -(p['a'] as number) : -10 * (p['b'] as number) - (p['a'] as number));
    const { result } = runToEnd(setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1 }), f);
    expect(names(result)).toEqual(['b', 'a']);
    expect(result.steps[1]?.gain?.mean).toBe(0);
    expect(result.steps[1]?.gain?.noise).toBe(true);
    expect(result.steps[2]?.gain?.mean).toBe(1);
  });

  it('with one change runs only the two ends', () => {
    const { result, runs } = runToEnd(setupOf(SWITCHES, OFF, { ...OFF, c: 1 }), additive);
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.attr.role === 'report')).toBe(true);
    expect(result.steps.map((s) => s.point.mean)).toEqual([10, 9]);
  });
});

describe('leave-one-out', () => {
  it('undoes each change alone from the target and ranks them by what each brings', () => {
    const additive = (p: Params) => 10 - 3 * (p['a'] as number) - (p['c'] as number) - 2 * (p['e'] as number);
    const { result, runs } = runToEnd(setupOf(SWITCHES, OFF, ON, { method: 'leave-one-out' }), additive);
    expect(runs).toHaveLength(ablationCost('leave-one-out', 5, 3));
    expect(names(result)).toEqual(['a', 'e', 'c', 'b', 'd']);
    expect(result.steps.map((s) => s.gain?.mean ?? null)).toEqual([null, 3, 2, 1, 0, 0]);
    expect(result.steps[0]?.point.mean).toBe(4);
    expect(result.steps[1]?.changes).toEqual([{ name: 'a', from: 1, to: 0 }]);
    expect(result.total.mean).toBe(6);
  });

  it('misses two changes that do the same thing, which the path does not', () => {
    // a or b: either one gains 2, both together no more.
    const redundant = (p: Params) => -2 * Math.max(p['a'] as number, p['b'] as number);
    const target = { ...OFF, a: 1, b: 1 };
    const loo = runToEnd(setupOf(SWITCHES, OFF, target, { method: 'leave-one-out' }), redundant).result;
    expect(loo.steps.slice(1).map((s) => s.gain?.mean)).toEqual([0, 0]);
    const path = runToEnd(setupOf(SWITCHES, OFF, target), redundant).result;
    expect(path.steps.slice(1).map((s) => s.gain?.mean)).toEqual([2, 0]);
  });
});

describe('resuming an ablation', () => {
  const f = (p: Params, seed: number) => -(p['a'] as number) + 0.1 * seedNoise(seed);

  it('plans nothing twice: runs waiting, running or complete are not planned again, failed ones are', () => {
    const setup = setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1 });
    const first = ablationProgress([], setup).planned;
    const [waiting, running, done, failed] = first as [PlannedAblationRun, PlannedAblationRun, PlannedAblationRun, PlannedAblationRun];
    const trials = [
      trial(10, 'WAITING', null, {}, ablationUserAttrs(waiting)),
      trial(11, 'RUNNING', null, { ...running.params }, ablationUserAttrs(running)),
      trial(12, 'COMPLETE', 1, { ...done.params }, ablationUserAttrs(done)),
      trial(13, 'FAIL', null, { ...failed.params }, ablationUserAttrs(failed)),
    ];
    const again = ablationProgress(trials, setup).planned;
    expect(again).toHaveLength(first.length - 3);
    expect(again).toContainEqual(failed);
    expect(again).not.toContainEqual(waiting);
  });

  it('reuses every finished run: stopping after any round and going on gives the same result and no more runs', () => {
    const setup = setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1, c: 1 });
    const whole = runToEnd(setup, f);
    for (let cut = 1; cut < whole.trials.length; cut += 7) {
      const resumed = runToEnd(setup, f, whole.trials.slice(0, cut));
      expect(resumed.runs).toHaveLength(whole.trials.length - cut);
      expect(resumed.result).toEqual(whole.result);
    }
  });

  it('under another seed base (--seed) reuses none of the runs and plans them on new seeds; each base resumes its own', () => {
    const setup = setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1 });
    const first = runToEnd(setup, f);
    const other = { ...setup, studySeed: 1000 };
    const second = runToEnd(other, f, first.trials);
    expect(second.runs).toHaveLength(first.runs.length);
    const firstSeeds = new Set(first.runs.map((r) => r.seed));
    expect(second.runs.every((r) => !firstSeeds.has(r.seed))).toBe(true);
    expect(second.runs.map((r) => r.seed)).toContain(ablationSeed(1000, 'report', 0));
    // Both bases' runs in the study: each measurement still finds its own and plans nothing.
    expect(ablationProgress(second.trials, setup).result).toEqual(first.result);
    expect(ablationProgress(second.trials, other).planned).toHaveLength(0);
  });

  it('with more seeds reuses the runs of fewer', () => {
    const three = runToEnd(setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1 }, { seeds: 3 }), f);
    const five = runToEnd(setupOf(SWITCHES, OFF, { ...OFF, a: 1, b: 1 }, { seeds: 5 }), f, three.trials);
    expect(five.runs).toHaveLength(ablationCost('path', 2, 5) - three.runs.length);
  });

  it('ignores the runs of an ablation from a baseline of another study (a staged study\'s first stage)', () => {
    const setup = setupOf(SWITCHES, OFF, { ...OFF, a: 1 });
    const staged = { ...setup, baseline: { ...setup.baseline, study: 'grow.optim' } };
    const { trials, runs } = runToEnd(staged, f);
    expect(runs.every((r) => ablationAttrOf({ userAttrs: ablationUserAttrs(r) })?.baselineStudy === 'grow.optim')).toBe(true);
    expect(ablationProgress(trials, setup).planned).toHaveLength(6);
    expect(ablationProgress(trials, staged).result).not.toBeNull();
  });

  it('ignores the runs of an ablation towards another trial', () => {
    const setup = setupOf(SWITCHES, OFF, { ...OFF, a: 1 });
    const other = { ...setup, target: { number: 9, params: setup.target.params } };
    const { trials } = runToEnd(other, f);
    expect(ablationProgress(trials, setup).planned).toHaveLength(6);
  });
});

describe('paired gains', () => {
  it('are the mean difference with its t-interval, positive when better in the direction', () => {
    // Differences (minimize: from − to) 2, 2.1, 1.9: mean 2, s 0.1, half-width 4.30265273·0.1/√3.
    const g = pairedGain([5, 6, 7], [3, 3.9, 5.1], -1);
    expect(g.mean).toBeCloseTo(2, 12);
    expect(g.low).toBeCloseTo(2 - (4.30265273 * 0.1) / Math.sqrt(3), 7);
    expect([g.noise, g.hurts]).toEqual([false, false]);
    // Differences 1, 2, 3: the interval [−0.48, 4.48] covers 0.
    expect(pairedGain([5, 6, 7], [4, 4, 4], -1).noise).toBe(true);
  });

  it('are noise when the interval covers 0 and hurt when it lies below it', () => {
    expect(pairedGain([0, 0, 0], [1, -1, 0.5], 1).noise).toBe(true);
    const worse = pairedGain([0, 0, 0], [1, 1.1, 0.9], -1);
    expect([worse.noise, worse.hurts]).toEqual([false, true]);
  });

  it('cancel noise the two configurations share seed by seed', () => {
    const shared = [3, -2, 5, 0.5];
    expect(pairedGain(shared, shared.map((v) => v - 1), -1)).toMatchObject({ mean: 1, std: 0, low: 1, high: 1, noise: false });
  });
});

describe('the baseline', () => {
  it('is the complete trial marked sodate:baseline, or the trial asked for', () => {
    const trials = [trial(0, 'FAIL', null, { a: 0 }, { 'sodate:baseline': true }), trial(1, 'COMPLETE', 1, { a: 0 }, { 'sodate:baseline': true }), trial(2, 'COMPLETE', 0, { a: 1 })];
    expect(findBaseline(trials)?.number).toBe(1);
    expect(findBaseline(trials, 2)?.number).toBe(2);
    expect(findBaseline(trials.slice(2))).toBeUndefined();
  });
});
