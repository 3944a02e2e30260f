import { errorMessage, OptionError } from 'sodate';
import type { BuiltinStudy, JsonValue, Objective, Trial } from 'sodate';
import { join } from 'node:path';
import type { BackendChoice } from './backend.js';
import { BACKENDS, describeBackend, selectBackend } from './backend.js';
import type { TrainConfig } from './config.js';
import { DEFAULT_TRAIN_CONFIG, trainConfigFromParams } from './config.js';
import type { DatasetSpec, ImageDataset } from './data/dataset.js';
import { loadDataset } from './data/dataset.js';
import { DataError } from './data/errors.js';
import type { Split } from './data/split.js';
import { stratifiedHoldout, stratifiedKFold } from './data/split.js';
import type { ImageMeasure } from './measures.js';
import { checkMeasures, lowerIsBetter, measureValue, measuresFromStudy } from './measures.js';
import type { EpochResult, TrainerState } from './trainer.js';
import { trainModel } from './trainer.js';
import type { BestEpoch, TrialProgress } from './trial-files.js';
import { readTrialCheckpoint, removeTrialCheckpoint, saveTrialCheckpoint, saveTrialModel, trialFiles } from './trial-files.js';

export type ImageMetric = 'val_loss' | 'val_accuracy' | 'val_error' | 'val_f1';

export interface ImageClassifierOptions {
  /** Default: 'digits' (the shipped 1,797 8×8 UCI digits). */
  dataset?: DatasetSpec;
  /** Epochs per trial (per fold). Default 10. */
  epochs?: number;
  /** K for stratified K-fold cross-validation; 1 for one holdout split. Default 1. */
  folds?: number;
  /** Run only this fold (0-based) of the K. Default: all of them. */
  fold?: number;
  /**
   * With `folds` ≥ 2: report each fold's final `metric` with `trial.reportFold` (for the
   * `wilcoxon` pruner, which stops a trial after a fold) instead of every epoch as a step.
   * Default false.
   */
  reportFolds?: boolean;
  /** Validation share of the holdout split. Default 0.2. */
  valFraction?: number;
  /**
   * Seeds the split and the subset, and training (the weights' initialisation and every random
   * draw) of a trial that has no seed of its own (`trial.seed`, which sodate gives every trial
   * it runs). The split stays on this seed so every trial is measured on the same data. Default 0.
   */
  seed?: number;
  /** Model width and depth when the space does not tune them. Default 16 and 1. */
  width?: number;
  depth?: number;
  /** Model stages. Default: 3, fewer for tiny images. */
  stages?: number;
  /** What each epoch reports and the trial returns. Default 'val_loss'. */
  metric?: ImageMetric;
  /**
   * The objectives, in the study's order (see measures.ts for the names): each epoch reports
   * one value of each, and the trial returns them (a list when there are several). A space
   * file sets it from its `metrics:`. Default: [metric].
   */
  metrics?: readonly ImageMeasure[];
  /**
   * Measures set as constraint values (`trial.setConstraint`) once the trial ends, for the
   * study's limits on them. A space file sets it from its `constraints:`. Default: none.
   */
  constraints?: readonly ImageMeasure[];
  /** Images per timed batch of `inference_ms`. Default 64 (at most the validation set). */
  inferenceBatchSize?: number;
  /** TensorFlow.js backend. Default 'auto'. */
  backend?: BackendChoice;
  /** Use at most this many samples (a stratified subset, seeded). Default: all. */
  maxSamples?: number;
  /** Write one line per epoch to the trial's log (`sodate logs`; standard output for an ask/tell trial). Default false. */
  verbose?: boolean;
  /**
   * Save the model the trial's value is measured on (the last epoch's, with its EMA weights
   * when `ema` is on) into the trial's directory as model.json + weights.bin (`fold-<k>/`
   * for each fold with `folds` ≥ 2), when the run keeps trial directories. Default true.
   */
  saveModel?: boolean;
  /**
   * Save a checkpoint after every epoch (`checkpoint.bin` in the trial's directory, removed
   * when the trial completes) so that a pruner with `pause: true` can pause the trial and
   * resume it; not with `reportFolds`. Default true.
   */
  checkpoints?: boolean;
}

const OPTION_KEYS = ['dataset', 'epochs', 'folds', 'fold', 'reportFolds', 'valFraction', 'seed', 'width', 'depth', 'stages', 'metric', 'metrics', 'constraints', 'inferenceBatchSize', 'backend', 'maxSamples', 'verbose', 'saveModel', 'checkpoints'];
const METRICS: readonly ImageMetric[] = ['val_loss', 'val_accuracy', 'val_error', 'val_f1'];

/** The value of `metric` in an epoch's validation. */
export function metricValue(result: EpochResult, metric: ImageMetric): number {
  return measureValue(result, metric);
}

function checkOptions(options: ImageClassifierOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw new OptionError(`image-classifier has no option "${key}"; options are ${OPTION_KEYS.join(', ')}`);
  }
  const positiveInt = (name: keyof ImageClassifierOptions, min: number): void => {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) throw new OptionError(`image-classifier option ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  };
  positiveInt('epochs', 1);
  positiveInt('folds', 1);
  positiveInt('width', 1);
  positiveInt('depth', 1);
  positiveInt('stages', 1);
  positiveInt('maxSamples', 2);
  if (options.reportFolds !== undefined && typeof options.reportFolds !== 'boolean') throw new OptionError(`image-classifier option reportFolds must be true or false, got ${JSON.stringify(options.reportFolds)}`);
  if (options.reportFolds === true && (options.folds ?? 1) < 2) throw new OptionError(`image-classifier option reportFolds needs folds ≥ 2 (K-fold cross-validation), got folds ${options.folds ?? 1}`);
  positiveInt('inferenceBatchSize', 1);
  if (options.valFraction !== undefined && !(typeof options.valFraction === 'number' && options.valFraction > 0 && options.valFraction < 1)) {
    throw new OptionError(`image-classifier option valFraction must be within (0, 1), got ${JSON.stringify(options.valFraction)}`);
  }
  for (const flag of ['verbose', 'saveModel', 'checkpoints'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new OptionError(`image-classifier option ${flag} must be true or false, got ${JSON.stringify(options[flag])}`);
  }
  if (options.backend !== undefined && !BACKENDS.includes(options.backend)) throw new OptionError(`image-classifier option backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(options.backend)}`);
  if (options.metric !== undefined && !METRICS.includes(options.metric)) throw new OptionError(`image-classifier option metric must be one of ${METRICS.join(', ')}, got ${JSON.stringify(options.metric)}`);
  if (options.metrics !== undefined) {
    checkMeasures(options.metrics, 'metrics');
    if (options.metric !== undefined) throw new OptionError('image-classifier options metric and metrics: give one of them');
    if (options.metrics.length > 1 && options.reportFolds === true) throw new OptionError('image-classifier option reportFolds reports one value per fold; it needs a single metric, got several metrics');
  }
  if (options.constraints !== undefined) checkMeasures(options.constraints, 'constraints');
}

/** Splits of the data: one stratified holdout, or K stratified folds (optionally just one). */
export function splitsFor(data: ImageDataset, options: ImageClassifierOptions): Split[] {
  const seed = options.seed ?? 0;
  const folds = options.folds ?? 1;
  if (folds === 1) return [stratifiedHoldout(data.labels, options.valFraction ?? 0.2, seed)];
  const all = stratifiedKFold(data.labels, folds, seed);
  if (options.fold === undefined) return all;
  const one = all[options.fold];
  if (one === undefined) throw new OptionError(`image-classifier option fold must be within [0, ${folds - 1}], got ${options.fold}`);
  return [one];
}

/** The images a trial trains on (`maxSamples` of them, when set) and its splits; the data set is read once per process. */
export function dataFor(options: ImageClassifierOptions): { data: ImageDataset; splits: Split[] } {
  const data = subset(loadDataset(options.dataset ?? 'digits'), options.maxSamples, options.seed ?? 0);
  return { data, splits: splitsFor(data, options) };
}

function subset(data: ImageDataset, maxSamples: number | undefined, seed: number): ImageDataset {
  if (maxSamples === undefined || maxSamples >= data.count) return data;
  const keep = stratifiedHoldout(data.labels, maxSamples / data.count, seed + 7919).validation;
  const pixels = data.height * data.width * data.channels;
  const images = data.images instanceof Uint8Array ? new Uint8Array(keep.length * pixels) : new Float32Array(keep.length * pixels);
  keep.forEach((idx, i) => images.set(data.images.subarray(idx * pixels, (idx + 1) * pixels), i * pixels));
  return { ...data, images, count: keep.length, labels: Int32Array.from(keep, (i) => data.labels[i] as number) };
}

/**
 * The built-in image trainer as an objective: trains a small ResNet with the trial's
 * hyperparameters (names as in search-spaces/image-baseline.yaml; unknown ones ignored),
 * reports `metrics` (or the one `metric`) after every epoch (so pruners can stop it; with
 * `reportFolds`, after every fold instead), and returns the last epoch's values (averaged
 * over folds): one number for one objective, a list for several. `constraints` are set as
 * constraint values when it ends. The first objective's best epoch, the validation
 * metrics, the parameter count, the model's size, the training time and (when timed) the
 * inference time are kept as user attributes. Given a trial directory (a slot's
 * `trial.artifactDir`) it saves the model and a checkpoint per epoch there (see `saveModel`,
 * `checkpoints`), and a resumed trial (`trial.resumeFrom`) goes on from its checkpoint.
 */
export function imageClassifierObjective(options: ImageClassifierOptions = {}): Objective {
  checkOptions(options);
  const metric = options.metric ?? 'val_loss';
  const measures: readonly ImageMeasure[] = options.metrics ?? [metric];
  const primary = measures[0] as ImageMeasure;
  const constraints: readonly ImageMeasure[] = options.constraints ?? [];
  const timeInference = measures.includes('inference_ms') || constraints.includes('inference_ms');
  const epochs = options.epochs ?? 10;
  const seed = options.seed ?? 0;
  const reportFolds = options.reportFolds === true;
  const base: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, width: options.width ?? DEFAULT_TRAIN_CONFIG.width, depth: options.depth ?? DEFAULT_TRAIN_CONFIG.depth };
  // With K folds each fold's model is its own (fold-<k>/), whether one fold runs or all.
  const foldDirs = (options.folds ?? 1) > 1;
  const save = { model: options.saveModel !== false, checkpoints: options.checkpoints !== false && !reportFolds };
  return async (trial: Trial): Promise<number | number[]> => {
    await selectBackend(options.backend ?? 'auto');
    const config = trainConfigFromParams(trial.params, base);
    const { data, splits } = dataFor(options);
    const files = trialFiles(trial);
    trial.setUserAttr('backend', await describeBackend(options.backend ?? 'auto'));
    // The last step this trial will report, so a dashboard can show its progress.
    trial.setUserAttr('max_step', splits.length * epochs - 1);
    let finals: EpochResult[] = [];
    let best: BestEpoch | null = null;
    let imagesPerSecond = 0;
    // A resumed trial (a pausing pruner promoted it) goes on after its checkpoint's epoch; a checkpoint taken at a fold's last epoch starts the next fold.
    let startFold = 0;
    let resume: TrainerState | undefined;
    if (files.resumeFrom !== undefined) {
      const saved = readTrialCheckpoint(files.resumeFrom, epochs, splits.length);
      ({ best, imagesPerSecond } = saved.progress);
      finals = [...saved.progress.finals];
      startFold = finals.length;
      if (finals.length === saved.progress.fold) resume = saved.state;
    }
    for (let f = startFold; f < splits.length; f++) {
      const foldNumber = options.fold ?? f;
      const results = await trainModel(data, splits[f] as Split, config, {
        epochs,
        // The trial's own seed when it has one: re-runs (sodate confirm) differ in initialisation and data order.
        seed: trial.seed ?? seed,
        ...(options.stages !== undefined ? { stages: options.stages } : {}),
        ...(timeInference ? { measureInference: true } : {}),
        ...(options.inferenceBatchSize !== undefined ? { inferenceBatchSize: options.inferenceBatchSize } : {}),
        ...(f === startFold && resume !== undefined ? { resume } : {}),
        onEpoch: async (result, snapshot) => {
          const values = measures.map((m) => measureValue(result, m));
          const value = values[0] as number;
          const step = f * epochs + result.epoch;
          imagesPerSecond = result.imagesPerSecond;
          if (best === null || (lowerIsBetter(primary) ? value < best.value : value > best.value)) best = { value, step, result };
          if (options.verbose) {
            files.log(
              `trial ${trial.number} fold ${foldNumber} epoch ${result.epoch + 1}/${epochs}: train_loss ${result.trainLoss.toFixed(4)} val_loss ${result.validation.loss.toFixed(4)} val_acc ${result.validation.accuracy.toFixed(4)} (${Math.round(result.imagesPerSecond)} img/s)`,
            );
          }
          trial.setUserAttr('epochs_done', step + 1);
          const foldDone = result.epoch === epochs - 1;
          // Files before the report: the report may be the one that stops (or pauses) the trial.
          if (foldDone && save.model && files.dir !== undefined) {
            const dir = foldDirs ? join(files.dir, `fold-${foldNumber}`) : files.dir;
            await saveTrialModel(dir, snapshot, modelMetadata(trial, data, result, foldDirs ? foldNumber : undefined));
          }
          if (save.checkpoints) {
            const progress: TrialProgress = { fold: f, finals: foldDone ? [...finals, result] : finals, best, imagesPerSecond, epochs, folds: splits.length };
            saveTrialCheckpoint(files, progress, snapshot, step);
          }
          // Several objectives: every one at every step, for the pareto pruner (the first is what single-objective pruners read).
          if (!reportFolds) await trial.report(step, values.length === 1 ? value : values);
        },
      });
      const last = results[results.length - 1] as EpochResult;
      finals.push(last);
      // Throws TrialPruned when the wilcoxon pruner says this trial is behind the best one.
      if (reportFolds) await trial.reportFold(foldNumber, measureValue(last, primary));
    }
    if (save.checkpoints) removeTrialCheckpoint(files);
    const mean = (pick: (r: EpochResult) => number): number => finals.reduce((a, r) => a + pick(r), 0) / finals.length;
    const values = measures.map((m) => mean((r) => measureValue(r, m)));
    trial.setUserAttr('val_loss', mean((r) => r.validation.loss));
    trial.setUserAttr('val_accuracy', mean((r) => r.validation.accuracy));
    trial.setUserAttr('val_f1', mean((r) => r.validation.macroF1));
    trial.setUserAttr('train_images_per_second', Math.round(imagesPerSecond));
    trial.setUserAttr('params', mean((r) => measureValue(r, 'params')));
    trial.setUserAttr('model_mb', mean((r) => measureValue(r, 'model_mb')));
    trial.setUserAttr('train_seconds', mean((r) => measureValue(r, 'train_seconds')));
    if (timeInference) trial.setUserAttr('inference_ms', mean((r) => measureValue(r, 'inference_ms')));
    const bestSeen = best as BestEpoch | null;
    if (bestSeen !== null) {
      trial.setUserAttr(`best_${primary}`, bestSeen.value);
      trial.setUserAttr('best_step', bestSeen.step);
      trial.setUserAttr('best_val_accuracy', bestSeen.result.validation.accuracy);
    }
    const binary = (finals[finals.length - 1] as EpochResult).validation.binary;
    if (binary !== undefined) {
      trial.setUserAttr('threshold_optimized', binary.optimizedThreshold);
      trial.setUserAttr('threshold_optimized_f1', binary.optimizedF1);
      trial.setUserAttr('threshold_percentile', binary.percentileThreshold);
      trial.setUserAttr('threshold_percentile_f1', binary.percentileF1);
    }
    for (const name of constraints) trial.setConstraint(name, mean((r) => measureValue(r, name)));
    return values.length === 1 ? (values[0] as number) : values;
  };
}

/** What model.json's metadata says about the saved model: its trial, fold, epoch, classes and validation metrics. */
function modelMetadata(trial: Trial, data: ImageDataset, result: EpochResult, fold: number | undefined): Record<string, JsonValue> {
  return {
    trial: trial.number,
    ...(fold === undefined ? {} : { fold }),
    epoch: result.epoch,
    input: `images [N, ${data.height}, ${data.width}, ${data.channels}], float32, in the data set's stored values (0-255 for 8-bit images)`,
    output: 'class probabilities [N, classes]',
    classNames: [...data.classNames],
    validation: { loss: result.validation.loss, accuracy: result.validation.accuracy, macroF1: result.validation.macroF1 },
  };
}

/**
 * The objective of a space file's `objective.options` (what `loadObjective`, the built-in's
 * factory, gives sodate once the data set and backend are checked): what to return and which
 * constraint values to set come from its `metrics:` and `constraints:` (see measuresFromStudy).
 */
export function createObjective(options: Readonly<Record<string, unknown>> = {}, study?: BuiltinStudy): Objective {
  return imageClassifierObjective({ ...options, ...measuresFromStudy(options, study) } as ImageClassifierOptions);
}

/**
 * What the options name must exist before any trial runs: the data set (read once per
 * process, as trials read it; its split checked) and the backend. A missing file or an
 * uninstalled backend would fail every trial alike; thrown from the factory, it stops the
 * study at its first trial instead (SODATE_OBJECTIVE_LOAD).
 */
export async function checkDataAndBackend(options: ImageClassifierOptions): Promise<void> {
  try {
    loadDataset(options.dataset ?? 'digits');
  } catch (error) {
    if (error instanceof DataError) throw new DataError(`image-classifier option dataset: ${errorMessage(error)}`);
    throw error;
  }
  dataFor(options);
  await selectBackend(options.backend ?? 'auto');
}

/**
 * The factory sodate calls for `{ builtin: image-classifier }` (package.json's "sodate":
 * { factory }): `createObjective`, once the data set and the backend are known to work.
 */
export async function loadObjective(options: Readonly<Record<string, unknown>> = {}, study?: BuiltinStudy): Promise<Objective> {
  const objective = createObjective(options, study);
  await checkDataAndBackend({ ...options, ...measuresFromStudy(options, study) } as ImageClassifierOptions);
  return objective;
}
