/**
 * The synthetic learning curves of the pruner benchmark: an image-baseline-like space
 * whose per-epoch validation loss converges at a speed set mostly by the learning rate.
 * In the `crossing` variant high learning rates start fast and end worse (and overfit
 * when little regularised), so curves cross; in `parallel` a better configuration is
 * also a faster one, so the curves keep their order (up to noise).
 *
 * test/bench/optuna/pruners.py implements the same model; test/pruners/curves.test.ts
 * checks they agree. Keep the two in step, operation for operation.
 */

export type CurveVariant = 'crossing' | 'parallel';

export interface CurveParams {
  lr: number;
  weightDecay: number;
  batchSize: number;
  optimizer: 'adamw' | 'sgd';
  dropPathRate: number;
  warmupEpochs: number;
  ema: boolean;
}

export const EPOCHS = 50;
export const INITIAL_LOSS = 2.3;
export const NOISE_SIGMA = 0.01;

const MASK = 0xffffffff;

/** A 32-bit integer hash (lowbias32), written so Python can repeat it exactly. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** Uniform in (0, 1) from (seed, trial number, epoch, stream). */
export function uniform(seed: number, trialNumber: number, epoch: number, stream: number): number {
  let h = mix32((seed ^ 0x9e3779b9) >>> 0);
  h = mix32(((h + trialNumber) & MASK) >>> 0);
  h = mix32(((h + epoch * 2 + stream) & MASK) >>> 0);
  return (h + 0.5) / 4294967296;
}

/** Standard normal noise for one epoch of one trial (Box–Muller). */
export function gaussian(seed: number, trialNumber: number, epoch: number): number {
  const u1 = uniform(seed, trialNumber, epoch, 0);
  const u2 = uniform(seed, trialNumber, epoch, 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Where the curve converges to, before overfitting. */
export function asymptote(p: CurveParams, variant: CurveVariant): number {
  const x = Math.log10(p.optimizer === 'sgd' ? p.lr * 0.1 : p.lr);
  const warmupRelief = variant === 'crossing' ? 1 - 0.1 * p.warmupEpochs : 1;
  const lrPenalty = 0.3 * Math.max(0, x + 3.6) ** 1.5 * warmupRelief + 0.04 * Math.max(0, -4.2 - x) ** 2;
  const wdPenalty = 0.02 * (Math.log10(p.weightDecay) + 4) ** 2;
  const dpPenalty = 0.6 * Math.max(0, p.dropPathRate - 0.1) ** 2;
  const bsPenalty = 0.02 * Math.abs(Math.log2(p.batchSize / 32));
  return 0.25 + lrPenalty + wdPenalty + dpPenalty + bsPenalty - (p.ema ? 0.01 : 0);
}

/** Convergence speed per epoch. */
export function speed(p: CurveParams, variant: CurveVariant): number {
  if (variant === 'parallel') return 0.6 / (1 + 4 * (asymptote(p, variant) - 0.25));
  const x = Math.log10(p.optimizer === 'sgd' ? p.lr * 0.1 : p.lr);
  const k = 0.3 * 10 ** (0.9 * (x + 3)) * Math.sqrt(64 / p.batchSize);
  return Math.min(5, Math.max(0.001, k));
}

/** The noiseless validation loss after `epoch` (1-based) epochs. */
export function meanLoss(p: CurveParams, epoch: number, variant: CurveVariant): number {
  const lInf = asymptote(p, variant);
  const k = speed(p, variant);
  if (variant === 'parallel') return lInf + (INITIAL_LOSS - lInf) * (1 + (k * epoch) / 2) ** -2;
  const tEff = Math.max(0, epoch - 0.5 * p.warmupEpochs - (p.ema ? 1 : 0));
  const progress = k * tEff;
  const base = lInf + (INITIAL_LOSS - lInf) * (1 + progress / 2) ** -2;
  const overfitAmplitude = 0.15 * Math.exp(-p.dropPathRate / 0.08) * (p.weightDecay < 1e-4 ? 1 : 0.5);
  const excess = Math.max(0, progress - 3);
  return base + (overfitAmplitude * excess) / (excess + 10);
}

/** The observed validation loss: the mean plus seeded Gaussian noise. */
export function observedLoss(p: CurveParams, epoch: number, variant: CurveVariant, seed: number, trialNumber: number): number {
  return meanLoss(p, epoch, variant) + NOISE_SIGMA * gaussian(seed, trialNumber, epoch);
}

/** Suggest the benchmark's parameters on anything with the define-by-run `suggest*` API. */
export function suggestCurveParams(trial: {
  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean; step?: number | null }): number;
  suggestInt(name: string, low: number, high: number): number;
  suggestCategorical<T extends string | number | boolean>(name: string, choices: readonly T[]): T;
}): CurveParams {
  return {
    lr: trial.suggestFloat('lr', 1e-5, 1e-1, { log: true }),
    weightDecay: trial.suggestFloat('weight_decay', 1e-6, 1e-2, { log: true }),
    batchSize: trial.suggestCategorical('batch_size', [16, 32, 64, 128]),
    optimizer: trial.suggestCategorical('optimizer', ['adamw', 'sgd'] as const),
    dropPathRate: trial.suggestFloat('drop_path_rate', 0, 0.3),
    warmupEpochs: trial.suggestInt('warmup_epochs', 0, 5),
    ema: trial.suggestCategorical('ema', [true, false]),
  };
}
