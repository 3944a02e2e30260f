import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../src/samplers/random.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import { trialConstraints } from '../../src/multi-objective/constraints.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { intermediateVectors } from '../../src/multi-objective/intermediate.js';

describe('multi-objective studies', () => {
  it('stores one value per objective and reads the Pareto front as bestTrials', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), directions: ['minimize', 'maximize'] });
    const told: [number, number][] = [
      [1, 1], // dominated by [0.5, 2]
      [0.5, 2],
      [2, 3],
      [0.2, 0.1],
      [2, 3], // a repeat of a front point stays on the front, as in Optuna
    ];
    for (const v of told) await study.tell(await study.ask(), v);
    await study.refresh();
    expect(study.directions).toEqual(['minimize', 'maximize']);
    expect(study.bestTrials.map((t) => t.number)).toEqual([1, 2, 3, 4]);
    expect(study.trials[0]?.values).toEqual([1, 1]);
    expect(() => study.bestTrial).toThrow(/2 objectives: read bestTrials/);
  });

  it('keeps the first vector of a step reported twice, beside its first value', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), directions: ['minimize', 'minimize'] });
    const trial = await study.ask();
    await trial.report(3, [0.5, 1]);
    await trial.report(3, [0.1, 9]);
    const told = await study.tell(trial, [0.5, 1]);
    expect(told.intermediateValues.get(3)).toBe(0.5);
    expect(intermediateVectors(told).get(3)).toEqual([0.5, 1]);
  });

  it('fails a trial whose value count does not match the directions, and goes on', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), directions: ['minimize', 'minimize'], sampler: new RandomSampler({ seed: 1 }) });
    const results: unknown[] = [1, [1, 2, 3], [1, 'fast'], [1, NaN], [3, 4]];
    await study.optimize((t) => (t.suggestFloat('x', 0, 1), results[t.number] as number[]), { nTrials: 5 });
    const states = study.trials.map((t) => t.state);
    expect(states).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL', 'COMPLETE']);
    expect(study.trials[0]?.systemAttrs['fail_reason']).toBe('objective returned 1 value (1), the study has 2 objectives: return an array of 2 numbers, one per direction');
    expect(study.trials[1]?.systemAttrs['fail_reason']).toMatch(/returned 3 values/);
    expect(study.trials[2]?.systemAttrs['fail_reason']).toBe('objective returned [1,"fast"], expected 2 numbers');
    expect(study.trials[3]?.systemAttrs['fail_reason']).toBe('objective returned NaN');
    expect(study.bestTrials.map((t) => t.values)).toEqual([[3, 4]]);
  });

  it('accepts an array of one for a single objective, and refuses disagreeing direction options', async () => {
    const study = await createStudy({ storage: new InMemoryStorage() });
    await study.tell(await study.ask(), [0.5]);
    await study.refresh();
    expect(study.bestValue).toBe(0.5);
    await expect(createStudy({ direction: 'maximize', directions: ['minimize', 'minimize'] })).rejects.toThrow('direction maximize disagrees with directions[0] minimize; give only directions');
    await expect(createStudy({ directions: [] })).rejects.toThrow(/non-empty list/);
    await expect(createStudy({ directions: ['minimize', 'up' as 'minimize'] })).rejects.toThrow(`directions[1] must be 'minimize' or 'maximize', got "up"`);
  });

  it('refuses resuming with other directions', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 's', storage, directions: ['minimize', 'maximize'] });
    await expect(createStudy({ name: 's', storage, loadIfExists: true, directions: ['minimize', 'minimize'] })).rejects.toThrow('study "s" in memory: is to [minimize, maximize], not [minimize, minimize]');
  });

  it('refuses resuming with another number of objectives, saying how many each side has', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 's', storage, direction: 'minimize' });
    await expect(createStudy({ name: 's', storage, loadIfExists: true, directions: ['minimize', 'minimize'] })).rejects.toThrow('study "s" in memory: is to minimize (one objective), not [minimize, minimize] (2 objectives)');
  });

  it('a multi-objective trial that is pruned keeps no values', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), directions: ['minimize', 'minimize'] });
    const trial = await study.ask();
    await trial.report(1, 0.3);
    const frozen = await study.tell(trial, { state: 'pruned' });
    expect(frozen.values).toBeNull();
  });
});

describe('constraints', () => {
  it('keeps infeasible trials out of the best trial and the front, with the limits of the study', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), constraints: { gpu_mem_gb: { max: 16 }, accuracy: { min: 0.5 } } });
    const runs = [
      { value: 0.1, mem: 20, acc: 0.9 }, // best value, but over the memory limit
      { value: 0.3, mem: 12, acc: 0.9 },
      { value: 0.2, mem: 12, acc: 0.4 }, // under the accuracy floor
      { value: 0.4, mem: 16, acc: 0.5 }, // on both limits: feasible
    ];
    for (const r of runs) {
      const trial = await study.ask();
      trial.setConstraint('gpu_mem_gb', r.mem);
      trial.setConstraint('accuracy', r.acc);
      await study.tell(trial, r.value);
    }
    await study.refresh();
    expect(study.bestTrial?.number).toBe(1);
    expect(study.bestTrials.map((t) => t.number)).toEqual([1]);
    // Stored as Optuna 5 does: the distance past the limit, under constraints:<name>.
    expect(study.trials[0]?.systemAttrs['constraints:gpu_mem_gb']).toBe(4);
    expect(study.trials[0]?.systemAttrs['sodate:measured:gpu_mem_gb']).toBe(20);
    expect(study.trials[2]?.systemAttrs['constraints:accuracy']).toBeCloseTo(0.1);
    expect(study.trials[3]?.systemAttrs['constraints:gpu_mem_gb']).toBe(0);
    expect(trialConstraints(study.trials[0] as FrozenTrial)).toEqual({ gpu_mem_gb: 4, accuracy: -0.4 });
  });

  it("reads Optuna 3's constraints list where a trial has no named values, and the named ones alone where it has both", () => {
    expect(trialConstraints({ systemAttrs: { constraints: [0.5, -1] } })).toEqual({ '0': 0.5, '1': -1 });
    expect(trialConstraints({ systemAttrs: { constraints: [0.5], 'constraints:mem': 0.5 } })).toEqual({ mem: 0.5 });
  });

  it('takes the value as the violation itself without a limit (Optuna semantics) and never trusts NaN', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), directions: ['minimize', 'minimize'] });
    const a = await study.ask();
    a.setConstraint('c', -1);
    await study.tell(a, [1, 1]);
    const b = await study.ask();
    b.setConstraint('c', NaN);
    await study.tell(b, [0, 0]);
    await study.refresh();
    expect(study.bestTrials.map((t) => t.number)).toEqual([0]);
  });

  it('refuses malformed limits with the place named', async () => {
    await expect(createStudy({ constraints: { latency_ms: { most: 3 } } as never })).rejects.toThrow('constraints.latency_ms: unknown key most; use min and/or max');
    await expect(createStudy({ constraints: { latency_ms: {} } })).rejects.toThrow('constraints.latency_ms needs a min or a max');
    await expect(createStudy({ constraints: { latency_ms: { max: 'x' } } as never })).rejects.toThrow('constraints.latency_ms.max must be a finite number, got "x"');
  });
});

describe('a declared constraint never measured', () => {
  it('makes the trial infeasible', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), constraints: { latency_ms: { max: 20 } } });
    await study.tell(await study.ask(), 0.1); // measured nothing
    const measured = await study.ask();
    measured.setConstraint('latency_ms', 5);
    await study.tell(measured, 0.5);
    await study.refresh();
    expect(study.bestTrial?.number).toBe(1);
    expect(study.trials[0]?.systemAttrs['constraints:latency_ms']).toBe(1e308);
  });
});

describe('resuming a constrained study', () => {
  it('keeps its limits and refuses others in one line', async () => {
    const storage = new InMemoryStorage();
    await createStudy({ name: 'c', storage, constraints: { mem: { max: 5 } } });
    expect((await createStudy({ name: 'c', storage, loadIfExists: true, constraints: { mem: { max: 5 } } })).constraintLimits).toEqual({ mem: { max: 5 } });
    expect((await createStudy({ name: 'c', storage, loadIfExists: true })).constraintLimits).toEqual({ mem: { max: 5 } });
    await expect(createStudy({ name: 'c', storage, loadIfExists: true, constraints: { mem: { max: 100 } } })).rejects.toThrow(
      'study "c" in memory: was created with constraints {"mem":{"max":5}}, not {"mem":{"max":100}}: its trials were judged against those limits; restore them, or start a new study under another name',
    );
    await createStudy({ name: 'plain', storage });
    await expect(createStudy({ name: 'plain', storage, loadIfExists: true, constraints: { mem: { max: 5 } } })).rejects.toThrow(/was created with constraints \(none\)/);
  });
  it('refuses a limit no value can meet', async () => {
    await expect(createStudy({ constraints: { m: { min: 3, max: 1 } } })).rejects.toThrow('constraints.m: min 3 is above max 1; no value could meet both');
  });
});
