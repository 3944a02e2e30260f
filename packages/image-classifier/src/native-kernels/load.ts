import { errorMessage } from 'sodate';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon built from native/src by scripts/build-native.mjs, this package's install script. */
export interface NativeKernels {
  /** op 0: forward (x, w → y); 1: input gradient (dy, w → dx); 2: filter gradient (x, dy → dw). */
  conv(op: 0 | 1 | 2, a: Float32Array, b: Float32Array, out: Float32Array, geometry: Int32Array): void;
  batchNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number, y: Float32Array, mean: Float32Array, variance: Float32Array): void;
  batchNormBackward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    epsilon: number,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
  adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, beta1: number, beta2: number, stepSize: number, c2: number, eps: number, keep: number): void;
  sgd(w: Float32Array, g: Float32Array, b: Float32Array, lr: number, momentum: number, weightDecay: number, nesterov: boolean, first: boolean): void;
  ema(shadow: Float32Array, values: Float32Array, decay: number): void;
  /** Bumped with every change to these functions (native/src/addon.cc). */
  readonly apiVersion: number;
  /** The vector instructions its GEMM runs with on this CPU: AVX-512, AVX2 or baseline. */
  readonly instructionSet: string;
}

export type NativeLoad = { readonly kernels: NativeKernels } | { readonly kernels: null; readonly reason: string };

// src/… and dist/… sit at the same depth below the package root.
const ADDON = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'sodate_kernels.node');

/** The addon's `apiVersion` this checkout's code calls. */
export const NATIVE_API_VERSION = 1;
const FUNCTIONS = ['conv', 'batchNormForward', 'batchNormBackward', 'adamw', 'sgd', 'ema'] as const;

let loaded: NativeLoad | null = null;

/**
 * Why a loaded addon cannot be used, or null when it can. `npm install` does not run again
 * after a `git pull`, so an addon older than the code is refused here rather than failing
 * mid-training on a function it lacks.
 */
export function nativeKernelsProblem(addon: unknown): string | null {
  const candidate = addon as Partial<Record<string, unknown>> | null;
  const version = candidate?.['apiVersion'];
  const missing = FUNCTIONS.filter((name) => typeof candidate?.[name] !== 'function');
  if (version !== NATIVE_API_VERSION || missing.length > 0) {
    return `built from older sources (API ${String(version ?? 'none')}, this code needs ${NATIVE_API_VERSION}); rebuild with \`npm rebuild @sodate/image-classifier\``;
  }
  return null;
}

/** The native kernels, or why they are not there. `SODATE_NATIVE_KERNELS=0` turns them off. */
export function loadNativeKernels(): NativeLoad {
  if (process.env['SODATE_NATIVE_KERNELS'] === '0') return { kernels: null, reason: 'SODATE_NATIVE_KERNELS=0' };
  if (loaded !== null) return loaded;
  if (!existsSync(ADDON)) {
    loaded = { kernels: null, reason: 'not built (run `npm rebuild @sodate/image-classifier`; it needs a C++ compiler)' };
  } else {
    try {
      const addon: unknown = createRequire(import.meta.url)(ADDON);
      const problem = nativeKernelsProblem(addon);
      loaded = problem === null ? { kernels: addon as NativeKernels } : { kernels: null, reason: problem };
    } catch (error) {
      loaded = { kernels: null, reason: `failed to load: ${errorMessage(error).split('\n')[0]}` };
    }
  }
  return loaded;
}
