import type { Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type { WasmHeap } from './heap.js';
import { withOutputs } from './heap.js';
import type { NativeKernels } from './load.js';

type Shape4 = [number, number, number, number];

/** The 15 fields native/src/addon.cc reads, in its order. */
function geometry(info: backend_util.Conv2DInfo): Int32Array {
  if (info.dataFormat !== 'channelsLast') throw new Error('sodate native conv kernels support NHWC only');
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
}

/** Run one native op into a new output on the wasm heap. */
function run(native: NativeKernels, backend: WasmHeap, op: 0 | 1 | 2, a: TensorInfo, b: TensorInfo, outShape: number[], info: backend_util.Conv2DInfo): TensorInfo {
  const fields = geometry(info);
  const [out] = withOutputs(backend, [outShape], ([y]) => native.conv(op, backend.typedArrayFromHeap(a), backend.typedArrayFromHeap(b), y as Float32Array, fields));
  return out as TensorInfo;
}

/** Conv2D and both of its gradients on the wasm backend's tensors, computed by the native addon. */
export function nativeConvKernels(native: NativeKernels): KernelConfig[] {
  const forward = ({ inputs, backend, attrs }: { inputs: { x: TensorInfo; filter: TensorInfo }; backend: WasmHeap; attrs: Conv2DAttrs }): TensorInfo => {
    const { x, filter } = inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, false, format);
    return run(native, backend, 0, x, filter, info.outShape, info);
  };
  const backpropInput = ({ inputs, backend, attrs }: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: WasmHeap; attrs: Conv2DBackpropInputAttrs }): TensorInfo => {
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, format);
    return run(native, backend, 1, dy, filter, info.inShape, info);
  };
  const backpropFilter = ({ inputs, backend, attrs }: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmHeap; attrs: Conv2DBackpropFilterAttrs }): TensorInfo => {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, format);
    return run(native, backend, 2, x, dy, info.filterShape, info);
  };
  return [
    { kernelName: Conv2D, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
    { kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc: backpropInput as unknown as KernelFunc },
    { kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: backpropFilter as unknown as KernelFunc },
  ];
}
