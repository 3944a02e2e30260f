import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './call.js';
import { callKernel, convExplicit, free } from './call.js';

/**
 * Conv2DBackpropInput on XNNPACK: tfjs-backend-wasm's own kernel is a plain C++ loop;
 * this one is a stride-1 convolution of the output gradient (zeros inserted between its
 * rows and columns when the forward stride is s > 1) with the filter flipped in space
 * and its channel axes swapped.
 *
 *   dx[b,h,w,ci] = Σ_{kh,kw,co} dy[b, (h + padTop − kh)/s, (w + padLeft − kw)/s, co] · W[kh,kw,ci,co]
 */
export function conv2DBackpropInputWasm(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: WasmBackendLike; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') throw new Error('wasm Conv2DBackpropInput supports NHWC only');
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;

  let spread = dy;
  if (strideHeight > 1 || strideWidth > 1) spread = insertZeros(backend, dy, batchSize, outHeight, outWidth, outChannels, strideHeight, strideWidth);
  const spreadHeight = outHeight * strideHeight;
  const spreadWidth = outWidth * strideWidth;

  const reversed = callKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const flipped = callKernel('Transpose', backend, { x: reversed }, { perm: [0, 1, 3, 2] });
  free(backend, reversed);
  const top = filterHeight - 1 - info.padInfo.top;
  const left = filterWidth - 1 - info.padInfo.left;
  const out = convExplicit(backend, spread, flipped, [1, 1], {
    top,
    bottom: inHeight - spreadHeight + filterHeight - 1 - top,
    left,
    right: inWidth - spreadWidth + filterWidth - 1 - left,
  });
  free(backend, flipped);
  if (spread !== dy) free(backend, spread);
  return out;
}

/** [n, h, w, c] → [n, h·sh, w·sw, c] with dy at (i·sh, j·sw) and zeros elsewhere. */
function insertZeros(backend: WasmBackendLike, dy: TensorInfo, n: number, h: number, w: number, c: number, sh: number, sw: number): TensorInfo {
  const cols = callKernel('Reshape', backend, { x: dy }, { shape: [n * h, w, 1, c] });
  const padCols = callKernel('PadV2', backend, { x: cols }, { paddings: [[0, 0], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  const rows = callKernel('Reshape', backend, { x: padCols }, { shape: [n * h, 1, w * sw, c] });
  const padRows = callKernel('PadV2', backend, { x: rows }, { paddings: [[0, 0], [0, sh - 1], [0, 0], [0, 0]], constantValue: 0 });
  const out = callKernel('Reshape', backend, { x: padRows }, { shape: [n, h * sh, w * sw, c] });
  // Reshape shares its input's data and counts a reference: each view is freed like a buffer.
  free(backend, cols, padCols, rows, padRows);
  return out;
}

export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
