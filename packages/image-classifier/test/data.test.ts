import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { loadImageFolder, parseCsv } from '../src/data/image-folder.js';
import { writeNpy } from '../src/data/npy.js';

const tmp = mkdtempSync(join(tmpdir(), 'sodate-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function png(path: string, width: number, height: number, rgb: [number, number, number]): void {
  const img = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) img.data.set([...rgb, 255], i * 4);
  writeFileSync(path, PNG.sync.write(img));
}

function jpg(path: string, width: number, height: number, rgb: [number, number, number]): void {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  writeFileSync(path, jpeg.encode({ data, width, height }, 100).data);
}

describe('the shipped digits', () => {
  it('are 1,797 uint8 8×8 images of 10 balanced classes', () => {
    const d = loadDataset('digits');
    expect([d.count, d.height, d.width, d.channels, d.numClasses]).toEqual([1797, 8, 8, 1, 10]);
    expect(d.images).toBeInstanceOf(Uint8Array);
    expect(Math.max(...d.images)).toBe(255);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(174);
  });
});

describe('.npy data sets', () => {
  it('read [N, H, W] uint8 images as one channel and remap sparse labels to 0..K−1', () => {
    writeNpy(join(tmp, 'x.npy'), 'uint8', [4, 2, 2], new Uint8Array(16).map((_, i) => i));
    writeNpy(join(tmp, 'y.npy'), 'int64', [4], new BigInt64Array([3n, 7n, 3n, 7n]));
    const d = loadDataset({ npy: { x: join(tmp, 'x.npy'), y: join(tmp, 'y.npy') } });
    expect([d.count, d.height, d.width, d.channels, d.numClasses]).toEqual([4, 2, 2, 1, 2]);
    expect(Array.from(d.labels)).toEqual([0, 1, 0, 1]);
    expect(d.classNames).toEqual(['3', '7']);
  });
  it('keep float16 images as float32, decoded once', () => {
    writeNpy(join(tmp, 'xf.npy'), 'float16', [2, 1, 1, 1], new Uint16Array([0x3800, 0x3c00]));
    writeNpy(join(tmp, 'yf.npy'), 'uint8', [2], new Uint8Array([0, 1]));
    const d = loadDataset({ npy: { x: join(tmp, 'xf.npy'), y: join(tmp, 'yf.npy') } });
    expect(d.images).toBeInstanceOf(Float32Array);
    expect(Array.from(d.images)).toEqual([0.5, 1]);
  });
  it('refuse mismatched labels', () => {
    writeNpy(join(tmp, 'y3.npy'), 'uint8', [3], new Uint8Array(3));
    expect(() => loadDataset({ npy: { x: join(tmp, 'x.npy'), y: join(tmp, 'y3.npy') } })).toThrow(/labels must be \[4\], got shape \[3\]/);
  });
});

describe('a folder of PNG/JPEG images with a CSV of labels', () => {
  const folder = join(tmp, 'imgs');
  it('decodes once into a uint8 cache, resizes, and maps string labels to classes', () => {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    png(join(folder, 'a.png'), 4, 4, [255, 0, 0]);
    png(join(folder, 'b.png'), 8, 8, [0, 255, 0]);
    jpg(join(folder, 'c.jpg'), 6, 6, [0, 0, 255]);
    writeFileSync(join(tmp, 'labels.csv'), 'image,label\na.png,cat\nb,"dog"\nc.jpg,cat\n');
    const d = loadImageFolder({ folder, labels: join(tmp, 'labels.csv'), size: [4, 4] });
    expect([d.count, d.height, d.width, d.channels]).toEqual([3, 4, 4, 3]);
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(d.labels)).toEqual([0, 1, 0]);
    expect(Array.from(d.images.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(d.images.subarray(48, 51))).toEqual([0, 255, 0]);
    const blue = Array.from(d.images.subarray(96, 99));
    expect(blue[2]).toBeGreaterThan(240);
    expect(blue[0]).toBeLessThan(10);
    const cache = readdirSync(join(folder, '.sodate-cache'));
    expect(cache.filter((f) => f.endsWith('.npy'))).toHaveLength(2);
  });
  it('reads the same pixels back from the cache on the next load', () => {
    const first = loadImageFolder({ folder, labels: join(tmp, 'labels.csv'), size: [4, 4] });
    expect(existsSync(join(folder, '.sodate-cache'))).toBe(true);
    const again = loadImageFolder({ folder, labels: join(tmp, 'labels.csv'), size: [4, 4] });
    expect(Array.from(again.images)).toEqual(Array.from(first.images));
  });
  it('converts to one luminance channel on request', () => {
    const d = loadImageFolder({ folder, labels: join(tmp, 'labels.csv'), size: [2, 2], channels: 1 });
    expect(d.channels).toBe(1);
    expect(d.images[0]).toBe(Math.round(0.299 * 255));
  });
  it('names a missing image with its CSV line', () => {
    writeFileSync(join(tmp, 'bad.csv'), 'image,label\na.png,cat\nmissing.png,dog\n');
    expect(() => loadImageFolder({ folder, labels: join(tmp, 'bad.csv') })).toThrow(/bad.csv:3: image .*missing.png does not exist/);
  });
  it('parses quoted CSV fields', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
  });
});
