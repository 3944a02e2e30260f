/**
 * The quality suite shared by every sampler benchmark: classic continuous test functions,
 * two mixed, conditional problems shaped like image-baseline searches (the second with
 * optimizer- and scheduler-dependent branches), and the categorical
 * and ordinal problems of discrete-problems.ts. Each objective is
 * define-by-run (it suggests its own parameters), and test/bench/optuna/samplers.py holds
 * the same formulas in Python; test/samplers/tpe-problems.test.ts checks that the two agree.
 */
import type { CategoricalChoice, RangeOptions } from '../../src/space/distributions.js';
import { DISCRETE_PROBLEMS } from './discrete-problems.js';

/** What an objective needs from a trial: the define-by-run `suggest*` calls. */
export interface Suggest {
  suggestFloat(name: string, low: number, high: number, options?: RangeOptions): number;
  suggestInt(name: string, low: number, high: number, options?: RangeOptions): number;
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T;
}

export interface Problem {
  readonly name: string;
  /** Number of parameters (the largest number active in one trial). */
  readonly dimension: number;
  /** Only continuous float parameters (what GP and CMA-ES are built for). */
  readonly continuous: boolean;
  /** The global minimum, for regret. */
  readonly optimum: number;
  /** Trials per run. */
  readonly budget: number;
  /**
   * The objective adds `noise` (a standard normal the benchmark draws per trial, scaled by
   * the problem); regret is then taken on the noise-free value of the chosen trial.
   */
  readonly noisy?: boolean;
  readonly objective: (trial: Suggest, noise?: number) => number;
}

const floats = (trial: Suggest, n: number, low: number, high: number): number[] =>
  Array.from({ length: n }, (_, i) => trial.suggestFloat(`x${i}`, low, high));

export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) {
      const a = (HARTMANN_A[i] as number[])[j] as number;
      const p = ((HARTMANN_P[i] as number[])[j] as number) * 1e-4;
      inner += a * ((x[j] as number) - p) ** 2;
    }
    sum += (HARTMANN_ALPHA[i] as number) * Math.exp(-inner);
  }
  return -sum;
}

export function styblinskiTang(x: readonly number[]): number {
  return 0.5 * x.reduce((s, v) => s + v ** 4 - 16 * v ** 2 + 5 * v, 0);
}

export function ackley(x: readonly number[]): number {
  const n = x.length;
  const sq = x.reduce((s, v) => s + v * v, 0) / n;
  const cos = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n;
  return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cos) + 20 + Math.E;
}

export function rosenbrock(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * ((x[i + 1] as number) - (x[i] as number) ** 2) ** 2 + (1 - (x[i] as number)) ** 2;
  return s;
}

/**
 * A smooth surrogate of an image classifier's validation loss: the best learning rate
 * and weight decay depend on the optimizer and the batch size, momentum exists only for
 * SGD and the EMA decay only with EMA on. Minimum 0.23 (AdamW, batch 64, lr 1e-3, wd 5e-2,
 * eps 1e-8, drop path 0.1, warmup 2, label smoothing 0.1, EMA with decay 0.999).
 */
export function imageBaseline(trial: Suggest): number {
  const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
  const wd = trial.suggestFloat('weight_decay', 1e-6, 1e-1, { log: true });
  const eps = trial.suggestFloat('eps', 1e-9, 1e-6, { log: true });
  const dropPath = trial.suggestFloat('drop_path_rate', 0, 0.3, { step: 0.05 });
  const batch = trial.suggestCategorical('batch_size', [16, 32, 64, 128]);
  const warmup = trial.suggestInt('warmup_epochs', 0, 5);
  const smoothing = trial.suggestFloat('label_smoothing', 0, 0.2);
  const optimizer = trial.suggestCategorical('optimizer', ['adamw', 'sgd']);
  let loss = 0.25;
  const sgd = optimizer === 'sgd';
  if (sgd) {
    const momentum = trial.suggestFloat('momentum', 0.8, 0.99);
    loss += 0.02 + 4 * (momentum - 0.9) ** 2;
  }
  const lrOpt = (sgd ? 5e-2 : 1e-3) * Math.sqrt(batch / 64);
  const wdOpt = sgd ? 5e-4 : 5e-2;
  const a = Math.log10(lr) - Math.log10(lrOpt);
  const b = Math.log10(wd) - Math.log10(wdOpt);
  loss += 0.15 * a * a + 0.04 * b * b + 0.03 * a * b;
  loss += 0.0025 * (Math.log10(eps) + 8) ** 2;
  loss += 0.8 * (dropPath - 0.1) ** 2;
  loss += ({ 16: 0.03, 32: 0.01, 64: 0, 128: 0.02 } as Record<number, number>)[batch] as number;
  loss += 0.005 * (warmup - 2) ** 2;
  loss += 1.5 * (smoothing - 0.1) ** 2;
  const ema = trial.suggestCategorical('ema', [true, false]);
  if (ema) {
    const decay = trial.suggestFloat('ema_decay', 0.99, 0.9999);
    loss += -0.02 + 0.03 * (Math.log10(1 - decay) + 3) ** 2;
  }
  return loss;
}

/**
 * A larger conditional space shaped like an image-baseline search with optimizer- and
 * scheduler-dependent branches: six shared parameters, then each optimizer's own
 * (SGD: momentum, Nesterov; AdamW: beta1, 1 − beta2; RMSprop: alpha, momentum) and each
 * scheduler's own (cosine: warmup; step: step size, gamma; one-cycle: pct_start, div
 * factor), 17 parameters of which 8 to 10 are active. The branch parameters matter as much
 * as the shared ones, so a sampler that models only the parameters every trial has is
 * left guessing them. Minimum 0.175 (AdamW, one-cycle, batch 64, lr 1e-3/√2, wd 5e-2,
 * dropout 0.2, beta1 0.9, 1 − beta2 1e-3, pct_start 0.3, div factor 25); SGD's best is 0.185.
 */
export function imageBranches(trial: Suggest): number {
  const lr = trial.suggestFloat('lr', 1e-5, 1, { log: true });
  const wd = trial.suggestFloat('weight_decay', 1e-6, 1e-1, { log: true });
  const batch = trial.suggestCategorical('batch_size', [32, 64, 128, 256]);
  const dropout = trial.suggestFloat('dropout', 0, 0.5);
  const optimizer = trial.suggestCategorical('optimizer', ['sgd', 'adamw', 'rmsprop']);
  const scheduler = trial.suggestCategorical('scheduler', ['cosine', 'step', 'onecycle']);
  let loss = ({ 32: 0.01, 64: 0, 128: 0.005, 256: 0.02 } as Record<number, number>)[batch] as number;
  loss += 0.5 * (dropout - 0.2) ** 2;
  let lrOpt: number;
  let wdOpt: number;
  if (optimizer === 'sgd') {
    const momentum = trial.suggestFloat('momentum', 0, 0.99);
    const nesterov = trial.suggestCategorical('nesterov', [true, false]);
    loss += 0.2 + (momentum - 0.9) ** 2 + (nesterov ? -0.01 : 0);
    lrOpt = 0.1 * Math.sqrt(batch / 128);
    wdOpt = 5e-4;
  } else if (optimizer === 'adamw') {
    const beta1 = trial.suggestFloat('beta1', 0.5, 0.99);
    const oneMinusBeta2 = trial.suggestFloat('one_minus_beta2', 1e-4, 1e-1, { log: true });
    loss += 0.18 + 2 * (beta1 - 0.9) ** 2 + 0.02 * (Math.log10(oneMinusBeta2) + 3) ** 2;
    lrOpt = 1e-3 * Math.sqrt(batch / 128);
    wdOpt = 5e-2;
  } else {
    const alpha = trial.suggestFloat('alpha', 0.8, 0.999);
    const momentum = trial.suggestFloat('rms_momentum', 0, 0.9);
    loss += 0.22 + 5 * (alpha - 0.99) ** 2 + 0.2 * (momentum - 0.5) ** 2;
    lrOpt = 3e-4;
    wdOpt = 1e-5;
  }
  loss += 0.08 * (Math.log10(lr) - Math.log10(lrOpt)) ** 2 + 0.02 * (Math.log10(wd) - Math.log10(wdOpt)) ** 2;
  if (scheduler === 'cosine') {
    const warmup = trial.suggestInt('warmup_epochs', 0, 10);
    loss += 0.002 * (warmup - 3) ** 2;
  } else if (scheduler === 'step') {
    const stepSize = trial.suggestInt('step_size', 5, 50);
    const gamma = trial.suggestFloat('gamma', 0.05, 0.9);
    loss += 0.01 + 0.00005 * (stepSize - 30) ** 2 + 0.3 * (gamma - 0.1) ** 2;
  } else {
    const pctStart = trial.suggestFloat('pct_start', 0.1, 0.5);
    const divFactor = trial.suggestFloat('div_factor', 5, 100, { log: true });
    loss += -0.005 + (pctStart - 0.3) ** 2 + 0.03 * (Math.log10(divFactor) - Math.log10(25)) ** 2;
  }
  return loss;
}

export const PROBLEMS: readonly Problem[] = [
  {
    name: 'branin',
    dimension: 2,
    continuous: true,
    optimum: 0.39788735772973816,
    budget: 100,
    objective: (t) => branin(t.suggestFloat('x0', -5, 10), t.suggestFloat('x1', 0, 15)),
  },
  { name: 'hartmann6', dimension: 6, continuous: true, optimum: -3.3223680114155147, budget: 150, objective: (t) => hartmann6(floats(t, 6, 0, 1)) },
  { name: 'styblinski8', dimension: 8, continuous: true, optimum: -39.16616570377142 * 8, budget: 200, objective: (t) => styblinskiTang(floats(t, 8, -5, 5)) },
  { name: 'ackley10', dimension: 10, continuous: true, optimum: 0, budget: 200, objective: (t) => ackley(floats(t, 10, -32.768, 32.768)) },
  { name: 'rosenbrock6', dimension: 6, continuous: true, optimum: 0, budget: 200, objective: (t) => rosenbrock(floats(t, 6, -5, 10)) },
  { name: 'image-mixed', dimension: 11, continuous: false, optimum: 0.23, budget: 150, objective: imageBaseline },
  { name: 'image-branches', dimension: 10, continuous: false, optimum: 0.175, budget: 200, objective: imageBranches },
  ...DISCRETE_PROBLEMS,
];
