import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The slice of tfjs-backend-wasm the native kernels use: outputs allocated on, and views of, its heap. */
export interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

/**
 * Allocate float32 outputs of `shapes` on the wasm heap and run `kernel` on views of them,
 * freeing them again if it throws. Outputs come first and `kernel` takes its input views
 * itself: growing the heap detaches views taken earlier.
 */
export function withOutputs(backend: WasmHeap, shapes: readonly number[][], kernel: (outputs: Float32Array[]) => void): TensorInfo[] {
  const infos = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  try {
    kernel(infos.map((info) => backend.typedArrayFromHeap(info)));
  } catch (error) {
    for (const info of infos) backend.disposeData(info.dataId);
    throw error;
  }
  return infos;
}
