import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from './batch-norm.js';
import type { Rng } from './rng.js';

export type Pooling = 'avg' | 'max' | 'gem';

export interface ModelConfig {
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Channels of the first stage; each later stage doubles them. Default 32. */
  readonly width: number;
  /** Residual blocks per stage. Default 1. */
  readonly depth: number;
  /** Stages (each after the first halves the resolution). Default: 3, fewer for tiny images. */
  readonly stages: number;
  /** Stochastic depth: drop rate of the last block, linear from 0 at the first. Default 0. */
  readonly dropPathRate: number;
  /** Global pooling of the head. Default 'avg'. */
  readonly pool: Pooling;
  /** GeM exponent. Default 3. */
  readonly gemP: number;
  /** Batch norm on the pooled features. Default false. */
  readonly headBatchNorm: boolean;
  /** Dropout before the classifier. Default 0. */
  readonly headDropout: number;
  /** Width of a hidden ReLU layer in the head; 0 for none. Default 0. */
  readonly headHidden: number;
}

export type ParamGroup = 'backbone' | 'head';

export interface ResidualBlock {
  readonly name: string;
  readonly stride: number;
  readonly inC: number;
  readonly outC: number;
  readonly dropRate: number;
}

export interface Param {
  readonly variable: tf.Variable;
  /**
   * The master copy of the weights, updated in place by the optimizer (in JS: one pass
   * over a Float32Array instead of a dozen tensor ops per variable), then uploaded by `sync`.
   */
  readonly values: Float32Array;
  readonly group: ParamGroup;
  /** Weight decay applies to conv and dense kernels, not to norms and biases. */
  readonly decay: boolean;
}

interface BatchNormState {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  /** Running statistics, kept in JS and uploaded for evaluation. */
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

const BN_MOMENTUM = 0.1;
/** The batch-norm epsilon, also given to an exported model's BatchNormalization layers. */
export const BN_EPSILON = 1e-5;

/**
 * A small ResNet (basic blocks, batch norm, ReLU) in NHWC with a configurable head. Written
 * on tf variables so that the trainer controls every step: drop-path per sample, decoupled
 * weight decay per group, EMA of every weight and statistic.
 */
export class ResNet {
  readonly config: ModelConfig;
  readonly params = new Map<string, Param>();
  private readonly norms = new Map<string, BatchNormState>();
  /** The residual blocks in order (names prefix their parameters), for an export of the model. */
  readonly blocks: ResidualBlock[] = [];
  /** Batch statistics of the last training forward pass, applied by `commitBatchStats`. */
  private pendingStats: { name: string; mean: tf.Tensor; variance: tf.Tensor; count: number }[] = [];

  constructor(config: ModelConfig, rng: Rng) {
    this.config = config;
    // Variables outlive tidy; the initial-value tensors they were made from do not need to.
    tf.tidy(() => this.build(rng));
  }

  private build(rng: Rng): void {
    const config = this.config;
    const [, , inC] = config.inputShape;
    this.conv('stem', 3, inC, config.width, rng);
    this.bn('stem.bn', config.width, 1);
    let channels = config.width;
    const total = config.stages * config.depth;
    let index = 0;
    for (let s = 0; s < config.stages; s++) {
      const outC = config.width * 2 ** s;
      for (let d = 0; d < config.depth; d++) {
        const name = `s${s}.b${d}`;
        const stride = s > 0 && d === 0 ? 2 : 1;
        this.conv(`${name}.conv1`, 3, channels, outC, rng);
        this.bn(`${name}.bn1`, outC, 1);
        this.conv(`${name}.conv2`, 3, outC, outC, rng);
        // Zero-initialised last norm: each block starts as the identity.
        this.bn(`${name}.bn2`, outC, 0);
        if (stride !== 1 || channels !== outC) {
          this.conv(`${name}.proj`, 1, channels, outC, rng);
          this.bn(`${name}.proj.bn`, outC, 1);
        }
        const dropRate = total > 1 ? (config.dropPathRate * index) / (total - 1) : config.dropPathRate;
        this.blocks.push({ name, stride, inC: channels, outC, dropRate });
        channels = outC;
        index++;
      }
    }
    if (config.headBatchNorm) this.bn('head.bn', channels, 1, 'head');
    let features = channels;
    if (config.headHidden > 0) {
      this.dense('head.hidden', features, config.headHidden, rng);
      features = config.headHidden;
    }
    this.dense('head.fc', features, config.numClasses, rng);
  }

  /** Trainable variables, in a fixed order. */
  trainable(): tf.Variable[] {
    return [...this.params.values()].map((p) => p.variable);
  }

  /** Every array that defines the model for inference: weights and running statistics (live views). */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, p] of this.params) out.set(name, p.values);
    for (const [name, n] of this.norms) {
      out.set(`${name}.running_mean`, n.mean);
      out.set(`${name}.running_var`, n.variance);
    }
    return out;
  }

  /** Set every array of `state()` from a saved copy of the same model, and upload the weights. */
  load(saved: ReadonlyMap<string, Float32Array>): void {
    for (const [name, values] of this.state()) {
      const from = saved.get(name);
      if (from?.length !== values.length) throw new Error(`model state: ${name} has ${from?.length ?? 'no'} values, the model ${values.length}`);
      values.set(from);
    }
    this.sync();
  }

  /** Upload the master weights into the variables (after an optimizer step or a state swap). */
  sync(): void {
    // The variable takes a reference to the new data; tidy drops the temporary tensor objects.
    tf.tidy(() => {
      for (const p of this.params.values()) p.variable.assign(tf.tensor(p.values, p.variable.shape));
    });
  }

  /**
   * Logits for a batch x [B, H, W, C]. In training, batch statistics normalise and are kept
   * for `commitBatchStats`; drop-path masks come from `rng`.
   */
  forward(x: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    const batch = x.shape[0];
    let h = tf.relu(this.norm('stem.bn', this.convApply('stem', x, 1), training));
    for (const block of this.blocks) {
      let branch = tf.relu(this.norm(`${block.name}.bn1`, this.convApply(`${block.name}.conv1`, h, block.stride), training));
      branch = this.norm(`${block.name}.bn2`, this.convApply(`${block.name}.conv2`, branch, 1), training);
      if (training && block.dropRate > 0 && rng !== undefined) branch = tf.mul(branch, dropPathMask(batch, block.dropRate, rng)) as tf.Tensor4D;
      const shortcut = this.params.has(`${block.name}.proj`) ? this.norm(`${block.name}.proj.bn`, this.convApply(`${block.name}.proj`, h, block.stride), training) : h;
      h = tf.relu(tf.add(branch, shortcut)) as tf.Tensor4D;
    }
    let features = this.pool(h);
    if (this.config.headBatchNorm) features = this.norm('head.bn', features, training);
    if (this.config.headHidden > 0) {
      if (training && this.config.headDropout > 0) features = tf.dropout(features, this.config.headDropout, undefined, rng?.fork()) as tf.Tensor2D;
      features = tf.relu(this.denseApply('head.hidden', features));
    }
    if (training && this.config.headDropout > 0) features = tf.dropout(features, this.config.headDropout, undefined, rng?.fork()) as tf.Tensor2D;
    return this.denseApply('head.fc', features);
  }

  /**
   * Move running means/variances toward the last training batch's statistics (the
   * variance unbiased by N/(N − 1), as PyTorch does).
   */
  commitBatchStats(): void {
    for (const { name, mean, variance, count } of this.pendingStats) {
      const n = this.norms.get(name) as BatchNormState;
      const m = mean.dataSync();
      const v = variance.dataSync();
      const unbias = count > 1 ? count / (count - 1) : 1;
      for (let i = 0; i < n.mean.length; i++) {
        n.mean[i] = (1 - BN_MOMENTUM) * (n.mean[i] as number) + BN_MOMENTUM * (m[i] as number);
        n.variance[i] = (1 - BN_MOMENTUM) * (n.variance[i] as number) + BN_MOMENTUM * (v[i] as number) * unbias;
      }
    }
    this.discardBatchStats();
  }

  discardBatchStats(): void {
    for (const s of this.pendingStats) tf.dispose([s.mean, s.variance]);
    this.pendingStats = [];
  }

  dispose(): void {
    this.discardBatchStats();
    for (const p of this.params.values()) p.variable.dispose();
    this.params.clear();
    this.norms.clear();
  }

  parameterCount(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.variable.size;
    return n;
  }

  private pool(h: tf.Tensor): tf.Tensor2D {
    switch (this.config.pool) {
      case 'max':
        return tf.max(h, [1, 2]) as tf.Tensor2D;
      case 'gem': {
        const p = this.config.gemP;
        return tf.pow(tf.mean(tf.pow(tf.maximum(h, 1e-6), p), [1, 2]), 1 / p) as tf.Tensor2D;
      }
      default:
        return tf.mean(h, [1, 2]) as tf.Tensor2D;
    }
  }

  private norm<T extends tf.Tensor>(name: string, x: T, training: boolean): T {
    const n = this.norms.get(name) as BatchNormState;
    if (!training) return tf.batchNorm(x, tf.tensor1d(n.mean), tf.tensor1d(n.variance), n.beta, n.gamma, BN_EPSILON) as T;
    const out = batchNormTrain(x, n.gamma as tf.Variable<tf.Rank.R1>, n.beta as tf.Variable<tf.Rank.R1>, BN_EPSILON);
    this.pendingStats.push({ name, mean: out.mean, variance: out.variance, count: x.size / (x.shape[x.rank - 1] as number) });
    return out.y;
  }

  private convApply(name: string, x: tf.Tensor4D, stride: number): tf.Tensor4D {
    const w = (this.params.get(name) as Param).variable as tf.Variable<tf.Rank.R4>;
    return tf.conv2d(x, w, stride, 'same');
  }

  private denseApply(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const w = (this.params.get(`${name}.w`) as Param).variable as tf.Variable<tf.Rank.R2>;
    const b = (this.params.get(`${name}.b`) as Param).variable;
    return tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  }

  private conv(name: string, k: number, inC: number, outC: number, rng: Rng): void {
    // He normal, fan-in.
    const std = Math.sqrt(2 / (k * k * inC));
    const values = Float32Array.from({ length: k * k * inC * outC }, () => rng.normal() * std);
    this.params.set(name, { variable: tf.variable(tf.tensor4d(values, [k, k, inC, outC]), true), values, group: 'backbone', decay: true });
  }

  private dense(name: string, inF: number, outF: number, rng: Rng): void {
    const limit = Math.sqrt(6 / (inF + outF));
    const values = Float32Array.from({ length: inF * outF }, () => rng.uniform(-limit, limit));
    this.params.set(`${name}.w`, { variable: tf.variable(tf.tensor2d(values, [inF, outF]), true), values, group: 'head', decay: true });
    const bias = new Float32Array(outF);
    this.params.set(`${name}.b`, { variable: tf.variable(tf.tensor1d(bias), true), values: bias, group: 'head', decay: false });
  }

  private bn(name: string, channels: number, gammaInit: number, group: ParamGroup = 'backbone'): void {
    const gammaValues = new Float32Array(channels).fill(gammaInit);
    const betaValues = new Float32Array(channels);
    const gamma = tf.variable(tf.tensor1d(gammaValues), true);
    const beta = tf.variable(tf.tensor1d(betaValues), true);
    this.params.set(`${name}.gamma`, { variable: gamma, values: gammaValues, group, decay: false });
    this.params.set(`${name}.beta`, { variable: beta, values: betaValues, group, decay: false });
    this.norms.set(name, { gamma, beta, mean: new Float32Array(channels), variance: new Float32Array(channels).fill(1) });
  }
}

/** Per-sample keep mask, scaled by 1/keep so that the expectation is unchanged. */
export function dropPathMask(batch: number, rate: number, rng: Rng): tf.Tensor4D {
  const keep = 1 - rate;
  const values = Float32Array.from({ length: batch }, () => (rng.next() < keep ? 1 / keep : 0));
  return tf.tensor4d(values, [batch, 1, 1, 1]);
}

/** Stages for an input of this size: at most 3, and the last at least 2×2. */
export function defaultStages(height: number, width: number): number {
  const side = Math.min(height, width);
  return Math.max(1, Math.min(3, Math.floor(Math.log2(side / 2)) + 1));
}
