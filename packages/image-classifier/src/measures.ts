import { OptionError } from 'sodate';
import type { BuiltinStudy } from 'sodate';

/**
 * What the built-in trainer can report, as an objective (`metrics:` of a space file) or as a
 * constraint value (`constraints:`). Free of TensorFlow.js, so that a space file is checked
 * against these names in the loop before any trial loads the trainer.
 *
 * - `val_loss`, `val_accuracy`, `val_error`, `val_f1`: the validation metrics, every epoch.
 * - `inference_ms`: forward time per image on the backend in use (see `measureInference` in
 *   trainer.ts), measured after the first and the last epoch of each fold.
 * - `params`: trainable parameters; `model_mb`: the float32 weights and batch-norm statistics
 *   a checkpoint holds, in MiB. Both are known once the model is built.
 * - `train_seconds`: time spent training the model (augmentation, forward, backward and
 *   update; not validation nor the inference timing), up to that epoch.
 */
export const IMAGE_MEASURES = ['val_loss', 'val_accuracy', 'val_error', 'val_f1', 'inference_ms', 'params', 'model_mb', 'train_seconds'] as const;
export type ImageMeasure = (typeof IMAGE_MEASURES)[number];

export function isImageMeasure(name: unknown): name is ImageMeasure {
  return typeof name === 'string' && (IMAGE_MEASURES as readonly string[]).includes(name);
}

/** Whether a lower value of the measure is better: what "best epoch" means for it. */
export function lowerIsBetter(measure: ImageMeasure): boolean {
  return measure !== 'val_accuracy' && measure !== 'val_f1';
}

/** Everything an epoch measured, by measure name (see trainer.ts's EpochResult). */
export interface EpochMeasures {
  readonly validation: { readonly loss: number; readonly accuracy: number; readonly macroF1: number };
  /** Undefined when inference was not timed (no objective or constraint asked for it). */
  readonly inferenceMs?: number | undefined;
  readonly trainableParams: number;
  readonly modelBytes: number;
  /** Training seconds of this run up to and including this epoch. */
  readonly trainSecondsSoFar: number;
}

/** The value of `measure` after an epoch. */
export function measureValue(result: EpochMeasures, measure: ImageMeasure): number {
  const v = result.validation;
  switch (measure) {
    case 'val_loss':
      return v.loss;
    case 'val_accuracy':
      return v.accuracy;
    case 'val_error':
      return 1 - v.accuracy;
    case 'val_f1':
      return v.macroF1;
    case 'inference_ms':
      // Asked for but not measured is a bug of the caller, not a value: NaN fails the trial loudly.
      return result.inferenceMs ?? NaN;
    case 'params':
      return result.trainableParams;
    case 'model_mb':
      return result.modelBytes / 2 ** 20;
    case 'train_seconds':
      return result.trainSecondsSoFar;
  }
}

/** The trainer options that say what it returns and which constraint values it sets. */
export interface MeasureOptions {
  readonly metric?: unknown;
  readonly metrics?: unknown;
  readonly constraints?: unknown;
}

/**
 * The trainer's `metrics` and `constraints` options from the study that runs it (a space
 * file's `metrics:`/`metric:` and `constraints:`), so the file names them once. Several
 * metrics are the objectives, in order. One metric that the trainer produces is what it
 * returns; one that it does not (e.g. the default name `value`) only labels the option
 * `metric` (val_loss by default), as before. Names are checked by `imageClassifierObjective`.
 */
export function measuresFromStudy(options: MeasureOptions, study: BuiltinStudy | undefined): { metrics?: readonly string[]; constraints?: readonly string[] } {
  if (study === undefined) return {};
  for (const key of ['metrics', 'constraints'] as const) {
    if (options[key] !== undefined) throw new OptionError(`image-classifier option ${key} is the space file's own ${key}: key; give it there, not under objective.options`);
  }
  const out: { metrics?: readonly string[]; constraints?: readonly string[] } = {};
  const [only] = study.metrics;
  if (study.metrics.length > 1) out.metrics = study.metrics;
  else if (only !== undefined && isImageMeasure(only)) {
    if (options.metric !== undefined && options.metric !== only) throw new OptionError(`image-classifier option metric ${JSON.stringify(options.metric)} disagrees with the study's metric "${only}"; name it once, as the file's metric:`);
    out.metrics = [only];
  }
  if (study.constraints.length > 0) out.constraints = study.constraints;
  return out;
}

/** `names` as a list of measures, or an OptionError naming the first unknown one and what there is. */
export function checkMeasures(names: unknown, key: string): ImageMeasure[] {
  if (!Array.isArray(names) || names.length === 0) throw new OptionError(`image-classifier option ${key} must be a non-empty list of ${IMAGE_MEASURES.join(', ')}, got ${JSON.stringify(names)}`);
  for (const name of names) {
    if (!isImageMeasure(name)) throw new OptionError(`image-classifier option ${key}: the trainer does not produce ${JSON.stringify(name)}; it produces ${IMAGE_MEASURES.join(', ')}`);
  }
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new OptionError(`image-classifier option ${key} lists "${repeated}" twice`);
  return names as ImageMeasure[];
}
