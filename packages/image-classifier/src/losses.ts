import * as tf from '@tensorflow/tfjs';

export interface LossConfig {
  /** ε: targets become t·(1 − ε) + ε/K. */
  readonly labelSmoothing: number;
  /** 'focal' scales each class term by (1 − p)^γ. */
  readonly loss: 'ce' | 'focal';
  readonly focalGamma: number;
  /** Per-class weights [K]; a sample weighs Σ_k t_k·w_k. Null: all 1. */
  readonly classWeights: Float32Array | null;
}

/** Weights N / (K · n_k): classes count as if balanced. */
export function balancedClassWeights(labels: Int32Array, numClasses: number): Float32Array {
  const counts = new Float64Array(numClasses);
  for (const l of labels) counts[l] = (counts[l] as number) + 1;
  return Float32Array.from(counts, (n) => (n > 0 ? labels.length / (numClasses * n) : 0));
}

/**
 * Mean loss of logits [B, K] against soft targets [B, K]: cross-entropy (or focal loss) with
 * label smoothing and class weights; a weighted mean when weights are given.
 */
export function softTargetLoss(logits: tf.Tensor2D, targets: tf.Tensor2D, config: LossConfig): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    let t: tf.Tensor2D = targets;
    if (config.labelSmoothing > 0) t = tf.add(tf.mul(t, 1 - config.labelSmoothing), config.labelSmoothing / k);
    const logp = tf.logSoftmax(logits);
    let terms = tf.mul(t, logp);
    if (config.loss === 'focal' && config.focalGamma > 0) terms = tf.mul(terms, tf.pow(tf.sub(1, tf.exp(logp)), config.focalGamma));
    const perSample = tf.neg(tf.sum(terms, 1));
    if (config.classWeights === null) return tf.mean(perSample) as tf.Scalar;
    const w = tf.sum(tf.mul(targets, tf.tensor1d(config.classWeights)), 1);
    return tf.div(tf.sum(tf.mul(perSample, w)), tf.sum(w)) as tf.Scalar;
  });
}
