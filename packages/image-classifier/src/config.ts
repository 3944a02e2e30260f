import { OptionError } from 'sodate';
import type { ParamValue } from 'sodate';
import type { AugmentConfig } from './augment.js';
import { NO_AUGMENTATION } from './augment.js';
import type { LossConfig } from './losses.js';
import type { MixConfig } from './mix.js';
import type { ModelConfig } from './model.js';

/** Everything one training run uses, resolved from a trial's parameters (defaults for absent ones). */
/** The model's tunable shape (see ModelConfig) plus how it is trained. */
export interface TrainConfig extends Pick<ModelConfig, 'width' | 'depth' | 'dropPathRate' | 'pool' | 'gemP' | 'headBatchNorm' | 'headDropout' | 'headHidden'> {
  readonly optimizer: 'adamw' | 'sgd';
  /** Head learning rate; the backbone's is lr × backboneLrScale. */
  readonly lr: number;
  readonly backboneLrScale: number;
  readonly weightDecay: number;
  readonly eps: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly batchSize: number;
  readonly warmupEpochs: number;
  /** Cosine decay ends at lr × minLrRatio. */
  readonly minLrRatio: number;
  readonly ema: boolean;
  readonly emaDecay: number;
  readonly mix: MixConfig;
  readonly lossKind: LossConfig['loss'];
  readonly labelSmoothing: number;
  readonly focalGamma: number;
  readonly classWeighting: 'none' | 'balanced';
  readonly augment: AugmentConfig;
}

/** The trainer's defaults: PyTorch's AdamW defaults, no regularisation and no augmentation. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  optimizer: 'adamw',
  lr: 1e-3,
  backboneLrScale: 1,
  weightDecay: 1e-2,
  eps: 1e-8,
  momentum: 0.9,
  nesterov: false,
  batchSize: 64,
  warmupEpochs: 0,
  minLrRatio: 0,
  ema: false,
  emaDecay: 0.999,
  mix: { mixupAlpha: 0, cutmixProb: 0 },
  lossKind: 'ce',
  labelSmoothing: 0,
  focalGamma: 2,
  classWeighting: 'none',
  augment: NO_AUGMENTATION,
  width: 16,
  depth: 1,
  dropPathRate: 0,
  pool: 'avg',
  gemP: 3,
  headBatchNorm: false,
  headDropout: 0,
  headHidden: 0,
};

/** The parameter names the trainer reads (search-spaces/image-baseline.yaml uses them). */
export const PARAM_NAMES = [
  'lr',
  'backbone_lr_scale',
  'weight_decay',
  'eps',
  'optimizer',
  'momentum',
  'nesterov',
  'batch_size',
  'warmup_epochs',
  'min_lr_ratio',
  'drop_path_rate',
  'ema',
  'ema_decay',
  'label_smoothing',
  'mixup_alpha',
  'cutmix_prob',
  'loss',
  'focal_gamma',
  'class_weighting',
  'hflip_p',
  'rot90_p',
  'shift_scale_rotate_p',
  'brightness_contrast_p',
  'coarse_dropout_p',
  'width',
  'depth',
  'pool',
  'gem_p',
  'head_bn',
  'head_dropout',
  'head_hidden',
] as const;

type Params = Readonly<Record<string, ParamValue>>;

function num(params: Params, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new OptionError(`parameter ${name} must be a number, got ${JSON.stringify(v)}`);
  if (n < min || n > max) throw new OptionError(`parameter ${name} must be within [${min}, ${max}], got ${n}`);
  return n;
}

function int(params: Params, name: string, fallback: number, min: number, max = Infinity): number {
  const n = num(params, name, fallback, min, max);
  if (!Number.isInteger(n)) throw new OptionError(`parameter ${name} must be an integer, got ${n}`);
  return n;
}

function bool(params: Params, name: string, fallback: boolean): boolean {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 1) return true;
  if (v === 'false' || v === 0) return false;
  throw new OptionError(`parameter ${name} must be true or false, got ${JSON.stringify(v)}`);
}

function choice<T extends string>(params: Params, name: string, fallback: T, allowed: readonly T[]): T {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new OptionError(`parameter ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Resolve a trial's parameters; unknown names are ignored, absent ones take `base`'s values. */
export function trainConfigFromParams(params: Params, base: TrainConfig = DEFAULT_TRAIN_CONFIG): TrainConfig {
  const probability = (name: string, fallback: number): number => num(params, name, fallback, 0, 1);
  return {
    optimizer: choice(params, 'optimizer', base.optimizer, ['adamw', 'sgd']),
    lr: num(params, 'lr', base.lr, 0),
    backboneLrScale: num(params, 'backbone_lr_scale', base.backboneLrScale, 0),
    weightDecay: num(params, 'weight_decay', base.weightDecay, 0),
    eps: num(params, 'eps', base.eps, 0),
    momentum: num(params, 'momentum', base.momentum, 0, 1),
    nesterov: bool(params, 'nesterov', base.nesterov),
    batchSize: int(params, 'batch_size', base.batchSize, 2),
    warmupEpochs: num(params, 'warmup_epochs', base.warmupEpochs, 0),
    minLrRatio: num(params, 'min_lr_ratio', base.minLrRatio, 0, 1),
    ema: bool(params, 'ema', base.ema),
    emaDecay: num(params, 'ema_decay', base.emaDecay, 0, 0.999999),
    mix: { mixupAlpha: num(params, 'mixup_alpha', base.mix.mixupAlpha, 0), cutmixProb: probability('cutmix_prob', base.mix.cutmixProb) },
    lossKind: choice(params, 'loss', base.lossKind, ['ce', 'focal']),
    labelSmoothing: num(params, 'label_smoothing', base.labelSmoothing, 0, 1),
    focalGamma: num(params, 'focal_gamma', base.focalGamma, 0),
    classWeighting: choice(params, 'class_weighting', base.classWeighting, ['none', 'balanced']),
    augment: {
      ...base.augment,
      hflipP: probability('hflip_p', base.augment.hflipP),
      rot90P: probability('rot90_p', base.augment.rot90P),
      shiftScaleRotateP: probability('shift_scale_rotate_p', base.augment.shiftScaleRotateP),
      brightnessContrastP: probability('brightness_contrast_p', base.augment.brightnessContrastP),
      coarseDropoutP: probability('coarse_dropout_p', base.augment.coarseDropoutP),
    },
    width: int(params, 'width', base.width, 1),
    depth: int(params, 'depth', base.depth, 1),
    dropPathRate: num(params, 'drop_path_rate', base.dropPathRate, 0, 0.99),
    pool: choice(params, 'pool', base.pool, ['avg', 'max', 'gem']),
    gemP: num(params, 'gem_p', base.gemP, 1),
    headBatchNorm: bool(params, 'head_bn', base.headBatchNorm),
    headDropout: num(params, 'head_dropout', base.headDropout, 0, 0.99),
    headHidden: int(params, 'head_hidden', base.headHidden, 0),
  };
}
