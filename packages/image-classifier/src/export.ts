import * as tf from '@tensorflow/tfjs';
import type { ResNet } from './model.js';
import { BN_EPSILON } from './model.js';

/**
 * What the trainer does to the stored pixels before the model sees them, per channel:
 * x·scale + shift (scale folds in 1/255 for uint8 images and 1/std of the training split).
 */
export interface InputNormalization {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

type Shape = (number | null)[];

/**
 * GeM pooling, (mean over H×W of max(x, 1e-6)^p)^(1/p): the one layer of an exported model
 * that Keras lacks. Importing this package registers it, which `tf.loadLayersModel` of a
 * model trained with `pool: gem` needs.
 */
export class GeMPooling2D extends tf.layers.Layer {
  static readonly className = 'SodateGeMPooling2D';
  readonly p: number;

  constructor(args: { p: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.p = args.p;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0] ?? null, shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.tidy(() => tf.pow(tf.mean(tf.pow(tf.maximum(x, 1e-6), this.p), [1, 2]), 1 / this.p));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), p: this.p };
  }
}
tf.serialization.registerClass(GeMPooling2D);

/**
 * The model as a Keras-style tf.LayersModel for inference, with the weights and running
 * statistics that `model.state()` holds now: images [N, H, W, C] in the stored pixel values
 * (0–255 for uint8 data, the .npy's values for float data) in, class probabilities out.
 * Drop-path and dropout are identities at inference and are left out. The caller disposes it.
 */
export function toLayersModel(model: ResNet, input: InputNormalization): tf.LayersModel {
  const state = model.state();
  const values = (name: string): Float32Array => {
    const v = state.get(name);
    if (v === undefined) throw new Error(`export: the model has no array ${name}`);
    return v;
  };
  const param = (name: string): tf.Tensor => {
    const p = model.params.get(name);
    if (p === undefined) throw new Error(`export: the model has no parameter ${name}`);
    return tf.tensor(p.values, p.variable.shape);
  };
  // Weights are set once the graph is built: a layer has no variables before it is applied.
  const pending: [tf.layers.Layer, () => tf.Tensor[]][] = [];
  const [height, width, channels] = model.config.inputShape;

  const images = tf.input({ shape: [height, width, channels], name: 'images' });
  const normalize = tf.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 1, useBias: true, name: 'normalize' });
  pending.push([normalize, () => [tf.tensor4d(input.scale, [1, 1, channels, 1]), tf.tensor1d(input.shift)]]);
  const conv = (name: string, x: tf.SymbolicTensor, stride: number): tf.SymbolicTensor => {
    const shape = (model.params.get(name)?.variable.shape ?? []) as number[];
    const layer = tf.layers.conv2d({ filters: shape[3] as number, kernelSize: shape[0] as number, strides: stride, padding: 'same', useBias: false, name });
    pending.push([layer, () => [param(name)]]);
    return layer.apply(x) as tf.SymbolicTensor;
  };
  const norm = (name: string, x: tf.SymbolicTensor): tf.SymbolicTensor => {
    const layer = tf.layers.batchNormalization({ axis: -1, epsilon: BN_EPSILON, name });
    pending.push([layer, () => [param(`${name}.gamma`), param(`${name}.beta`), tf.tensor1d(values(`${name}.running_mean`)), tf.tensor1d(values(`${name}.running_var`))]]);
    return layer.apply(x) as tf.SymbolicTensor;
  };
  const relu = (name: string, x: tf.SymbolicTensor): tf.SymbolicTensor => tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;

  let h = relu('stem.relu', norm('stem.bn', conv('stem', normalize.apply(images) as tf.SymbolicTensor, 1)));
  for (const block of model.blocks) {
    let branch = relu(`${block.name}.relu1`, norm(`${block.name}.bn1`, conv(`${block.name}.conv1`, h, block.stride)));
    branch = norm(`${block.name}.bn2`, conv(`${block.name}.conv2`, branch, 1));
    const shortcut = model.params.has(`${block.name}.proj`) ? norm(`${block.name}.proj.bn`, conv(`${block.name}.proj`, h, block.stride)) : h;
    h = relu(`${block.name}.relu2`, tf.layers.add({ name: `${block.name}.add` }).apply([branch, shortcut]) as tf.SymbolicTensor);
  }
  const { pool, gemP, headBatchNorm, headHidden, numClasses } = model.config;
  const pooling = pool === 'gem' ? new GeMPooling2D({ p: gemP, name: 'pool' }) : pool === 'max' ? tf.layers.globalMaxPooling2d({ name: 'pool' }) : tf.layers.globalAveragePooling2d({ name: 'pool' });
  let features = pooling.apply(h) as tf.SymbolicTensor;
  if (headBatchNorm) features = norm('head.bn', features);
  const dense = (name: string, x: tf.SymbolicTensor, units: number, activation: 'relu' | 'softmax'): tf.SymbolicTensor => {
    const layer = tf.layers.dense({ units, activation, name });
    pending.push([layer, () => [param(`${name}.w`), param(`${name}.b`)]]);
    return layer.apply(x) as tf.SymbolicTensor;
  };
  if (headHidden > 0) features = dense('head.hidden', features, headHidden, 'relu');
  const probabilities = dense('head.fc', features, numClasses, 'softmax');

  const exported = tf.model({ inputs: images, outputs: probabilities, name: 'sodate_resnet' });
  // setWeights assigns the tensors' data to the layers' variables; tidy drops the tensor objects.
  tf.tidy(() => {
    for (const [layer, weights] of pending) layer.setWeights(weights());
  });
  return exported;
}
