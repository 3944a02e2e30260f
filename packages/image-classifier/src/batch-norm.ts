import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN } from './native-kernels/index.js';

export interface BatchNormOutput<T extends tf.Tensor> {
  readonly y: T;
  /** Batch mean and (biased) variance, kept for the running statistics: the caller disposes them. */
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

/**
 * Σ over every axis but the channels. wasm reduces outer axes slowly (a transpose first), and
 * a GEMM with a row of ones would pack the big operand as weights on every call; a global
 * average pool (XNNPACK) leaves only a small [B, C] sum.
 */
function channelSums(x: tf.Tensor): tf.Tensor1D {
  if (x.rank !== 4) return tf.sum(x, Array.from({ length: x.rank - 1 }, (_, i) => i));
  const [, h, w] = x.shape as [number, number, number, number];
  const pooled = h * w === 1 ? x : tf.avgPool(x as tf.Tensor4D, [h, w], 1, 'valid');
  return tf.mul(tf.sum(pooled, [0, 1, 2]), h * w);
}

/**
 * Training-mode batch norm over every axis but the last, with its analytic gradient:
 *
 *   x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ·x̂ + β = x·a + (β − μ·a), a = γ·r
 *   dβ = Σ dy, dγ = Σ dy·x̂ = r·(Σ dy·x − μ·dβ)
 *   dx = γ·r/N · (N·dy − dβ − x̂·dγ) = dy·a + x·(−a·r·dγ/N) + (a/N)·(μ·r·dγ − dβ)
 *
 * Every full-size op is a multiply or an add by a per-channel vector, and every reduction a
 * global average pool: tfjs's FusedBatchNorm gradient (with tf.moments') costs a dozen more ops, a Tile of
 * the input and reductions over outer axes, all slow on the wasm backend. Where sodate's native
 * kernels are registered, the same math runs as two fused kernels instead.
 */
export function batchNormTrain<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormOutput<T> {
  // sodate's native kernel, where the backend has it: one pass forward, one backward.
  if (tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined) {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon }) as [T, tf.Tensor1D, tf.Tensor1D];
    return { y, mean: tf.keep(mean), variance: tf.keep(variance) };
  }
  const channels = x.shape[x.rank - 1] as number;
  const n = x.size / channels;
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const mu = tf.div(channelSums(xIn), n) as tf.Tensor1D;
    const meanSquare = tf.div(channelSums(tf.square(xIn)), n);
    const sigma2 = tf.relu(tf.sub(meanSquare, tf.square(mu))) as tf.Tensor1D;
    mean = tf.keep(mu);
    variance = tf.keep(sigma2);
    const r = tf.rsqrt(tf.add(sigma2, epsilon));
    const a = tf.mul(g, r);
    const shift = tf.sub(b, tf.mul(mu, a));
    save([xIn, mu, r, a]);
    return {
      value: tf.add(tf.mul(xIn, a), shift),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mus, rs, as] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const dBeta = channelSums(dy);
        const dyx = channelSums(tf.mul(dy, xs));
        const dGamma = tf.mul(rs, tf.sub(dyx, tf.mul(mus, dBeta)));
        const xScale = tf.div(tf.mul(tf.mul(as, rs), tf.neg(dGamma)), n);
        const constant = tf.mul(tf.div(as, n), tf.sub(tf.mul(tf.mul(mus, rs), dGamma), dBeta));
        const dx = tf.add(tf.add(tf.mul(dy, as), tf.mul(xs, xScale)), constant);
        return [dx, dGamma, dBeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta) as T;
  return { y, mean: mean as unknown as tf.Tensor1D, variance: variance as unknown as tf.Tensor1D };
}
