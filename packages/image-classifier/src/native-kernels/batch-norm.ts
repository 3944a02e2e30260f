import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { engine } from '@tensorflow/tfjs-core';
import type { WasmHeap } from './heap.js';
import { withOutputs } from './heap.js';
import type { NativeKernels } from './load.js';

/** Training-mode batch norm: inputs x, gamma, beta; attribute epsilon; outputs y, mean, variance. */
export const BATCH_NORM_TRAIN = 'SodateBatchNormTrain';
/** Its gradient: inputs dy, x, gamma, mean, variance; attribute epsilon; outputs dx, dgamma, dbeta. */
export const BATCH_NORM_TRAIN_GRAD = 'SodateBatchNormTrainGrad';

type KernelArgs = { inputs: Record<string, TensorInfo>; backend: WasmHeap; attrs: { epsilon: number } };

type Three = [Float32Array, Float32Array, Float32Array];

/** Run `kernel` on three new outputs shaped like x, gamma, gamma, once gamma is known to fit x. */
function withThreeOutputs(backend: WasmHeap, x: TensorInfo, gamma: TensorInfo, kernel: (outputs: Three) => void): TensorInfo[] {
  const channels = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || gamma.shape[0] !== channels) throw new Error(`batch norm: gamma has shape [${gamma.shape.join(', ')}], x has ${String(channels)} channels`);
  return withOutputs(backend, [x.shape, gamma.shape, gamma.shape], (outputs) => kernel(outputs as Three));
}

/** The two kernels on the wasm backend, and the gradient that ties them together for autodiff. */
export function nativeBatchNormKernels(native: NativeKernels): { kernels: KernelConfig[]; gradient: GradConfig } {
  const forward = ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    if (beta.shape.join() !== gamma.shape.join()) throw new Error(`batch norm: beta has shape [${beta.shape.join(', ')}], gamma [${gamma.shape.join(', ')}]`);
    const view = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t);
    return withThreeOutputs(backend, x, gamma, (out) => native.batchNormForward(view(x), view(gamma), view(beta), attrs.epsilon, ...out));
  };
  const backward = ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { dy, x, gamma, mean, variance } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', TensorInfo>;
    const view = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t);
    return withThreeOutputs(backend, x, gamma, (out) => native.batchNormBackward(view(dy), view(x), view(gamma), view(mean), view(variance), attrs.epsilon, ...out));
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
