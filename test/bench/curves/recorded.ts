/**
 * Replaying recorded learning curves (test/bench/curves/*.json, written once by
 * scripts/record-pruner-curves.ts) as a tuning problem. A trial suggests the trainer's
 * knobs; its curve is the one of the recorded configuration nearest to them (same
 * optimizer, weighted distance in normalised coordinates, ties to the lower index), so a
 * configuration always has the same curve and the sampler has a landscape to learn.
 *
 * Three tables: the built-in trainer on the digits (digits-cosine.json), the PyTorch example
 * (pytorch-cnn.json, scripts/record-pytorch-curves.py), and 1,300-odd PyTorch MLPs on the
 * digits (digits-mlp.json, scripts/record-digits-mlp-curves.py --widths 64,128: the shape of
 * the learning-curve benchmark #19 was found on, with enough configurations that 100 trials
 * do not exhaust it).
 * test/bench/optuna/pruners.py implements the same lookups; keep the two in step.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Params = Readonly<Record<string, number | string | boolean>>;

export interface RecordedConfig {
  readonly params: Params;
  readonly val_loss: readonly number[];
  /** Absent from the PyTorch example's curves (it reports the loss only). */
  readonly val_accuracy?: readonly number[];
}

export interface RecordedCurves {
  readonly epochs: number;
  readonly validationSamples?: number;
  readonly configs: readonly RecordedConfig[];
}

export type RecordedMetric = 'val_loss' | 'val_accuracy';

const here = dirname(fileURLToPath(import.meta.url));
export const DIGITS_CURVES = join(here, 'digits-cosine.json');
export const PYTORCH_CURVES = join(here, 'pytorch-cnn.json');
export const MLP_CURVES = join(here, 'digits-mlp.json');

export function loadRecordedCurves(path: string = DIGITS_CURVES): RecordedCurves {
  return JSON.parse(readFileSync(path, 'utf8')) as RecordedCurves;
}

/** The knobs a bench trial suggests, in the trainer's units. */
export interface Knobs {
  optimizer: 'adamw' | 'sgd';
  lr: number;
  weight_decay: number;
  batch_size: number;
  warmup_epochs: number;
  drop_path_rate: number;
  ema: boolean;
  label_smoothing: number;
  mixup_alpha: number;
  width: number;
}

/**
 * Normalised coordinates of a configuration, each in about [0, 1]. SGD's learning rate is
 * read a decade lower (its recorded range is [3e-3, 1], AdamW's [1e-4, 1e-1]).
 */
export function coordinates(p: Params): number[] {
  const lr = (p['optimizer'] === 'sgd' ? (p['lr'] as number) / 10 : (p['lr'] as number));
  return [
    (Math.log10(lr) + 4) / 3,
    (Math.log10(p['weight_decay'] as number) + 5) / 4,
    Math.log2((p['batch_size'] as number) / 16) / 3,
    (p['warmup_epochs'] as number) / 5,
    (p['drop_path_rate'] as number) / 0.3,
    p['ema'] === true ? 1 : 0,
    (p['label_smoothing'] as number) / 0.2,
    (p['mixup_alpha'] as number) / 0.4,
    (p['width'] as number) === 16 ? 1 : 0,
  ];
}

/** How much each coordinate counts: the learning rate most. */
export const WEIGHTS = [4, 1, 1, 1, 1, 1, 1, 1, 1] as const;

/** How a recorded table's configurations are placed in a space where distances mean something. */
export interface RecordedSpace {
  coordinates(p: Params): number[];
  readonly weights: readonly number[];
}

export const DIGITS_SPACE: RecordedSpace = { coordinates, weights: WEIGHTS };

/** The PyTorch example's knobs: learning rate (SGD's a decade lower), batch size, SGD momentum, weight decay. */
export const PYTORCH_SPACE: RecordedSpace = {
  coordinates: (p) => [
    (Math.log10(p['optimizer'] === 'sgd' ? (p['lr'] as number) / 10 : (p['lr'] as number)) + 4) / 3,
    Math.log2((p['batch_size'] as number) / 16) / 3,
    p['optimizer'] === 'sgd' ? ((p['momentum'] as number) - 0.8) / 0.19 : 0,
    (Math.log10(p['weight_decay'] as number) + 5) / 4,
  ],
  weights: [4, 1, 1, 1],
};

/** Index of the recorded configuration nearest to `knobs` with the same optimizer (ties: the lower index). */
export function nearestConfig(curves: RecordedCurves, knobs: Params | Knobs, space: RecordedSpace = DIGITS_SPACE): number {
  const x = space.coordinates(knobs as Params);
  let best = -1;
  let bestDistance = Infinity;
  curves.configs.forEach((c, i) => {
    if (c.params['optimizer'] !== (knobs as Params)['optimizer']) return;
    const y = space.coordinates(c.params);
    let d = 0;
    for (let k = 0; k < x.length; k++) d += (space.weights[k] as number) * ((x[k] as number) - (y[k] as number)) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  });
  return best;
}

/** Suggest the knobs on anything with the define-by-run `suggest*` API. */
export function suggestKnobs(trial: {
  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean; step?: number | null }): number;
  suggestInt(name: string, low: number, high: number): number;
  suggestCategorical<T extends string | number | boolean>(name: string, choices: readonly T[]): T;
}): Knobs {
  const optimizer = trial.suggestCategorical('optimizer', ['adamw', 'sgd'] as const);
  return {
    optimizer,
    // One range for both optimizers; SGD runs at ten times the suggested rate.
    lr: trial.suggestFloat('lr', 1e-4, 1e-1, { log: true }) * (optimizer === 'sgd' ? 10 : 1),
    weight_decay: trial.suggestFloat('weight_decay', 1e-5, 1e-1, { log: true }),
    batch_size: trial.suggestCategorical('batch_size', [16, 32, 64, 128]),
    warmup_epochs: trial.suggestInt('warmup_epochs', 0, 5),
    drop_path_rate: trial.suggestFloat('drop_path_rate', 0, 0.3),
    ema: trial.suggestCategorical('ema', [true, false]),
    label_smoothing: trial.suggestFloat('label_smoothing', 0, 0.2),
    mixup_alpha: trial.suggestFloat('mixup_alpha', 0, 0.4),
    width: trial.suggestCategorical('width', [8, 16]),
  };
}

/** The PyTorch example's knobs (examples/pytorch/train.py's flags). */
export function suggestPytorchKnobs(trial: Parameters<typeof suggestKnobs>[0]): Record<string, number | string> {
  const optimizer = trial.suggestCategorical('optimizer', ['adamw', 'sgd'] as const);
  return {
    optimizer,
    lr: trial.suggestFloat('lr', 1e-4, 1e-1, { log: true }) * (optimizer === 'sgd' ? 10 : 1),
    batch_size: trial.suggestCategorical('batch_size', [16, 32, 64, 128]),
    ...(optimizer === 'sgd' ? { momentum: trial.suggestFloat('momentum', 0.8, 0.99) } : {}),
    weight_decay: trial.suggestFloat('weight_decay', 1e-5, 1e-1, { log: true }),
  };
}

/**
 * The MLP table's knobs: learning rate (SGD's a decade lower), weight decay, batch size, warmup,
 * dropout, EMA, label smoothing, mixup, shifts, width, depth, SGD momentum.
 */
export const MLP_SPACE: RecordedSpace = {
  coordinates: (p) => [
    (Math.log10(p['optimizer'] === 'sgd' ? (p['lr'] as number) / 10 : (p['lr'] as number)) + 4) / 3,
    (Math.log10(p['weight_decay'] as number) + 5) / 4,
    Math.log2((p['batch_size'] as number) / 16) / 3,
    (p['warmup_epochs'] as number) / 5,
    (p['dropout'] as number) / 0.5,
    p['ema'] === true ? 1 : 0,
    (p['label_smoothing'] as number) / 0.2,
    (p['mixup_alpha'] as number) / 0.4,
    p['shift'] === true ? 1 : 0,
    Math.log2((p['width'] as number) / 64),
    ((p['depth'] as number) - 1) / 2,
    p['optimizer'] === 'sgd' ? ((p['momentum'] as number) - 0.8) / 0.19 : 0,
  ],
  weights: [4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
};

/** The MLP table's knobs, with the steps the recording drew them on. */
export function suggestMlpKnobs(trial: Parameters<typeof suggestKnobs>[0] & {
  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean; step?: number | null }): number;
}): Record<string, number | string | boolean> {
  const optimizer = trial.suggestCategorical('optimizer', ['adamw', 'sgd'] as const);
  return {
    optimizer,
    lr: trial.suggestFloat('lr', 1e-4, 1e-1, { log: true }) * (optimizer === 'sgd' ? 10 : 1),
    ...(optimizer === 'sgd' ? { momentum: trial.suggestFloat('momentum', 0.8, 0.99) } : {}),
    weight_decay: trial.suggestFloat('weight_decay', 1e-5, 1e-1, { log: true }),
    batch_size: trial.suggestCategorical('batch_size', [16, 32, 64, 128]),
    warmup_epochs: trial.suggestInt('warmup_epochs', 0, 5),
    dropout: trial.suggestFloat('dropout', 0, 0.5, { step: 0.1 }),
    ema: trial.suggestCategorical('ema', [true, false]),
    label_smoothing: trial.suggestFloat('label_smoothing', 0, 0.2, { step: 0.05 }),
    mixup_alpha: trial.suggestFloat('mixup_alpha', 0, 0.4, { step: 0.1 }),
    shift: trial.suggestCategorical('shift', [true, false]),
    width: trial.suggestCategorical('width', [64, 128]),
    depth: trial.suggestInt('depth', 1, 3),
  };
}
