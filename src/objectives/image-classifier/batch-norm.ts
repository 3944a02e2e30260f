import * as tf from '@tensorflow/tfjs';

export interface BatchNormOutput<T extends tf.Tensor> {
  readonly y: T;
  /** Batch mean and (biased) variance, kept for the running statistics: the caller disposes them. */
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

/** Σ over every row of a [N, C] matrix, as a GEMM with a row of ones (wasm reduces outer axes slowly). */
function columnSums(x2d: tf.Tensor2D, ones: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(ones, x2d), [x2d.shape[1]]);
}

/**
 * Training-mode batch norm over every axis but the last, with its analytic gradient:
 *
 *   x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ·x̂ + β = x·a + (β − μ·a), a = γ·r
 *   dβ = Σ dy, dγ = Σ dy·x̂ = r·(Σ dy·x − μ·dβ)
 *   dx = γ·r/N · (N·dy − dβ − x̂·dγ) = dy·a + x·(−a·r·dγ/N) + (a/N)·(μ·r·dγ − dβ)
 *
 * Every full-size op is a multiply or an add by a per-channel vector, and every reduction a
 * GEMM: tfjs's FusedBatchNorm gradient (with tf.moments') costs a dozen more ops, a Tile of
 * the input and reductions over outer axes, all slow on the wasm backend.
 */
export function batchNormTrain<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormOutput<T> {
  const channels = x.shape[x.rank - 1] as number;
  const n = x.size / channels;
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const ones = tf.ones([1, n]) as tf.Tensor2D;
    const x2d = tf.reshape(xIn, [n, channels]) as tf.Tensor2D;
    const mu = tf.div(columnSums(x2d, ones), n) as tf.Tensor1D;
    const meanSquare = tf.div(columnSums(tf.square(x2d), ones), n);
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
        const onesB = tf.ones([1, n]) as tf.Tensor2D;
        const dy2d = tf.reshape(dy, [n, channels]) as tf.Tensor2D;
        const dBeta = columnSums(dy2d, onesB);
        const dyx = columnSums(tf.mul(dy2d, tf.reshape(xs, [n, channels])) as tf.Tensor2D, onesB);
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
