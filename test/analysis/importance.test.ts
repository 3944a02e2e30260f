import { describe, expect, it } from 'vitest';
import { NotEnoughTrialsError, paramImportances } from '../../src/analysis/index.js';
import type { ImportanceMethod, ImportanceResult } from '../../src/analysis/index.js';
import { categoricalDistribution } from '../../src/space/distributions.js';
import { CONFIRM_OF_ATTR, CONSTRAINT_KEY_PREFIX } from '../../src/storage/metadata.js';
import { EMA, LR, MOMENTUM, OPTIMIZER, otherTrial, syntheticTrials, uniform } from './synthetic.js';

const METHODS: readonly ImportanceMethod[] = ['ped-anova', 'fanova'];

function share(result: ImportanceResult, name: string): number {
  const found = result.importances.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no importance for ${name}`);
  return found.importance;
}

/** y = 5·(a − 0.3)² + small noise; b, c and noise do nothing. */
const oneMatters = syntheticTrials(400, 1, (r) => ({ a: uniform(r), b: uniform(r), c: uniform(r), noise: uniform(r) }), (p, r) => 5 * ((p['a'] as number) - 0.3) ** 2 + 0.01 * r.normal());
/** y = (a − ½)(b − ½): a pure interaction, no main effect at all; noise does nothing. */
const twoInteract = syntheticTrials(400, 2, (r) => ({ a: uniform(r), b: uniform(r), noise: uniform(r) }), (p, r) => ((p['a'] as number) - 0.5) * ((p['b'] as number) - 0.5) + 0.001 * r.normal());
/**
 * A realistic space: log lr (optimum 1e-3), a categorical optimizer, momentum present only
 * for sgd, a boolean ema, and noise.
 */
const conditional = syntheticTrials(
  500,
  3,
  (r) => {
    const optimizer = uniform(r, OPTIMIZER);
    return { lr: uniform(r, LR), optimizer, ...(optimizer.value === 'sgd' ? { momentum: uniform(r, MOMENTUM) } : {}), ema: uniform(r, EMA), noise: uniform(r) };
  },
  (p, r) => (Math.log10(p['lr'] as number) + 3) ** 2 + (p['optimizer'] === 'sgd' ? 200 * ((p['momentum'] as number) - 0.9) ** 2 : 0.5) + (p['ema'] === true ? 0 : 1) + 0.1 * r.normal(),
);

describe.each(METHODS)('%s importance', (method) => {
  it('gives the one parameter that matters nearly everything and pure noise nearly nothing', () => {
    const result = paramImportances(oneMatters, 'minimize', { method });
    expect(result.importances[0]?.name).toBe('a');
    expect(share(result, 'a')).toBeGreaterThan(0.85);
    for (const name of ['b', 'c', 'noise']) expect(share(result, name)).toBeLessThan(0.06);
  });

  it('returns shares that sum to 1, most important first, over complete trials only', () => {
    const result = paramImportances([...conditional, otherTrial(9000, 'PRUNED'), otherTrial(9001, 'FAIL'), otherTrial(9002, 'RUNNING')], 'minimize', { method });
    expect(result.nTrials).toBe(conditional.length);
    expect(result.importances.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1, 12);
    const shares = result.importances.map((p) => p.importance);
    expect(shares).toEqual([...shares].sort((x, y) => y - x));
    expect(result.importances.map((p) => p.name).sort()).toEqual(['ema', 'lr', 'momentum', 'noise', 'optimizer']);
  });

  it('ranks the log-scale learning rate and the categorical ema above noise, with a conditional momentum', () => {
    const result = paramImportances(conditional, 'minimize', { method });
    expect(result.importances.slice(0, 2).map((p) => p.name).sort()).toEqual(['ema', 'lr']);
    // PED-ANOVA reads 50 top trials here: sampling noise alone gives a few percent.
    expect(share(result, 'noise')).toBeLessThan(method === 'fanova' ? 0.03 : 0.08);
    expect(share(result, 'momentum')).toBeGreaterThan(share(result, 'noise'));
  });

  it('is deterministic for a seed', () => {
    const a = paramImportances(conditional, 'minimize', { method, seed: 5 });
    const b = paramImportances(conditional, 'minimize', { method, seed: 5 });
    expect(a).toEqual(b);
  });

  it('reads a maximized study the same as the minimized negation', () => {
    const negated = oneMatters.map((t) => ({ ...t, values: [-(t.values?.[0] as number)] }));
    expect(paramImportances(negated, 'maximize', { method }).importances).toEqual(paramImportances(oneMatters, 'minimize', { method }).importances);
  });

  it('limits itself to the parameters asked for', () => {
    const result = paramImportances(oneMatters, 'minimize', { method, params: ['a', 'noise'] });
    expect(result.importances.map((p) => p.name)).toEqual(['a', 'noise']);
  });

  it('refuses a study with too few complete trials, naming the problem', () => {
    expect(() => paramImportances(oneMatters.slice(0, 1), 'minimize', { method })).toThrow(NotEnoughTrialsError);
  });
});

describe('two interacting parameters', () => {
  it('PED-ANOVA sees both (their top-trial densities pile up in the corners) and not the noise', () => {
    const result = paramImportances(twoInteract, 'minimize', { method: 'ped-anova' });
    expect(share(result, 'a')).toBeGreaterThan(0.3);
    expect(share(result, 'b')).toBeGreaterThan(0.3);
    expect(share(result, 'noise')).toBeLessThan(0.15);
  });

  it('fANOVA puts the variance in the pair (a, b), not in main effects', () => {
    const result = paramImportances(twoInteract, 'minimize', { method: 'fanova' });
    const top = result.interactions?.[0];
    expect(top?.params.slice().sort()).toEqual(['a', 'b']);
    expect(top?.importance).toBeGreaterThan(0.6);
    for (const other of result.interactions?.slice(1) ?? []) expect(other.importance).toBeLessThan(0.05);
  });

  it('fANOVA attributes an additive function to main effects, with no interaction', () => {
    const additive = syntheticTrials(400, 4, (r) => ({ a: uniform(r), b: uniform(r), noise: uniform(r) }), (p) => 2 * (p['a'] as number) + (p['b'] as number));
    const result = paramImportances(additive, 'minimize', { method: 'fanova' });
    // Main effects in the ratio of their variances, 4 : 1.
    expect(share(result, 'a')).toBeGreaterThan(0.7);
    expect(share(result, 'b')).toBeGreaterThan(0.12);
    expect(share(result, 'noise')).toBeLessThan(0.03);
    for (const i of result.interactions ?? []) expect(i.importance).toBeLessThan(0.05);
  });
});

describe('importance options', () => {
  it('rejects an unknown method and a quantile outside (0, 1)', () => {
    expect(() => paramImportances(oneMatters, 'minimize', { method: 'shap' as ImportanceMethod })).toThrow(/ped-anova.*fanova/);
    expect(() => paramImportances(oneMatters, 'minimize', { quantile: 1.5 })).toThrow(/quantile must be within \(0, 1\), got 1.5/);
  });

  it('names a parameter no trial has', () => {
    expect(() => paramImportances(oneMatters, 'minimize', { params: ['nope'] })).toThrow(/"nope"/);
  });

  it('gives a parameter with a single value no importance', () => {
    const constant = syntheticTrials(100, 6, (r) => ({ a: uniform(r), fixed: { value: 1, distribution: { kind: 'int', low: 1, high: 1, log: false, step: 1 } } }), (p) => p['a'] as number);
    for (const method of METHODS) expect(share(paramImportances(constant, 'minimize', { method }), 'fixed')).toBeLessThan(1e-9);
  });
});

describe('which trials and which objective importance reads', () => {
  /** Two objectives: the first depends on a only, the second (maximized) on b only. */
  const twoObjectives = oneMatters.map((t) => {
    const b = t.params['b'] as number;
    return { ...t, values: [t.values?.[0] as number, -5 * (b - 0.7) ** 2] };
  });

  it.each(METHODS)('%s ranks the objective asked for by index, with that objective\'s direction', (method) => {
    const result = paramImportances(twoObjectives, 'maximize', { method, objective: 1 });
    expect(result.objective).toBe(1);
    expect(result.importances[0]?.name).toBe('b');
    expect(paramImportances(twoObjectives, 'minimize', { method }).importances[0]?.name).toBe('a');
  });

  it('leaves trials past a constraint out, as the best trial does, and counts them', () => {
    // Infeasible trials whose value follows c alone, and all better than any feasible one.
    const infeasible = syntheticTrials(200, 11, (r) => ({ a: uniform(r), b: uniform(r), c: uniform(r), noise: uniform(r) }), (p) => -10 + (p['c'] as number)).map((t, i) => ({
      ...t,
      number: 1000 + i,
      systemAttrs: { [`${CONSTRAINT_KEY_PREFIX}memory_gb`]: 1 },
    }));
    const result = paramImportances([...oneMatters, ...infeasible], 'minimize');
    expect(result.infeasible).toBe(200);
    expect(result.nTrials).toBe(oneMatters.length);
    expect(result.importances).toEqual(paramImportances(oneMatters, 'minimize').importances);
  });

  it('leaves re-runs by confirm and ablate out', () => {
    const reruns = oneMatters.slice(0, 50).map((t, i) => ({ ...t, number: 2000 + i, userAttrs: { [CONFIRM_OF_ATTR]: t.number } }));
    const result = paramImportances([...oneMatters, ...reruns], 'minimize');
    expect(result.nTrials).toBe(oneMatters.length);
    expect(result.infeasible).toBe(0);
  });

  it.each(METHODS)('%s says importance cannot be measured when every trial has the same value, with equal shares and no interactions', (method) => {
    const flat = oneMatters.map((t) => ({ ...t, values: [1] }));
    const result = paramImportances(flat, 'minimize', { method });
    expect(result.note).toBe(`importance cannot be measured: all ${flat.length} trials have the same value (1)`);
    expect(result.importances.map((p) => p.importance)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(result.interactions ?? []).toEqual([]);
  });

  it('gives no note when the objective varies', () => {
    expect(paramImportances(oneMatters, 'minimize').note).toBeUndefined();
  });
});

describe('importance invariants (property)', () => {
  it('for any small random study: shares are in [0, 1], sum to 1, name every parameter once, and repeat for a seed', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 12, max: 60 }), fc.constantFrom<ImportanceMethod>('ped-anova', 'fanova'), (seed, n, method) => {
        const trials = syntheticTrials(
          n,
          seed,
          (r) => {
            const optimizer = uniform(r, OPTIMIZER);
            return { lr: uniform(r, LR), optimizer, ...(optimizer.value === 'sgd' ? { momentum: uniform(r, MOMENTUM) } : {}), x: uniform(r) };
          },
          (p, r) => (p['x'] as number) * r.float() + (p['optimizer'] === 'lion' ? 1 : 0),
        );
        const a = paramImportances(trials, 'minimize', { method, seed });
        const names = a.importances.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const p of a.importances) {
          expect(p.importance).toBeGreaterThanOrEqual(0);
          expect(p.importance).toBeLessThanOrEqual(1);
        }
        expect(a.importances.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1, 9);
        expect(paramImportances(trials, 'minimize', { method, seed })).toEqual(a);
      }),
      { numRuns: 30, seed: 7 },
    );
  });
});

describe('PED-ANOVA on conditional parameters', () => {
  it('weights a child by how many top trials its branch holds (α²/β), not only by how many trials have it', () => {
    // Two equally likely branches; in each, child 'u' is needed to reach the top. Branch 'a'
    // holds about 90% of the top 10%, branch 'b' about 10%: the child of 'b' explains far
    // less of which trials are on top, though its divergence inside its branch is as large.
    const CHILD = categoricalDistribution(['u', 'v']);
    const PARENT = categoricalDistribution(['a', 'b']);
    const trials = syntheticTrials(
      1000,
      8,
      (r) => {
        const parent = uniform(r, PARENT);
        return { parent, ...(parent.value === 'a' ? { childA: uniform(r, CHILD) } : { childB: uniform(r, CHILD) }) };
      },
      (p, r) => r.float() + (p['parent'] === 'b' ? 0.32 : 0) + ((p['childA'] ?? p['childB']) === 'v' ? 10 : 0),
    );
    const result = paramImportances(trials, 'minimize', { method: 'ped-anova' });
    expect(share(result, 'childA')).toBeGreaterThan(20 * share(result, 'childB'));
  });
});
