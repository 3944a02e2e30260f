import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';

/** The slice of the wasm backend a composed kernel needs: freeing intermediate results. */
export interface WasmBackendLike extends KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Run another kernel of the same backend directly, below the engine: no tape, no tensor
 * bookkeeping. The result is a TensorInfo the caller frees with `free` unless it returns it.
 */
export function callKernel(name: string, backend: WasmBackendLike, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out as TensorInfo;
}

export function free(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A stride-1 convolution with explicit, possibly negative, padding on each side (negative
 * padding crops the input): the building block of both gradients. `x` is NHWC, `filter` HWIO.
 */
export function convExplicit(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  dilation: [number, number],
  pad: { top: number; bottom: number; left: number; right: number },
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const cropTop = Math.max(0, -pad.top);
  const cropBottom = Math.max(0, -pad.bottom);
  const cropLeft = Math.max(0, -pad.left);
  const cropRight = Math.max(0, -pad.right);
  let input = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    input = callKernel('Slice', backend, { x }, { begin: [0, cropTop, cropLeft, 0], size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c] });
  }
  const explicit = [
    [0, 0],
    [Math.max(0, pad.top), Math.max(0, pad.bottom)],
    [Math.max(0, pad.left), Math.max(0, pad.right)],
    [0, 0],
  ];
  const out = callKernel('Conv2D', backend, { x: input, filter }, { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: dilation, dimRoundingMode: undefined } as unknown as NamedAttrMap);
  if (input !== x) free(backend, input);
  return out;
}
