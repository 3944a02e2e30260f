import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { Identity } from '@tensorflow/tfjs-core';

interface RefCounted {
  incRef(dataId: object): void;
}

/**
 * Identity that shares its input's buffer (as the pure-JS backend's and wasm's own Reshape do)
 * instead of copying it. Autodiff clones every tensor it saves for the backward pass through
 * Identity, so the stock kernel copied each activation once per step. Tensors are immutable and
 * buffers reference-counted, so sharing is safe.
 */
export function identityWasm(args: { inputs: { x: TensorInfo }; backend: RefCounted }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityWasmConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identityWasm as unknown as KernelFunc,
};
