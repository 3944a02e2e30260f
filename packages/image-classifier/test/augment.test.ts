import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AugmentConfig } from '../src/augment.js';
import { augmentBatch, coarseDropoutMask, hflip, NO_AUGMENTATION, rot90, shiftScaleRotateMatrix } from '../src/augment.js';
import { selectBackend } from '../src/backend.js';
import { Rng } from '../src/rng.js';

/** A 4×4 one-channel image with distinct pixels 0..15 (row-major), values /16 to stay in [0, 1). */
const GRID = Array.from({ length: 16 }, (_, i) => i / 16);
const image = (): tf.Tensor4D => tf.tensor4d(GRID, [1, 4, 4, 1]);
const rows = (t: tf.Tensor): number[][] => {
  const [, h, w] = t.shape as [number, number, number];
  const v = Array.from(t.dataSync(), (x) => Math.round(x * 16 * 1000) / 1000);
  return Array.from({ length: h }, (_, r) => v.slice(r * w, (r + 1) * w));
};
const only = (overrides: Partial<AugmentConfig>): AugmentConfig => ({ ...NO_AUGMENTATION, ...overrides });

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('each augmentation on a known image', () => {
  it('hflip mirrors each row', () => {
    expect(rows(hflip(image()))).toEqual([
      [3, 2, 1, 0],
      [7, 6, 5, 4],
      [11, 10, 9, 8],
      [15, 14, 13, 12],
    ]);
  });

  it('rot90 turns counter-clockwise like numpy.rot90, and four turns are the identity', () => {
    expect(rows(rot90(image(), 1))).toEqual([
      [3, 7, 11, 15],
      [2, 6, 10, 14],
      [1, 5, 9, 13],
      [0, 4, 8, 12],
    ]);
    expect(rows(rot90(image(), 2))).toEqual(rows(tf.reverse(image(), [1, 2])));
    expect(rows(rot90(rot90(image(), 1), 3))).toEqual(rows(image()));
  });

  it('shift-scale-rotate: the identity matrix leaves the image, a shift of one pixel moves it', () => {
    expect(shiftScaleRotateMatrix(4, 4, 0, 0, 1, 0)).toEqual([1, 0, 0, -0, 1, 0, 0, 0]);
    const shifted = tf.image.transform(image(), tf.tensor2d([shiftScaleRotateMatrix(4, 4, 0.25, 0, 1, 0)]), 'nearest', 'constant', 0);
    expect(rows(shifted)).toEqual([
      [0, 0, 1, 2],
      [0, 4, 5, 6],
      [0, 8, 9, 10],
      [0, 12, 13, 14],
    ]);
  });

  it('shift-scale-rotate by 90° about the centre equals a clockwise quarter turn', () => {
    const turned = tf.image.transform(image(), tf.tensor2d([shiftScaleRotateMatrix(4, 4, 0, 0, 1, 90)]), 'nearest', 'constant', 0);
    expect(rows(turned)).toEqual(rows(rot90(image(), 3)));
  });

  it('coarse dropout zeroes rectangles only in chosen samples, at most maxHoles of them, each ≤ a quarter side', () => {
    const mask = coarseDropoutMask(2, 8, 8, new Float32Array([1, 0]), 1, new Rng(3));
    const first = Array.from(mask.subarray(0, 64));
    const zeros = first.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThanOrEqual(4);
    expect(Array.from(mask.subarray(64)).every((v) => v === 1)).toBe(true);
  });

  it('with every probability 0 the batch comes back unchanged', () => {
    const x = tf.tensor4d(Array.from({ length: 2 * 16 }, (_, i) => (i % 16) / 16), [2, 4, 4, 1]);
    expect(Array.from(augmentBatch(x, NO_AUGMENTATION, new Rng(1)).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('with p = 1 every sample is transformed: hflip', () => {
    expect(rows(augmentBatch(image(), only({ hflipP: 1 }), new Rng(1)))).toEqual(rows(hflip(image())));
  });

  it('with p = 1, rot90 gives one of the three turns', () => {
    const out = rows(augmentBatch(image(), only({ rot90P: 1 }), new Rng(5)));
    const turns = [1, 2, 3].map((k) => rows(rot90(image(), k)));
    expect(turns).toContainEqual(out);
  });

  it('brightness/contrast is x·α + β per sample, clipped to [0, 1]', () => {
    const x = tf.fill([3, 2, 2, 1], 0.5) as tf.Tensor4D;
    const out = augmentBatch(x, only({ brightnessContrastP: 1, brightnessLimit: 0.2, contrastLimit: 0.2 }), new Rng(11)).dataSync();
    for (let b = 0; b < 3; b++) {
      const pixels = Array.from(out.subarray(b * 4, b * 4 + 4));
      expect(new Set(pixels).size).toBe(1);
      expect(pixels[0]).toBeGreaterThanOrEqual(0.5 * 0.8 - 0.2 - 1e-6);
      expect(pixels[0]).toBeLessThanOrEqual(0.5 * 1.2 + 0.2 + 1e-6);
    }
    const bright = augmentBatch(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, only({ brightnessContrastP: 1, brightnessLimit: 0.5, contrastLimit: 0.5 }), new Rng(2)).dataSync();
    expect(Math.max(...bright)).toBeLessThanOrEqual(1);
  });

  it('shift-scale-rotate with p = 1 keeps the batch shape and moves pixels', () => {
    const x = tf.tensor4d(Array.from({ length: 64 }, (_, i) => (i % 7) / 7), [1, 8, 8, 1]);
    const out = augmentBatch(x, only({ shiftScaleRotateP: 1, shiftLimit: 0.2, rotateLimit: 30 }), new Rng(4));
    expect(out.shape).toEqual([1, 8, 8, 1]);
    expect(Array.from(out.dataSync())).not.toEqual(Array.from(x.dataSync()));
  });

  it('is deterministic for a seed', () => {
    const cfg = only({ hflipP: 0.5, rot90P: 0.5, shiftScaleRotateP: 0.5, brightnessContrastP: 0.5, coarseDropoutP: 0.5 });
    const x = tf.tensor4d(Array.from({ length: 4 * 64 }, (_, i) => (i % 13) / 13), [4, 8, 8, 1]);
    expect(Array.from(augmentBatch(x, cfg, new Rng(9)).dataSync())).toEqual(Array.from(augmentBatch(x, cfg, new Rng(9)).dataSync()));
  });
});
