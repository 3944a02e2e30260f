import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

export interface MixConfig {
  /** Beta(α, α) for mixup; 0 turns mixup off. */
  readonly mixupAlpha: number;
  /** Probability that a batch uses cutmix (λ ~ Beta(1, 1)) instead of mixup. */
  readonly cutmixProb: number;
}

export interface MixedBatch {
  readonly x: tf.Tensor4D;
  /** Soft targets [B, K]. */
  readonly y: tf.Tensor2D;
  /** Weight of the original sample in the mix (1 when nothing was mixed). */
  readonly lambda: number;
  readonly kind: 'none' | 'mixup' | 'cutmix';
}

/** x·λ + x[perm]·(1 − λ), and the same for the targets. */
export function mixup(x: tf.Tensor4D, y: tf.Tensor2D, perm: Int32Array, lambda: number): MixedBatch {
  return tf.tidy(() => {
    const p = tf.tensor1d(perm, 'int32');
    const xs = tf.add(tf.mul(x, lambda), tf.mul(tf.gather(x, p), 1 - lambda));
    const ys = tf.add(tf.mul(y, lambda), tf.mul(tf.gather(y, p), 1 - lambda));
    return { x: xs as tf.Tensor4D, y: ys as tf.Tensor2D, lambda, kind: 'mixup' as const };
  });
}

/** The box a cutmix pastes for a drawn λ: side ratio √(1 − λ), centre uniform, clipped to the image. */
export function cutmixBox(height: number, width: number, lambda: number, rng: Rng): { y0: number; y1: number; x0: number; x1: number } {
  const ratio = Math.sqrt(1 - lambda);
  const ch = Math.floor(height * ratio);
  const cw = Math.floor(width * ratio);
  const cy = rng.int(height);
  const cx = rng.int(width);
  return {
    y0: Math.max(0, cy - Math.floor(ch / 2)),
    y1: Math.min(height, cy + Math.ceil(ch / 2)),
    x0: Math.max(0, cx - Math.floor(cw / 2)),
    x1: Math.min(width, cx + Math.ceil(cw / 2)),
  };
}

/** Paste box from x[perm]; targets mix by the pasted area exactly. */
export function cutmix(x: tf.Tensor4D, y: tf.Tensor2D, perm: Int32Array, box: { y0: number; y1: number; x0: number; x1: number }): MixedBatch {
  const [, height, width] = x.shape;
  const area = (box.y1 - box.y0) * (box.x1 - box.x0);
  const lambda = 1 - area / (height * width);
  return tf.tidy(() => {
    const mask = new Float32Array(height * width);
    for (let r = box.y0; r < box.y1; r++) mask.fill(1, r * width + box.x0, r * width + box.x1);
    const m = tf.tensor4d(mask, [1, height, width, 1]);
    const p = tf.tensor1d(perm, 'int32');
    const xs = tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(tf.gather(x, p), m));
    const ys = tf.add(tf.mul(y, lambda), tf.mul(tf.gather(y, p), 1 - lambda));
    return { x: xs as tf.Tensor4D, y: ys as tf.Tensor2D, lambda, kind: 'cutmix' as const };
  });
}

/** Per batch, as timm does: cutmix with probability cutmixProb, else mixup when α > 0, else nothing. */
export function mixBatch(x: tf.Tensor4D, y: tf.Tensor2D, config: MixConfig, rng: Rng): MixedBatch {
  const batch = x.shape[0];
  const useCutmix = config.cutmixProb > 0 && rng.next() < config.cutmixProb;
  if (!useCutmix && !(config.mixupAlpha > 0)) return { x: tf.clone(x), y: tf.clone(y), lambda: 1, kind: 'none' };
  const perm = Int32Array.from({ length: batch }, (_, i) => i);
  rng.shuffle(perm);
  if (useCutmix) {
    const [, height, width] = x.shape;
    return cutmix(x, y, perm, cutmixBox(height, width, rng.beta(1, 1), rng));
  }
  return mixup(x, y, perm, rng.beta(config.mixupAlpha, config.mixupAlpha));
}
