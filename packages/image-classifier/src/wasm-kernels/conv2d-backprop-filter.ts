import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './call.js';
import { callKernel, convExplicit, free } from './call.js';

/**
 * Conv2DBackpropFilter, missing from tfjs-backend-wasm 4.22, composed from its XNNPACK
 * Conv2D: the filter gradient is a convolution of the input, batch and channels swapped,
 * with the output gradient as the filter, dilated by the forward stride.
 *
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[b,oh,ow,co]
 *
 * Read as a convolution over x' = x[ci, h, w, b] with the filter dy'[oh, ow, b, co]
 * (dilation s, stride 1), the result [ci, kh, kw, co] is transposed back to HWIO.
 */
export function conv2DBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackendLike; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Output height must come out as filterHeight: H + top + bottom − ((OH − 1)·s + 1) + 1 = KH.
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;

  const xT = callKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const dyT = callKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const grad = convExplicit(backend, xT, dyT, [strideHeight, strideWidth], { top, bottom, left, right });
  free(backend, xT, dyT);
  const out = callKernel('Transpose', backend, { x: grad }, { perm: [1, 2, 0, 3] });
  free(backend, grad);
  return out;
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
