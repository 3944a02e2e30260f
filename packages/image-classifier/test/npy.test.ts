import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { halfToFloat, readNpy, toFloat32, toInt32, writeNpy } from '../src/data/npy.js';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const arange = Array.from({ length: 24 }, (_, i) => i);
const tmp = mkdtempSync(join(tmpdir(), 'sodate-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readNpy on files numpy wrote', () => {
  it.each(['uint8', 'uint16', 'uint32'])('reads %s into its own typed array, shape kept', (dtype) => {
    const a = readNpy(join(fixtures, `arange-${dtype}.npy`));
    expect(a.dtype).toBe(dtype);
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data, Number)).toEqual(arange);
  });
  it.each(['int8', 'int16', 'int32', 'int64'])('reads signed %s', (dtype) => {
    const a = readNpy(join(fixtures, `arange-${dtype}.npy`));
    expect(a.dtype).toBe(dtype);
    expect(Array.from(a.data, Number)).toEqual(arange.map((v) => v - 12));
  });
  it.each(['float16', 'float32', 'float64'])('reads %s (float16 decoded once by toFloat32)', (dtype) => {
    const a = readNpy(join(fixtures, `arange-${dtype}.npy`));
    expect(a.dtype).toBe(dtype);
    expect(Array.from(toFloat32(a))).toEqual(arange.map((v) => (v - 12) / 8));
  });
  it('keeps uint8 one byte a pixel: the data is the file payload, not a converted copy', () => {
    const a = readNpy(join(fixtures, 'arange-uint8.npy'));
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(a.data.byteLength).toBe(24);
  });
  it('reads format 2.0 headers and bool arrays', () => {
    expect(Array.from(toFloat32(readNpy(join(fixtures, 'arange-float32-v2.npy'))))).toEqual(arange.map((v) => v / 8));
    expect(Array.from(readNpy(join(fixtures, 'bool.npy')).data as Uint8Array)).toEqual([1, 0, 1]);
  });
  it('refuses Fortran order and big-endian data, naming the file', () => {
    expect(() => readNpy(join(fixtures, 'fortran.npy'))).toThrow(/fortran.npy: Fortran-order/);
    expect(() => readNpy(join(fixtures, 'big-endian.npy'))).toThrow(/big-endian.npy: dtype >f4 is not supported/);
  });
  it('refuses a file that is not .npy', () => {
    const path = join(tmp, 'not.npy');
    writeNpy(path, 'uint8', [1], new Uint8Array([1]));
    const bytes = readFileSync(path);
    bytes[0] = 0;
    const bad = join(tmp, 'bad.npy');
    writeFileSync(bad, bytes);
    expect(() => readNpy(bad)).toThrow(/not a .npy file/);
  });
});

describe('writeNpy', () => {
  it.each([
    ['uint8', new Uint8Array([0, 1, 255])],
    ['int32', new Int32Array([-5, 0, 7])],
    ['int64', new BigInt64Array([-5n, 0n, 7n])],
    ['float32', new Float32Array([-1.5, 0, 2.25])],
    ['float16', new Uint16Array([0xbe00, 0x0000, 0x4080])],
  ] as const)('round-trips %s', (dtype, data) => {
    const path = join(tmp, `${dtype}.npy`);
    writeNpy(path, dtype, [3], data);
    const back = readNpy(path);
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual([3]);
    expect(Array.from(back.data, Number)).toEqual(Array.from(data, Number));
    expect(readFileSync(path).length % 64).toBe((3 * data.BYTES_PER_ELEMENT) % 64);
  });
});

describe('conversions', () => {
  it('decodes half precision: normals, subnormals, zero, infinities', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.960464477539063e-8, 20);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
  });
  it('reads integral labels from any integer dtype and refuses fractions', () => {
    expect(Array.from(toInt32(readNpy(join(fixtures, 'arange-int64.npy'))))).toEqual(arange.map((v) => v - 12));
    expect(() => toInt32(readNpy(join(fixtures, 'arange-float32.npy')))).toThrow(/labels must be integers/);
  });
});
