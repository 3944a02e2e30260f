import type { KernelConfig } from '@tensorflow/tfjs-core';
import { Conv2D, engine, getKernel, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, loadNativeKernels, nativeBatchNormKernels, nativeConvKernels } from '../native-kernels/index.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { identityWasmConfig } from './identity.js';

/** Kernels sodate adds to (or replaces in) tfjs-backend-wasm so that a CNN trains on it. */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWasmConfig, conv2DBackpropInputWasmConfig];

/**
 * Where the convolutions run: `native`, sodate's C++ addon on the wasm heap (several times
 * faster, when it was built at install; it also brings a fused training batch norm), or
 * `xnnpack`, tfjs-backend-wasm's own Conv2D with sodate's gradients composed from it.
 */
export type ConvKernelSource = 'native' | 'xnnpack';

export interface RegisteredKernels {
  readonly source: ConvKernelSource;
  /** For the log, e.g. "native AVX-512: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter". */
  readonly description: string;
  /** Why the native kernels are not in use, when they are not. */
  readonly nativeSkipped?: string;
}

let stockConv2D: KernelConfig | undefined;
let batchNormGradientRegistered = false;

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, 'wasm') !== undefined) unregisterKernel(config.kernelName, 'wasm');
  registerKernel(config);
  // tfjs runs a kernel's setup (the stock Conv2D binds its wasm function there) when the
  // backend starts; a kernel registered after that must be set up here. (The registry, not
  // findBackend, which would start the backend.)
  const backend = engine().registry['wasm'];
  if (backend !== undefined && config.setupFunc !== undefined) config.setupFunc(backend);
}

/**
 * Register the training kernels on the wasm backend (call after importing
 * @tensorflow/tfjs-backend-wasm). `auto` takes the native ones when they load. Calling it
 * again switches sets.
 */
export function registerWasmTrainingKernels(wanted: ConvKernelSource | 'auto' = 'auto'): RegisteredKernels {
  stockConv2D ??= getKernel(Conv2D, 'wasm');
  replace(identityWasmConfig);
  const native = wanted === 'xnnpack' ? null : loadNativeKernels();
  if (native !== null && native.kernels !== null) {
    const configs = nativeConvKernels(native.kernels);
    const batchNorm = nativeBatchNormKernels(native.kernels);
    [...configs, ...batchNorm.kernels].forEach(replace);
    // A gradient belongs to a kernel name, not a backend: register it once.
    if (!batchNormGradientRegistered) registerGradient(batchNorm.gradient);
    batchNormGradientRegistered = true;
    return { source: 'native', description: `native ${native.kernels.instructionSet}: ${configs.map((k) => k.kernelName).join(', ')}, batch norm` };
  }
  if (wanted === 'native') throw new Error(`sodate's native conv kernels are not available: ${native?.reason ?? 'not loaded'}`);
  if (stockConv2D !== undefined) replace(stockConv2D);
  for (const name of [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD]) if (getKernel(name, 'wasm') !== undefined) unregisterKernel(name, 'wasm');
  WASM_TRAINING_KERNELS.forEach(replace);
  return {
    source: 'xnnpack',
    description: `XNNPACK Conv2D with ${WASM_TRAINING_KERNELS.map((k) => k.kernelName).join(', ')}`,
    ...(native !== null ? { nativeSkipped: native.reason } : {}),
  };
}
