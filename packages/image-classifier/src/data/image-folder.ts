import { errorMessage } from 'sodate';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from './errors.js';
import { readNpy, toInt32, writeNpy } from './npy.js';

export interface ImageFolderSpec {
  /** Folder holding the images. */
  folder: string;
  /** CSV with a header row: the image's file name (relative to `folder`) and its label. */
  labels: string;
  /** Column of the file name. Default: the first. */
  fileColumn?: string;
  /** Column of the label. Default: the second. */
  labelColumn?: string;
  /** Every image is resized to this [height, width]. Default: the first image's size. */
  size?: readonly [number, number];
  /** 3 (RGB) or 1 (luminance). Default: 3. */
  channels?: 1 | 3;
}

export interface DecodedImages {
  /** uint8, [count, height, width, channels], row-major. */
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  labels: Int32Array;
  classNames: string[];
}

/**
 * Decode a folder of PNG/JPEG images once into a uint8 cache (`<folder>/.sodate-cache/`,
 * keyed by the CSV, the size and each file's length and mtime); later runs read the cache
 * and decode nothing.
 */
export function loadImageFolder(spec: ImageFolderSpec): DecodedImages {
  const folder = resolve(spec.folder);
  const csvPath = resolve(spec.labels);
  if (!existsSync(csvPath)) throw new DataError(`labels file ${csvPath} does not exist`);
  const rows = parseCsv(readFileSync(csvPath, 'utf8'));
  const header = rows.shift();
  if (header === undefined || rows.length === 0) throw new DataError(`${csvPath} holds no rows under its header`);
  const fileIndex = spec.fileColumn === undefined ? 0 : header.indexOf(spec.fileColumn);
  const labelIndex = spec.labelColumn === undefined ? 1 : header.indexOf(spec.labelColumn);
  if (fileIndex < 0 || labelIndex < 0 || labelIndex >= header.length) {
    throw new DataError(`${csvPath}: columns ${spec.fileColumn ?? '(first)'} and ${spec.labelColumn ?? '(second)'} not found in header ${header.join(',')}`);
  }
  const files = rows.map((r, i) => {
    const name = r[fileIndex];
    if (name === undefined || name === '') throw new DataError(`${csvPath}:${i + 2}: no file name`);
    return locate(folder, name, `${csvPath}:${i + 2}`);
  });
  const rawLabels = rows.map((r) => r[labelIndex] ?? '');
  const numeric = rawLabels.every((l) => /^-?\d+$/.test(l));
  const classNames = numeric ? [...new Set(rawLabels.map(Number))].sort((a, b) => a - b).map(String) : [...new Set(rawLabels)].sort();
  const labels = Int32Array.from(rawLabels, (l) => classNames.indexOf(numeric ? String(Number(l)) : l));
  const channels = spec.channels ?? 3;

  const hash = createHash('sha1');
  hash.update(readFileSync(csvPath));
  hash.update(JSON.stringify([spec.size ?? null, channels, fileIndex, labelIndex]));
  for (const f of files) {
    const s = statSync(f);
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  const key = hash.digest('hex').slice(0, 16);
  const cacheDir = join(folder, '.sodate-cache');
  const xPath = join(cacheDir, `${key}.x.npy`);
  const yPath = join(cacheDir, `${key}.y.npy`);
  if (existsSync(xPath) && existsSync(yPath)) {
    const x = readNpy(xPath);
    const [count, height, width, c] = x.shape as [number, number, number, number];
    return { images: x.data as Uint8Array, count, height, width, channels: c, labels: toInt32(readNpy(yPath)), classNames };
  }

  let size = spec.size;
  const first = decode(files[0] as string);
  size ??= [first.height, first.width];
  const [height, width] = size;
  const images = new Uint8Array(files.length * height * width * channels);
  files.forEach((file, i) => {
    const img = i === 0 ? first : decode(file);
    resizeInto(img, height, width, channels, images, i * height * width * channels);
  });
  mkdirSync(cacheDir, { recursive: true });
  writeNpy(xPath, 'uint8', [files.length, height, width, channels], images);
  writeNpy(yPath, 'int32', [labels.length], labels);
  return { images, count: files.length, height, width, channels, labels, classNames };
}

function locate(folder: string, name: string, where: string): string {
  const direct = join(folder, name);
  if (extname(name) !== '' && existsSync(direct)) return direct;
  for (const ext of ['.png', '.jpg', '.jpeg', '.PNG', '.JPG', '.JPEG']) {
    if (existsSync(direct + ext)) return direct + ext;
  }
  if (existsSync(direct)) return direct;
  throw new DataError(`${where}: image ${direct} does not exist`);
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(file: string): Rgba {
  const buffer = readFileSync(file);
  try {
    if (buffer[0] === 0x89 && buffer[1] === 0x50) {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (buffer[0] === 0xff && buffer[1] === 0xd8) {
      const img = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (error) {
    throw new DataError(`${file}: cannot decode: ${errorMessage(error)}`);
  }
  throw new DataError(`${file} is neither PNG nor JPEG`);
}

/** Bilinear resize (half-pixel centres) of an RGBA image into uint8 HWC with 1 or 3 channels. */
function resizeInto(img: Rgba, height: number, width: number, channels: number, out: Uint8Array, offset: number): void {
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const rgb = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number): number => img.data[(yy * img.width + xx) * 4 + c] as number;
        rgb[c] = (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1));
      }
      const at = offset + (y * width + x) * channels;
      if (channels === 1) out[at] = Math.round(0.299 * (rgb[0] as number) + 0.587 * (rgb[1] as number) + 0.114 * (rgb[2] as number));
      else for (let c = 0; c < 3; c++) out[at + c] = Math.round(rgb[c] as number);
    }
  }
}

/** RFC 4180-ish: commas, double-quoted fields with "" escapes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field.trim());
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field.trim());
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field.trim());
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}
