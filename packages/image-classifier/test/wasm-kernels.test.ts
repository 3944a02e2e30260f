import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { batchNormTrain } from '../src/batch-norm.js';
import { Rng } from '../src/rng.js';
import { BATCH_NORM_TRAIN, loadNativeKernels, NATIVE_API_VERSION, nativeKernelsProblem } from '../src/native-kernels/index.js';
import type { ConvKernelSource } from '../src/wasm-kernels/index.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../src/wasm-kernels/index.js';

const rng = new Rng(42);
const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Run `fn` on a backend and return plain arrays (tensors are made from `inputs` there). */
function on(backend: string, inputs: { values: Float32Array; shape: number[] }[], fn: (...xs: tf.Tensor[]) => tf.Tensor[]): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => fn(...inputs.map((i) => tf.tensor(i.values, i.shape))).map((t) => t.dataSync() as Float32Array));
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((v, i) => (m = Math.max(m, Math.abs(v - (b[i] as number)))));
  return m;
}

beforeAll(async () => {
  await selectBackend('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

// [input shape, filter shape, strides, padding]: odd and even sizes, strides 1–3, 1×1 to 5×5
// filters, non-square inputs, explicit padding.
const CASES: [number[], number[], [number, number], 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]]][] = [
  [[2, 7, 7, 3], [3, 3, 3, 4], [1, 1], 'same'],
  [[2, 8, 8, 3], [3, 3, 3, 4], [2, 2], 'same'],
  [[2, 9, 9, 3], [3, 3, 3, 4], [2, 2], 'valid'],
  [[1, 8, 8, 2], [1, 1, 2, 5], [2, 2], 'same'],
  [[2, 10, 10, 3], [5, 5, 3, 2], [3, 3], 'same'],
  [[3, 6, 9, 4], [3, 2, 4, 3], [1, 2], 'valid'],
  [[2, 11, 7, 2], [3, 3, 2, 3], [2, 1], 'same'],
  [[2, 6, 6, 2], [3, 3, 2, 2], [1, 1], [[0, 0], [2, 0], [1, 2], [0, 0]]],
  // Larger than one GEMM tile and one row chunk, channel counts below, at and above 16 lanes.
  [[3, 17, 15, 16], [3, 3, 16, 32], [1, 1], 'same'],
  [[2, 16, 16, 24], [3, 3, 24, 20], [2, 2], 'same'],
  [[1, 40, 40, 3], [3, 3, 3, 16], [1, 1], 'same'],
];

const native = loadNativeKernels();
// The native set is built at `npm install` where a C++ compiler exists; CI builds it.
const SOURCES: ConvKernelSource[] = native.kernels !== null ? ['xnnpack', 'native'] : ['xnnpack'];

describe.each(SOURCES)('sodate %s conv kernels on wasm against the pure-JS backend', (source) => {
  beforeAll(() => {
    expect(registerWasmTrainingKernels(source).source).toBe(source);
  });

  it('are the registered wasm kernels for Conv2D and its gradients', () => {
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput']) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    if (source === 'xnnpack') {
      for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k.kernelName, 'wasm')?.kernelFunc).toBe(k.kernelFunc);
    } else {
      for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k.kernelName, 'wasm')?.kernelFunc).not.toBe(k.kernelFunc);
    }
  });

  it.each(CASES)('conv2d %j * %j stride %j pad %j: output and both gradients match', (xShape, wShape, strides, pad) => {
    const x = { values: random(size(xShape)), shape: xShape };
    const w = { values: random(size(wShape)), shape: wShape };
    const run = (a: tf.Tensor, b: tf.Tensor): tf.Tensor[] => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad);
      // A non-uniform upstream gradient: d/dy of Σ y²/2 is y itself.
      const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.mul(tf.sum(tf.square(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, strides, pad))), 0.5))([a, b]);
      return [y, dx as tf.Tensor, dw as tf.Tensor];
    };
    const cpu = on('cpu', [x, w], run);
    const wasm = on('wasm', [x, w], run);
    const names = ['y', 'dx', 'dw'];
    // Float32 sums of up to thousands of terms in another order: compare relative to the largest value.
    cpu.forEach((c, i) => expect(maxAbsDiff(c, wasm[i] as Float32Array) / Math.max(1, maxAbs(c)), names[i]).toBeLessThan(1e-5));
  });

  // Stock tfjs-wasm's XNNPACK Conv2D reads out of bounds on an empty batch; sodate's native one copes.
  it.runIf(source === 'native')('returns empty tensors for empty batches and for valid convolutions larger than the image, as the pure-JS backend does', () => {
    const w = { values: random(3 * 3 * 3 * 4), shape: [3, 3, 3, 4] };
    const empty = { values: new Float32Array(0), shape: [0, 5, 5, 3] };
    const small = { values: random(2 * 2 * 3), shape: [1, 2, 2, 3] };
    const run = (pad: 'same' | 'valid') => (a: tf.Tensor, b: tf.Tensor): tf.Tensor[] => [tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad)];
    for (const [x, pad, shape] of [[empty, 'same', [0, 5, 5, 4]], [small, 'valid', [1, 0, 0, 4]]] as const) {
      tf.setBackend('wasm');
      const y = tf.tidy(() => run(pad)(tf.tensor(x.values, [...x.shape]), tf.tensor(w.values, w.shape))[0] as tf.Tensor);
      expect(y.shape).toEqual(shape);
      y.dispose();
    }
  });

  it('keep working when the set is switched after the backend started, without setBackend again', () => {
    registerWasmTrainingKernels(source === 'native' ? 'xnnpack' : SOURCES.includes('native') ? 'native' : 'xnnpack');
    registerWasmTrainingKernels(source);
    expect(tf.getBackend()).toBe('wasm');
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const y = tf.conv2d(x, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same');
    // Centre pixels see 9 taps × 2 channels of ones.
    expect(y.dataSync()[5]).toBe(18);
    tf.dispose([x, y]);
  });

  it('supports dilated forward convolutions', () => {
    const x = { values: random(2 * 9 * 9 * 3), shape: [2, 9, 9, 3] };
    const w = { values: random(3 * 3 * 3 * 4), shape: [3, 3, 3, 4] };
    const run = (a: tf.Tensor, b: tf.Tensor): tf.Tensor[] => [tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2)];
    expect(maxAbsDiff(on('cpu', [x, w], run)[0] as Float32Array, on('wasm', [x, w], run)[0] as Float32Array)).toBeLessThan(1e-4);
  });

  it('runs the kernels directly with a given upstream gradient (filter shape and input shape attributes)', () => {
    const xShape = [3, 8, 8, 4];
    const dyShape = [3, 4, 4, 5];
    const x = { values: random(size(xShape)), shape: xShape };
    const dy = { values: random(size(dyShape)), shape: dyShape };
    const w = { values: random(3 * 3 * 4 * 5), shape: [3, 3, 4, 5] };
    const run = (a: tf.Tensor, g: tf.Tensor, f: tf.Tensor): tf.Tensor[] => [
      tf.engine().runKernel('Conv2DBackpropFilter', { x: a, dy: g }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 4, 5] } as never) as tf.Tensor,
      tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter: f }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: xShape } as never) as tf.Tensor,
    ];
    const cpu = on('cpu', [x, dy, w], run);
    const wasm = on('wasm', [x, dy, w], run);
    expect(maxAbsDiff(cpu[0] as Float32Array, wasm[0] as Float32Array)).toBeLessThan(1e-4);
    expect(maxAbsDiff(cpu[1] as Float32Array, wasm[1] as Float32Array)).toBeLessThan(1e-4);
  });

  it('frees every intermediate buffer', () => {
    tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const x = tf.tensor4d(random(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const w = tf.tensor4d(random(3 * 3 * 3 * 4), [3, 3, 3, 4]);
    for (let i = 0; i < 3; i++) tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]));
    tf.dispose([x, w]);
    expect(tf.memory().numBytes).toBe(before);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const x2 = tf.tensor4d(random(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const w2 = tf.tensor4d(random(3 * 3 * 3 * 4), [3, 3, 3, 4]);
    tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x2, w2]));
    tf.dispose([x2, w2]);
    expect(backend.numDataIds()).toBe(ids);
  });
});

describe('Identity on wasm', () => {
  it('shares the buffer instead of copying it, and each copy outlives the other', () => {
    registerWasmTrainingKernels('xnnpack');
    tf.setBackend('wasm');
    const buffers = tf.memory().numDataBuffers;
    const bytes = tf.memory().numBytes;
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(tf.memory().numDataBuffers).toBe(buffers + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    const z = tf.clone(y);
    y.dispose();
    const sum = tf.add(z, 1);
    expect(Array.from(sum.dataSync())).toEqual([2, 3, 4]);
    tf.dispose([sum, z]);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(tf.memory().numBytes).toBe(bytes);
  });
});

describe.runIf(native.kernels !== null)('the native addon', () => {
  const conv = (...args: Parameters<NonNullable<typeof native.kernels>['conv']>): void => native.kernels?.conv(...args);
  // batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft
  const geometry = Int32Array.of(1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1);

  it('is refused when built from older sources than the code that calls it', () => {
    expect(nativeKernelsProblem(native.kernels)).toBeNull();
    const { adamw: _adamw, ...withoutAdamw } = native.kernels as NonNullable<typeof native.kernels>;
    expect(nativeKernelsProblem({ ...withoutAdamw })).toMatch(/older sources.*npm rebuild @sodate\/image-classifier/);
    expect(nativeKernelsProblem({ ...native.kernels, apiVersion: NATIVE_API_VERSION - 1 })).toMatch(/older sources/);
    expect(nativeKernelsProblem({})).toMatch(/API none/);
  });

  it('batch norm refuses a gamma that does not match the channels, and frees what it allocated', () => {
    registerWasmTrainingKernels('native');
    tf.setBackend('wasm');
    const buffers = tf.memory().numDataBuffers;
    const [x, gamma, beta] = [tf.ones([2, 6]), tf.ones([3]), tf.zeros([3])];
    expect(() => tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon: 1e-5 })).toThrow(/gamma has shape \[3\], x has 6 channels/);
    tf.dispose([x, gamma, beta]);
    expect(tf.memory().numDataBuffers).toBe(buffers);
  });

  it('says which vector instructions it was built for', () => {
    expect(['AVX-512', 'AVX2', 'baseline']).toContain(native.kernels?.instructionSet);
  });

  it('refuses arrays whose sizes do not match the geometry instead of writing past them', () => {
    const x = new Float32Array(32);
    const w = new Float32Array(54);
    expect(() => conv(0, x, w, new Float32Array(47), geometry)).toThrow(/sizes do not match/);
    expect(() => conv(2, x, new Float32Array(48), new Float32Array(53), geometry)).toThrow(/sizes do not match/);
    expect(() => conv(0, x, w, new Float32Array(48), Int32Array.of(1, 2, 3))).toThrow(/15 fields/);
    expect(() => conv(0, x, w, new Float32Array(48), Int32Array.of(1, 4, 4, 2, 4, 4, 3, 3, 3, 0, 1, 1, 1, 1, 1))).toThrow(/zero kernel size, stride or dilation/);
    expect(() => conv(0, x, w, new Float32Array(48), Int32Array.of(1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, -1, 1))).toThrow(/negative size/);
    expect(() => conv(3 as 0, x, w, new Float32Array(48), geometry)).toThrow(/op must be/);
  });

  it('gives the same results with every instruction set it was compiled for (AVX-512, AVX2, baseline)', () => {
    // A strided 3×3 convolution over 40 rows × 20 output channels: full and edge tiles, padded B rows.
    const g = Int32Array.of(2, 9, 7, 5, 5, 4, 20, 3, 3, 2, 2, 1, 1, 1, 1);
    const [x, w, dy] = [2 * 9 * 7 * 5, 3 * 3 * 5 * 20, 2 * 5 * 4 * 20].map((n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37))) as [Float32Array, Float32Array, Float32Array];
    const compute = `
      const [addon, g] = [process.argv[1], Int32Array.from(JSON.parse(process.argv[2]))];
      const k = require(addon);
      const wave = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
      const [x, w, dy] = [${2 * 9 * 7 * 5}, ${3 * 3 * 5 * 20}, ${2 * 5 * 4 * 20}].map(wave);
      const [y, dx, dw] = [dy.length, x.length, w.length].map((n) => new Float32Array(n));
      k.conv(0, x, w, y, g); k.conv(1, dy, w, dx, g); k.conv(2, x, dy, dw, g);
      console.log(JSON.stringify({ isa: k.instructionSet, out: [y, dx, dw].map((a) => Array.from(a)) }));`;
    const [y, dx, dw] = [dy.length, x.length, w.length].map((n) => new Float32Array(n)) as [Float32Array, Float32Array, Float32Array];
    conv(0, x, w, y, g);
    conv(1, dy, w, dx, g);
    conv(2, x, dy, dw, g);
    const addon = join(dirname(fileURLToPath(import.meta.url)), '../native/build/sodate_kernels.node');
    const compared: string[] = [];
    for (const isa of ['AVX2', 'baseline']) {
      const child = spawnSync(process.execPath, ['-e', compute, addon, JSON.stringify(Array.from(g))], { encoding: 'utf8', env: { ...process.env, SODATE_NATIVE_ISA: isa } });
      expect(child.status, child.stderr).toBe(0);
      const result = JSON.parse(child.stdout) as { isa: string; out: number[][] };
      // A CPU without AVX2 falls back further; the baseline variant always runs as asked.
      if (result.isa !== isa) continue;
      compared.push(isa);
      [y, dx, dw].forEach((mine, i) => expect(maxAbsDiff(mine, Float32Array.from(result.out[i] as number[])) / Math.max(1, maxAbs(mine)), `${isa} output ${i}`).toBeLessThan(1e-5));
    }
    expect(compared).toContain('baseline');
  });

  it('computes a known convolution: a 3×3 box filter of ones sums each neighbourhood', () => {
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const w = new Float32Array(9).fill(1);
    const y = new Float32Array(16);
    conv(0, x, w, y, Int32Array.of(1, 4, 4, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1));
    // Corner (0,0): 0 + 1 + 4 + 5; centre (1,1): 0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10.
    expect(y[0]).toBe(10);
    expect(y[5]).toBe(45);
  });
});

describe('batchNormTrain (analytic gradient)', () => {
  it.each([
    [[4, 3, 3, 5]],
    [[6, 7]],
  ])('matches autodiff of tf.moments + tf.batchNorm on %j, on both backends', (shape) => {
    const channels = shape[shape.length - 1] as number;
    const x = { values: random(size(shape)).map((v) => 3 * v + 1), shape };
    const g = { values: random(channels).map((v) => 1 + v / 2), shape: [channels] };
    const b = { values: random(channels), shape: [channels] };
    const up = { values: random(size(shape)), shape };
    const reference = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, ui: tf.Tensor): tf.Tensor[] => {
      const axes = Array.from({ length: shape.length - 1 }, (_, i) => i);
      const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor => {
        const m = tf.moments(a, axes);
        return tf.sum(tf.mul(tf.batchNorm(a, m.mean, m.variance, d as tf.Tensor1D, c as tf.Tensor1D, 1e-5), ui));
      };
      const m = tf.moments(xi, axes);
      return [tf.batchNorm(xi, m.mean, m.variance, bi as tf.Tensor1D, gi as tf.Tensor1D, 1e-5), ...tf.grads(f)([xi, gi, bi]), m.mean, m.variance];
    };
    const ours = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, ui: tf.Tensor): tf.Tensor[] => {
      let stats: tf.Tensor[] = [];
      const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor => {
        const out = batchNormTrain(a, c as tf.Tensor1D, d as tf.Tensor1D, 1e-5);
        tf.dispose(stats);
        stats = [out.mean, out.variance];
        return tf.sum(tf.mul(out.y, ui));
      };
      const out = batchNormTrain(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5);
      const grads = tf.grads(f)([xi, gi, bi]);
      tf.dispose(stats);
      return [out.y, ...grads, out.mean, out.variance];
    };
    const names = ['y', 'dx', 'dgamma', 'dbeta', 'mean', 'variance'];
    const expected = on('cpu', [x, g, b, up], reference);
    // The pure-JS backend and wasm run the composed ops; wasm with the native set runs sodate's fused kernels.
    for (const [backend, source] of [['cpu', 'xnnpack'], ...SOURCES.map((s) => ['wasm', s])] as [string, ConvKernelSource][]) {
      registerWasmTrainingKernels(source);
      expect(tf.getKernel(BATCH_NORM_TRAIN, 'wasm') !== undefined).toBe(source === 'native');
      const got = on(backend, [x, g, b, up], ours);
      expected.forEach((e, i) => expect(maxAbsDiff(e, got[i] as Float32Array), `${backend} (${source}) ${names[i]}`).toBeLessThan(2e-4));
    }
  });
});
