import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { engine } from '@tensorflow/tfjs-core';
import type { NativeKernels } from './load.js';

/** Training-mode batch norm: inputs x, gamma, beta; attribute epsilon; outputs y, mean, variance. */
export const BATCH_NORM_TRAIN = 'SodateBatchNormTrain';
/** Its gradient: inputs dy, x, gamma, mean, variance; attribute epsilon; outputs dx, dgamma, dbeta. */
export const BATCH_NORM_TRAIN_GRAD = 'SodateBatchNormTrainGrad';

interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

type KernelArgs = { inputs: Record<string, TensorInfo>; backend: WasmHeap; attrs: { epsilon: number } };

type Three = [Float32Array, Float32Array, Float32Array];

/** Three new outputs shaped like x, gamma, gamma, with views of them. */
function threeOutputs(backend: WasmHeap, x: TensorInfo, gamma: TensorInfo): { infos: TensorInfo[]; views: Three } {
  const infos = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32')];
  return { infos, views: infos.map((o) => backend.typedArrayFromHeap(o)) as Three };
}

/** The two kernels on the wasm backend, and the gradient that ties them together for autodiff. */
export function nativeBatchNormKernels(native: NativeKernels): { kernels: KernelConfig[]; gradient: GradConfig } {
  const forward = ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    // Outputs first, input views after: growing the wasm heap detaches earlier views.
    const out = threeOutputs(backend, x, gamma);
    const view = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t);
    native.batchNormForward(view(x), view(gamma), view(beta), attrs.epsilon, ...out.views);
    return out.infos;
  };
  const backward = ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { dy, x, gamma, mean, variance } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', TensorInfo>;
    const out = threeOutputs(backend, x, gamma);
    const view = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t);
    native.batchNormBackward(view(dy), view(x), view(gamma), view(mean), view(variance), attrs.epsilon, ...out.views);
    return out.infos;
  };
  const gradient: GradConfig = {
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      // Only y reaches the loss; the statistics' gradients (zeros) are ignored.
      const dyY = Array.isArray(dy) ? (dy[0] as Tensor) : dy;
      const [x, gamma, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor];
      // One pass gives all three. Computed here, not in the thunks: tfjs runs each thunk in its
      // own tidy, which would free the two gradients the first thunk did not return.
      const [dx, dgamma, dbeta] = engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy: dyY, x, gamma, mean, variance }, attrs) as [Tensor, Tensor, Tensor];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  };
  return {
    kernels: [
      { kernelName: BATCH_NORM_TRAIN, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
      { kernelName: BATCH_NORM_TRAIN_GRAD, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc },
    ],
    gradient,
  };
}
