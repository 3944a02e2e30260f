import * as tf from '@tensorflow/tfjs';
import { augmentBatch } from './augment.js';
import type { TrainConfig } from './config.js';
import type { ImageDataset } from './data/dataset.js';
import type { Split } from './data/split.js';
import type { EmaState } from './ema.js';
import { WeightEma } from './ema.js';
import type { InputNormalization } from './export.js';
import { toLayersModel } from './export.js';
import type { LossConfig } from './losses.js';
import { balancedClassWeights, softTargetLoss } from './losses.js';
import type { ClassificationMetrics } from './metrics.js';
import { classificationMetrics } from './metrics.js';
import { mixBatch } from './mix.js';
import type { Pooling } from './model.js';
import { defaultStages, ResNet } from './model.js';
import type { Optimizer, OptimizerState } from './optimizers.js';
import { AdamW, Sgd } from './optimizers.js';
import { Rng } from './rng.js';
import { warmupCosine } from './schedule.js';

export interface EpochResult {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validation: ClassificationMetrics;
  /** Training throughput of this epoch (augmentation and update included, evaluation not). */
  readonly imagesPerSecond: number;
  readonly seconds: number;
  /** Training seconds of this run up to and including this epoch (evaluation and inference timing not). */
  readonly trainSecondsSoFar: number;
  /** Forward milliseconds per image (see `measureInference`), the latest measurement; undefined when not timed. */
  readonly inferenceMs?: number;
  readonly trainableParams: number;
  /** Bytes of the float32 weights and batch-norm statistics: what a checkpoint of the model holds. */
  readonly modelBytes: number;
}

export interface TrainOptions {
  readonly epochs: number;
  readonly seed: number;
  /** Model stages; default from the image size. */
  readonly stages?: number;
  /**
   * Called after each epoch's validation, with what a checkpoint or an export of the model
   * needs (valid during the call only); may throw (e.g. TrialPruned) to stop training.
   */
  readonly onEpoch?: (result: EpochResult, snapshot: EpochSnapshot) => void | Promise<void>;
  /** Go on from a checkpoint's state (of a run with the same data, split, config and seed) at the epoch after its own. */
  readonly resume?: TrainerState;
  /** Stop after this many optimizer steps in all (tests, benchmarks). */
  readonly maxSteps?: number;
  /** Time inference (`inferenceMs`) after the first and the last epoch. Default false. */
  readonly measureInference?: boolean;
  /** Images per timed forward batch. Default 64 (at most the validation set). */
  readonly inferenceBatchSize?: number;
}

/**
 * Everything a run needs to go on after an epoch as if it had not stopped: the weights and
 * running statistics, the optimizer's moments, the EMA averages, the random generator and the
 * data order (shuffled in place each epoch).
 */
export interface TrainerState {
  /** The last epoch done, from 0. */
  readonly epoch: number;
  /** Optimizer steps done (the learning-rate schedule's position). */
  readonly step: number;
  readonly rng: number;
  readonly order: Int32Array;
  readonly trainSecondsSoFar: number;
  readonly inferenceMs: number | undefined;
  /** `ResNet.state()`: weights and batch-norm running statistics, by name. */
  readonly model: ReadonlyMap<string, Float32Array>;
  readonly optimizer: OptimizerState;
  readonly ema: EmaState | null;
}

/** What `onEpoch` may take from the run after an epoch. */
export interface EpochSnapshot {
  /** The run's state now (copies): what a checkpoint holds. */
  state(): TrainerState;
  /**
   * The model as validated this epoch (its EMA averages when `ema` is on) as a tf.LayersModel
   * taking the stored pixel values (see toLayersModel); the caller disposes it.
   */
  exportModel(): tf.LayersModel;
}

/**
 * Images stay in the JS heap as they were read (uint8: one byte a pixel); each batch is
 * gathered, scaled to [0, 1] and uploaded, then augmented with tensor ops.
 */
export class BatchSource {
  readonly data: ImageDataset;
  private readonly scale: number;
  private readonly pixels: number;

  constructor(data: ImageDataset) {
    this.data = data;
    this.scale = data.images instanceof Uint8Array ? 1 / 255 : 1;
    this.pixels = data.height * data.width * data.channels;
  }

  /** The factor from the stored values to what the model trains on: 1/255 for uint8 images, else 1. */
  get pixelScale(): number {
    return this.scale;
  }

  /** True when values are [0, 1] images, so that augmentations may clip. */
  get bounded(): boolean {
    return this.scale !== 1;
  }

  images(indices: ArrayLike<number>): tf.Tensor4D {
    const { height, width, channels, images } = this.data;
    const out = new Float32Array(indices.length * this.pixels);
    for (let i = 0; i < indices.length; i++) {
      const start = (indices[i] as number) * this.pixels;
      const src = images.subarray(start, start + this.pixels);
      const base = i * this.pixels;
      if (this.scale === 1) out.set(src, base);
      else for (let j = 0; j < this.pixels; j++) out[base + j] = (src[j] as number) * this.scale;
    }
    return tf.tensor4d(out, [indices.length, height, width, channels]);
  }

  oneHot(indices: ArrayLike<number>): tf.Tensor2D {
    const k = this.data.numClasses;
    const out = new Float32Array(indices.length * k);
    for (let i = 0; i < indices.length; i++) out[i * k + (this.data.labels[indices[i] as number] as number)] = 1;
    return tf.tensor2d(out, [indices.length, k]);
  }

  labels(indices: ArrayLike<number>): Int32Array {
    return Int32Array.from(indices as ArrayLike<number>, (i) => this.data.labels[i] as number);
  }

  /** Per-channel mean and standard deviation over `indices`, in the [0, 1] (or raw float) scale. */
  channelStats(indices: ArrayLike<number>): { mean: Float32Array; std: Float32Array } {
    const c = this.data.channels;
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    let n = 0;
    for (let i = 0; i < indices.length; i++) {
      const start = (indices[i] as number) * this.pixels;
      for (let j = 0; j < this.pixels; j++) {
        const v = (this.data.images[start + j] as number) * this.scale;
        sum[j % c] = (sum[j % c] as number) + v;
        sq[j % c] = (sq[j % c] as number) + v * v;
      }
      n += this.pixels / c;
    }
    const mean = Float32Array.from(sum, (s) => s / n);
    const std = Float32Array.from(sq, (s, k) => Math.sqrt(Math.max(s / n - (mean[k] as number) ** 2, 1e-8)));
    return { mean, std };
  }
}

/** Train one model on `split.train`, validating on `split.validation` after every epoch. */
export async function trainModel(data: ImageDataset, split: Split, config: TrainConfig, options: TrainOptions): Promise<EpochResult[]> {
  const source = new BatchSource(data);
  const rng = new Rng(options.seed);
  const model = new ResNet(
    {
      inputShape: [data.height, data.width, data.channels],
      numClasses: data.numClasses,
      width: config.width,
      depth: config.depth,
      stages: options.stages ?? defaultStages(data.height, data.width),
      dropPathRate: config.dropPathRate,
      pool: config.pool as Pooling,
      gemP: config.gemP,
      headBatchNorm: config.headBatchNorm,
      headDropout: config.headDropout,
      headHidden: config.headHidden,
    },
    new Rng(rng.fork()),
  );
  const optimizer: Optimizer =
    config.optimizer === 'sgd'
      ? new Sgd({ momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay })
      : new AdamW({ eps: config.eps, weightDecay: config.weightDecay });
  const ema = config.ema ? new WeightEma(model.state(), config.emaDecay) : null;
  const trainLabels = source.labels(split.train);
  const lossConfig: LossConfig = {
    labelSmoothing: config.labelSmoothing,
    loss: config.lossKind,
    focalGamma: config.focalGamma,
    classWeights: config.classWeighting === 'balanced' ? balancedClassWeights(trainLabels, data.numClasses) : null,
  };
  const stats = source.channelStats(split.train);
  // (x − mean)/std as x·(1/std) + (−mean/std): wasm broadcasts multiply and add fast, subtract slowly.
  const invStd = tf.keep(tf.tensor1d(stats.std.map((s) => 1 / s)));
  const shift = tf.keep(tf.tensor1d(stats.mean.map((m, i) => -m / (stats.std[i] as number))));
  const positiveRate = data.numClasses === 2 ? trainLabels.reduce((a, b) => a + b, 0) / trainLabels.length : undefined;

  const order = Int32Array.from(split.train);
  const batchSize = Math.min(config.batchSize, order.length);
  const stepsPerEpoch = Math.max(1, Math.floor(order.length / batchSize));
  const totalSteps = stepsPerEpoch * options.epochs;
  const warmupSteps = Math.round(config.warmupEpochs * stepsPerEpoch);
  const results: EpochResult[] = [];
  const trainableParams = model.parameterCount();
  let modelBytes = 0;
  for (const values of model.state().values()) modelBytes += values.length * 4;
  let trainSecondsSoFar = 0;
  let inferenceMs: number | undefined;
  let step = 0;
  const resume = options.resume;
  if (resume !== undefined) {
    if (resume.order.length !== order.length) throw new Error(`the checkpoint's data order holds ${resume.order.length} samples, this split trains on ${order.length}`);
    if ((resume.ema === null) !== (ema === null)) throw new Error(`the checkpoint was saved ${resume.ema === null ? 'without' : 'with'} EMA, this run has ema ${ema !== null}`);
    model.load(resume.model);
    optimizer.restore(resume.optimizer);
    if (resume.ema !== null) ema?.restore(resume.ema);
    rng.restoreState(resume.rng);
    order.set(resume.order);
    step = resume.step;
    trainSecondsSoFar = resume.trainSecondsSoFar;
    inferenceMs = resume.inferenceMs;
  }
  const inputNormalization: InputNormalization = {
    scale: stats.std.map((s) => source.pixelScale / s),
    shift: stats.mean.map((m, i) => -m / (stats.std[i] as number)),
  };
  const snapshot: EpochSnapshot = {
    state: (): TrainerState => ({
      epoch: results.length === 0 ? (resume?.epoch ?? -1) : (results[results.length - 1] as EpochResult).epoch,
      step,
      rng: rng.saveState(),
      order: Int32Array.from(order),
      trainSecondsSoFar,
      inferenceMs,
      model: new Map([...model.state()].map(([name, values]) => [name, Float32Array.from(values)])),
      optimizer: optimizer.state(),
      ema: ema?.state() ?? null,
    }),
    // The exported model reads the arrays only: no upload is needed while they hold the averages.
    exportModel: () => (ema === null ? toLayersModel(model, inputNormalization) : ema.withAverages(model.state(), () => {}, () => toLayersModel(model, inputNormalization))),
  };
  try {
    for (let epoch = resume === undefined ? 0 : resume.epoch + 1; epoch < options.epochs; epoch++) {
      const start = performance.now();
      rng.shuffle(order);
      let lossSum = 0;
      let seen = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        if (options.maxSteps !== undefined && step >= options.maxSteps) break;
        const indices = order.subarray(b * batchSize, (b + 1) * batchSize);
        const factor = warmupCosine(step, totalSteps, warmupSteps, config.minLrRatio);
        const rates = { head: config.lr * factor, backbone: config.lr * config.backboneLrScale * factor };
        const { value, grads } = tf.tidy(() => {
          const raw = source.images(indices);
          const augmented = augmentBatch(raw, config.augment, rng, source.bounded);
          const normalized = tf.add(tf.mul(augmented, invStd), shift) as tf.Tensor4D;
          const mixed = mixBatch(normalized, source.oneHot(indices), config.mix, rng);
          return tf.variableGrads(() => softTargetLoss(model.forward(mixed.x, true, rng), mixed.y, lossConfig), model.trainable());
        });
        model.commitBatchStats();
        const gradValues = new Map<string, Float32Array>();
        for (const [name, p] of model.params) {
          const g = grads[p.variable.name];
          if (g !== undefined) gradValues.set(name, g.dataSync() as Float32Array);
        }
        lossSum += value.dataSync()[0] as number;
        tf.dispose([value, ...Object.values(grads)]);
        optimizer.step(model.params, gradValues, rates);
        model.sync();
        ema?.update(model.state());
        seen += indices.length;
        step++;
      }
      const trainSeconds = (performance.now() - start) / 1000;
      trainSecondsSoFar += trainSeconds;
      const stopping = epoch === options.epochs - 1 || (options.maxSteps !== undefined && step >= options.maxSteps);
      const timeInference = options.measureInference === true && (epoch === 0 || stopping);
      // Validation and the inference timing see the model as it would be deployed: with EMA on, its averaged weights.
      const evaluate = (): ClassificationMetrics => {
        const metrics = validate(model, source, split.validation, invStd, shift, positiveRate);
        if (timeInference) inferenceMs = measureInference(model, source, split.validation, invStd, shift, options.inferenceBatchSize ?? 64);
        return metrics;
      };
      const validation = ema === null ? evaluate() : ema.withAverages(model.state(), () => model.sync(), evaluate);
      const result: EpochResult = {
        epoch,
        trainLoss: lossSum / Math.max(1, seen / batchSize),
        validation,
        imagesPerSecond: seen / trainSeconds,
        seconds: (performance.now() - start) / 1000,
        trainSecondsSoFar,
        ...(inferenceMs === undefined ? {} : { inferenceMs }),
        trainableParams,
        modelBytes,
      };
      results.push(result);
      await options.onEpoch?.(result, snapshot);
      if (options.maxSteps !== undefined && step >= options.maxSteps) break;
    }
    return results;
  } finally {
    model.dispose();
    tf.dispose([invStd, shift]);
  }
}

function validate(model: ResNet, source: BatchSource, indices: Int32Array, invStd: tf.Tensor, shift: tf.Tensor, positiveRate: number | undefined): ClassificationMetrics {
  const k = source.data.numClasses;
  const probs = new Float32Array(indices.length * k);
  const chunk = 256;
  for (let i = 0; i < indices.length; i += chunk) {
    const part = indices.subarray(i, i + chunk);
    const p = tf.tidy(() => tf.softmax(model.forward(tf.add(tf.mul(source.images(part), invStd), shift) as tf.Tensor4D, false)));
    probs.set(p.dataSync() as Float32Array, i * k);
    p.dispose();
  }
  return classificationMetrics(probs, source.labels(indices), k, positiveRate);
}

/** Forward batches timed after one untimed warm-up batch. */
export const TIMED_INFERENCE_BATCHES = 5;

/**
 * Forward milliseconds per image: the median over TIMED_INFERENCE_BATCHES batches of
 * `batchSize` validation images (cycling through them), after one warm-up batch that
 * compiles kernels and fills caches. Each timing covers the forward pass, the softmax and
 * reading the probabilities back (which waits for an asynchronous backend such as CUDA);
 * building the input batch is not timed.
 */
export function measureInference(model: ResNet, source: BatchSource, indices: Int32Array, invStd: tf.Tensor, shift: tf.Tensor, batchSize: number): number {
  const size = Math.max(1, Math.min(batchSize, indices.length));
  const perImage: number[] = [];
  for (let b = 0; b <= TIMED_INFERENCE_BATCHES; b++) {
    const part = Int32Array.from({ length: size }, (_, i) => indices[(b * size + i) % indices.length] as number);
    const x = tf.tidy(() => tf.add(tf.mul(source.images(part), invStd), shift) as tf.Tensor4D);
    const started = performance.now();
    const probs = tf.tidy(() => tf.softmax(model.forward(x, false)));
    probs.dataSync();
    const ms = performance.now() - started;
    tf.dispose([x, probs]);
    if (b > 0) perImage.push(ms / size);
  }
  perImage.sort((a, b) => a - b);
  const mid = perImage.length >> 1;
  return perImage.length % 2 === 1 ? (perImage[mid] as number) : ((perImage[mid - 1] as number) + (perImage[mid] as number)) / 2;
}
