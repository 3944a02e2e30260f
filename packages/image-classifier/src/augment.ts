import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

/** Per-sample augmentations, each applied with its own probability. */
export interface AugmentConfig {
  /** Horizontal flip. */
  readonly hflipP: number;
  /** Rotation by a random multiple of 90° (180° only, for non-square images). */
  readonly rot90P: number;
  /** Random shift (±shiftLimit of the side), scale (1 ± scaleLimit), rotation (±rotateLimit°). */
  readonly shiftScaleRotateP: number;
  readonly shiftLimit: number;
  readonly scaleLimit: number;
  readonly rotateLimit: number;
  /** x·α + β with α ∈ 1 ± contrastLimit, β ∈ ±brightnessLimit (of the full range). */
  readonly brightnessContrastP: number;
  readonly brightnessLimit: number;
  readonly contrastLimit: number;
  /** 1..maxHoles rectangles of up to a quarter of each side set to 0. */
  readonly coarseDropoutP: number;
  readonly maxHoles: number;
}

export const NO_AUGMENTATION: AugmentConfig = {
  hflipP: 0,
  rot90P: 0,
  shiftScaleRotateP: 0,
  shiftLimit: 0.0625,
  scaleLimit: 0.1,
  rotateLimit: 15,
  brightnessContrastP: 0,
  brightnessLimit: 0.2,
  contrastLimit: 0.2,
  coarseDropoutP: 0,
  maxHoles: 4,
};

/** Per-sample 0/1 mask [B, 1, 1, 1] of who gets an augmentation; null when nobody does. */
function chosen(batch: number, p: number, rng: Rng): Float32Array | null {
  if (p <= 0) return null;
  const mask = Float32Array.from({ length: batch }, () => (rng.next() < p ? 1 : 0));
  return mask.some((v) => v === 1) ? mask : null;
}

/** x where mask = 0, y where mask = 1 (mask per sample). */
function blend(x: tf.Tensor4D, y: tf.Tensor4D, mask: Float32Array): tf.Tensor4D {
  const m = tf.tensor4d(mask, [mask.length, 1, 1, 1]);
  return tf.add(x, tf.mul(tf.sub(y, x), m));
}

export function hflip(x: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(x, 2);
}

/** Counter-clockwise rotation by k·90°, as numpy.rot90 on the (H, W) axes. */
export function rot90(x: tf.Tensor4D, k: number): tf.Tensor4D {
  switch (((k % 4) + 4) % 4) {
    case 1:
      return tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1);
    case 2:
      return tf.reverse(x, [1, 2]);
    case 3:
      return tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 2);
    default:
      return x;
  }
}

/**
 * The projective transform (output → input pixel coordinates, tf.image.transform's form)
 * of a rotation by `degrees` and a scale about the centre, then a shift (fractions of the side).
 */
export function shiftScaleRotateMatrix(height: number, width: number, shiftX: number, shiftY: number, scale: number, degrees: number): number[] {
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const tx = shiftX * width;
  const ty = shiftY * height;
  const a0 = cos / scale;
  const a1 = sin / scale;
  const b0 = -sin / scale;
  const b1 = cos / scale;
  return [a0, a1, cx - (a0 * (cx + tx) + a1 * (cy + ty)), b0, b1, cy - (b0 * (cx + tx) + b1 * (cy + ty)), 0, 0];
}

/** Zero-filled rectangles: a [B, H, W, 1] keep mask. */
export function coarseDropoutMask(batch: number, height: number, width: number, chosenMask: Float32Array, maxHoles: number, rng: Rng): Float32Array {
  const mask = new Float32Array(batch * height * width).fill(1);
  const maxH = Math.max(1, Math.ceil(height / 4));
  const maxW = Math.max(1, Math.ceil(width / 4));
  for (let b = 0; b < batch; b++) {
    if (chosenMask[b] !== 1) continue;
    const holes = 1 + rng.int(maxHoles);
    for (let h = 0; h < holes; h++) {
      const hh = 1 + rng.int(maxH);
      const ww = 1 + rng.int(maxW);
      const y0 = rng.int(height - hh + 1);
      const x0 = rng.int(width - ww + 1);
      for (let y = y0; y < y0 + hh; y++) mask.fill(0, b * height * width + y * width + x0, b * height * width + y * width + x0 + ww);
    }
  }
  return mask;
}

/**
 * Augment a float batch [B, H, W, C] (values in [0, 1] when `clip`), each transform with
 * its own probability and its own per-sample draws from `rng`.
 */
export function augmentBatch(x: tf.Tensor4D, config: AugmentConfig, rng: Rng, clip = true): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width] = x.shape;
    let out = x;
    const flip = chosen(batch, config.hflipP, rng);
    if (flip !== null) out = blend(out, hflip(out), flip);

    const rotate = chosen(batch, config.rot90P, rng);
    if (rotate !== null) {
      const square = height === width;
      const ks = Array.from(rotate, (m) => (m === 1 ? (square ? 1 + rng.int(3) : 2) : 0));
      for (const k of [1, 2, 3]) {
        const mask = Float32Array.from(ks, (v) => (v === k ? 1 : 0));
        if (mask.some((v) => v === 1)) out = blend(out, rot90(out, k), mask);
      }
    }

    const ssr = chosen(batch, config.shiftScaleRotateP, rng);
    if (ssr !== null) {
      const transforms = new Float32Array(batch * 8);
      for (let b = 0; b < batch; b++) {
        const m =
          ssr[b] === 1
            ? shiftScaleRotateMatrix(
                height,
                width,
                rng.uniform(-config.shiftLimit, config.shiftLimit),
                rng.uniform(-config.shiftLimit, config.shiftLimit),
                1 + rng.uniform(-config.scaleLimit, config.scaleLimit),
                rng.uniform(-config.rotateLimit, config.rotateLimit),
              )
            : [1, 0, 0, 0, 1, 0, 0, 0];
        transforms.set(m, b * 8);
      }
      out = tf.image.transform(out, tf.tensor2d(transforms, [batch, 8]), 'bilinear', 'constant', 0) as tf.Tensor4D;
    }

    const bc = chosen(batch, config.brightnessContrastP, rng);
    if (bc !== null) {
      const alpha = Float32Array.from(bc, (m) => (m === 1 ? 1 + rng.uniform(-config.contrastLimit, config.contrastLimit) : 1));
      const beta = Float32Array.from(bc, (m) => (m === 1 ? rng.uniform(-config.brightnessLimit, config.brightnessLimit) : 0));
      out = tf.add(tf.mul(out, tf.tensor4d(alpha, [batch, 1, 1, 1])), tf.tensor4d(beta, [batch, 1, 1, 1]));
      if (clip) out = tf.clipByValue(out, 0, 1);
    }

    const drop = chosen(batch, config.coarseDropoutP, rng);
    if (drop !== null) out = tf.mul(out, tf.tensor4d(coarseDropoutMask(batch, height, width, drop, config.maxHoles, rng), [batch, height, width, 1]));
    return out === x ? tf.clone(x) : out;
  });
}
