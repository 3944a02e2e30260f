import { describe, expect, it } from 'vitest';
import { checkRetentionPolicy, keptTrialNumbers, trialsToDelete } from '../../src/artifacts/retention.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { makeTrial } from '../helpers/trials.js';

const numbers = (trials: readonly FrozenTrial[]) => trials.map((t) => t.number);
const infeasible = { 'constraints:mem': 2 };

describe('artifact retention decisions', () => {
  it('keeps the best N complete trials when minimizing and deletes the rest', () => {
    const trials = [0.5, 0.1, 0.9, 0.3, 0.7].map((value, number) => makeTrial({ number, value }));
    expect(trialsToDelete(trials, ['minimize'], { keep: 2 }).map((t) => t.number)).toEqual([0, 2, 4]);
  });

  it('keeps the largest values when maximizing', () => {
    const trials = [0.5, 0.1, 0.9, 0.3, 0.7].map((value, number) => makeTrial({ number, value }));
    expect(numbers(trialsToDelete(trials, ['maximize'], { keep: 2 }))).toEqual([0, 1, 3]);
  });

  it('keeps the earlier of two equal values', () => {
    const trials = [0.2, 0.2, 0.2].map((value, number) => makeTrial({ number, value }));
    expect(numbers(trialsToDelete(trials, ['minimize'], { keep: 2 }))).toEqual([2]);
  });

  it('never keeps an infeasible or NaN-valued trial, however good its value', () => {
    const trials = [makeTrial({ number: 0, value: -100, systemAttrs: infeasible }), makeTrial({ number: 1, value: Number.NaN }), makeTrial({ number: 2, value: 5 }), makeTrial({ number: 3, value: 6 })];
    expect(numbers(trialsToDelete(trials, ['minimize'], { keep: 1 }))).toEqual([0, 1, 3]);
  });

  it("ranks tuning trials only: a lucky re-run by confirm or ablate neither pushes the best out nor loses its own directory", () => {
    const rerun = (number: number, value: number, attr: string): FrozenTrial => ({ ...makeTrial({ number, value }), userAttrs: { [attr]: 1 } });
    const trials = [makeTrial({ number: 0, value: 0.4 }), makeTrial({ number: 1, value: 0.3 }), rerun(2, 0.1, 'sodate:confirm_of'), rerun(3, 0.05, 'sodate:ablation')];
    expect([...(keptTrialNumbers(trials, ['minimize'], 1) ?? [])]).toEqual([1]);
    expect(numbers(trialsToDelete(trials, ['minimize'], { keep: 1 }))).toEqual([0]);
  });

  it('never deletes a RUNNING or WAITING trial, nor counts it among the best', () => {
    const trials = [makeTrial({ number: 0 }), makeTrial({ number: 1, state: 'WAITING' }), makeTrial({ number: 2, value: 1 }), makeTrial({ number: 3, value: 2 })];
    expect(numbers(trialsToDelete(trials, ['minimize'], { keep: 1 }))).toEqual([3]);
    expect(numbers(trialsToDelete(trials, ['minimize'], { keep: 1, keepFailed: true }))).toEqual([3]);
  });

  it('deletes PRUNED and FAIL trials unless keepFailed', () => {
    const trials = [makeTrial({ number: 0, state: 'PRUNED' }), makeTrial({ number: 1, state: 'FAIL' }), makeTrial({ number: 2, value: 1 })];
    expect(numbers(trialsToDelete(trials, ['minimize'], {}))).toEqual([0, 1]);
    expect(numbers(trialsToDelete(trials, ['minimize'], { keepFailed: true }))).toEqual([]);
  });

  it('without keep, every complete trial (infeasible too) keeps its directory', () => {
    const trials = [makeTrial({ number: 0, value: 3 }), makeTrial({ number: 1, value: 1, systemAttrs: infeasible })];
    expect(keptTrialNumbers(trials, ['minimize'], undefined)).toBeUndefined();
    expect(trialsToDelete(trials, ['minimize'], {})).toEqual([]);
  });

  it('with several objectives keeps every trial on the feasible Pareto front, more than keep if need be', () => {
    const trials = [
      makeTrial({ number: 0, values: [1, 5] }),
      makeTrial({ number: 1, values: [2, 2] }),
      makeTrial({ number: 2, values: [5, 1] }),
      makeTrial({ number: 3, values: [3, 3] }), // dominated by 1
      makeTrial({ number: 4, values: [0, 0], systemAttrs: infeasible }), // would dominate all, infeasible
      makeTrial({ number: 5, values: [6, 6] }),
    ];
    expect([...(keptTrialNumbers(trials, ['minimize', 'minimize'], 1) ?? [])].sort()).toEqual([0, 1, 2]);
    expect(numbers(trialsToDelete(trials, ['minimize', 'minimize'], { keep: 1 }))).toEqual([3, 4, 5]);
  });

  it('reads each objective in its own direction', () => {
    const trials = [makeTrial({ number: 0, values: [1, 1] }), makeTrial({ number: 1, values: [1, 9] })];
    expect(numbers(trialsToDelete(trials, ['minimize', 'maximize'], { keep: 1 }))).toEqual([0]);
  });

  it('deletes a trial once it is beaten', () => {
    const first = [makeTrial({ number: 0, value: 0.5 }), makeTrial({ number: 1, value: 0.4 })];
    expect(trialsToDelete(first, ['minimize'], { keep: 2 })).toEqual([]);
    expect(numbers(trialsToDelete([...first, makeTrial({ number: 2, value: 0.1 })], ['minimize'], { keep: 2 }))).toEqual([0]);
  });

  it('refuses a keep that is not a positive integer', () => {
    expect(() => checkRetentionPolicy({ keep: 0 })).toThrow('artifacts.keep must be a positive integer, got 0');
    expect(() => checkRetentionPolicy({ keep: 1.5 })).toThrow(/got 1.5/);
  });
});
