import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError } from './errors.js';
import type { ImageFolderSpec } from './image-folder.js';
import { loadImageFolder } from './image-folder.js';
import { readNpy, toFloat32, toInt32 } from './npy.js';

/** Where the images come from: the shipped digits, .npy files, or a folder of PNG/JPEG images. */
export type DatasetSpec = 'digits' | { npy: { x: string; y: string } } | ImageFolderSpec;

/** Images in memory, read once: uint8 stays one byte a pixel; float data stays float32. */
export interface ImageDataset {
  readonly name: string;
  /** [count, height, width, channels], row-major; uint8 0–255 or float (used as is). */
  readonly images: Uint8Array | Float32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames: readonly string[];
}

/** The shipped UCI digits (data/digits), next to src/ and dist/ alike. */
export const DIGITS_DIR = fileURLToPath(new URL('../../data/digits/', import.meta.url));

const cache = new Map<string, ImageDataset>();

/** Load (once per process and spec) a data set. */
export function loadDataset(spec: DatasetSpec): ImageDataset {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const dataset = read(spec);
  cache.set(key, dataset);
  return dataset;
}

function read(spec: DatasetSpec): ImageDataset {
  if (spec === 'digits') return fromNpy('digits', `${DIGITS_DIR}x.npy`, `${DIGITS_DIR}y.npy`);
  if (typeof spec === 'object' && spec !== null && 'npy' in spec) return fromNpy(spec.npy.x, spec.npy.x, spec.npy.y);
  if (typeof spec === 'object' && spec !== null && 'folder' in spec) {
    const d = loadImageFolder(spec);
    return { name: spec.folder, ...d, numClasses: d.classNames.length };
  }
  throw new DataError(`expected 'digits', { npy: { x, y } } or { folder, labels }, got ${JSON.stringify(spec)}`);
}

function fromNpy(name: string, xPath: string, yPath: string): ImageDataset {
  for (const p of [xPath, yPath]) if (!existsSync(p)) throw new DataError(`data file ${p} does not exist`);
  const x = readNpy(xPath);
  const y = readNpy(yPath);
  if (x.shape.length !== 3 && x.shape.length !== 4) throw new DataError(`${xPath}: images must be [N, H, W] or [N, H, W, C], got shape [${x.shape.join(', ')}]`);
  const [count, height, width] = x.shape as [number, number, number];
  const channels = x.shape[3] ?? 1;
  if (y.shape.length !== 1 || y.shape[0] !== count) throw new DataError(`${yPath}: labels must be [${count}], got shape [${y.shape.join(', ')}]`);
  const images = x.dtype === 'uint8' ? (x.data as Uint8Array) : toFloat32(x);
  const raw = toInt32(y);
  const classes = [...new Set(raw)].sort((a, b) => a - b);
  const dense = classes.every((c, i) => c === i);
  const labels = dense ? raw : Int32Array.from(raw, (v) => classes.indexOf(v));
  return { name, images, count, height, width, channels, labels, numClasses: classes.length, classNames: classes.map(String) };
}
