import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { DataError } from './errors.js';

export type NpyDtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'uint32' | 'int64' | 'float16' | 'float32' | 'float64' | 'bool';

export type NpyData = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  /** Row-major (C order). float16 arrives as its raw bits (Uint16Array); see `toFloat32`. */
  readonly data: NpyData;
}

const DESCR: Record<string, { dtype: NpyDtype; bytes: number }> = {
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<u1': { dtype: 'uint8', bytes: 1 },
  '|b1': { dtype: 'bool', bytes: 1 },
  '|i1': { dtype: 'int8', bytes: 1 },
  '<i1': { dtype: 'int8', bytes: 1 },
  '<u2': { dtype: 'uint16', bytes: 2 },
  '<i2': { dtype: 'int16', bytes: 2 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '<u4': { dtype: 'uint32', bytes: 4 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '<f2': { dtype: 'float16', bytes: 2 },
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Read a NumPy .npy file (format 1.0–3.0, little-endian, C order). The payload is read
 * straight into one typed array of its own dtype: no per-element decoding, and uint8
 * images stay one byte a pixel.
 */
export function readNpy(path: string): NpyArray {
  const fd = openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(12);
    readSync(fd, prefix, 0, 12, 0);
    if (!MAGIC.every((b, i) => prefix[i] === b)) throw new DataError(`${path} is not a .npy file (bad magic)`);
    const major = prefix[6] as number;
    const headerLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
    const headerStart = major === 1 ? 10 : 12;
    const header = Buffer.alloc(headerLength);
    readSync(fd, header, 0, headerLength, headerStart);
    const text = header.toString(major === 3 ? 'utf8' : 'latin1');
    const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
    const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
    const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
    if (descr === undefined || fortran === undefined || shapeText === undefined) throw new DataError(`${path}: cannot parse the .npy header ${text.trim()}`);
    if (fortran === 'True') throw new DataError(`${path}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
    const kind = DESCR[descr];
    if (kind === undefined) throw new DataError(`${path}: dtype ${descr} is not supported (use uint8, float16, float32, or an integer/float type, little-endian)`);
    const shape = shapeText
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    const offset = headerStart + headerLength;
    const buffer = new ArrayBuffer(count * kind.bytes);
    const bytes = new Uint8Array(buffer);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, Math.min(bytes.length - read, 1 << 26), offset + read);
      if (n === 0) throw new DataError(`${path}: file ends after ${read} of ${bytes.length} payload bytes`);
      read += n;
    }
    return { dtype: kind.dtype, shape, data: view(kind.dtype, buffer) };
  } finally {
    closeSync(fd);
  }
}

function view(dtype: NpyDtype, buffer: ArrayBuffer): NpyData {
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint16':
    case 'float16':
      return new Uint16Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
  }
}

/** IEEE half → single, for float16 payloads. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * Math.pow(2, -14) * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * Math.pow(2, exponent - 15) * (1 + fraction / 1024);
}

/** Any numeric npy payload as float32 (float16 decoded once, through a 64 Ki lookup table). */
export function toFloat32(array: NpyArray): Float32Array {
  const { data, dtype } = array;
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (dtype === 'float16') {
    const table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = halfToFloat(i);
    const bits = data as Uint16Array;
    for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] as number] as number;
    return out;
  }
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** Integer labels from any integer (or integral float) payload. */
export function toInt32(array: NpyArray): Int32Array {
  const out = new Int32Array(array.data.length);
  const values = array.dtype === 'float16' ? toFloat32(array) : array.data;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v)) throw new DataError(`labels must be integers, got ${v} at index ${i}`);
    out[i] = v;
  }
  return out;
}

const WRITE_DESCR: Partial<Record<NpyDtype, string>> = {
  uint8: '|u1',
  int8: '|i1',
  uint16: '<u2',
  int16: '<i2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
};

/** Write a .npy file (format 1.0); float16 data is given as raw bits in a Uint16Array. */
export function writeNpy(path: string, dtype: NpyDtype, shape: readonly number[], data: NpyData): void {
  const descr = WRITE_DESCR[dtype];
  if (descr === undefined) throw new DataError(`cannot write dtype ${dtype}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.forEach((b, i) => (head[i] = b));
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
