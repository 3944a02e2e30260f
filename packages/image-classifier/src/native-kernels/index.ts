export { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, nativeBatchNormKernels } from './batch-norm.js';
export { nativeConvKernels } from './conv.js';
export type { NativeKernels, NativeLoad } from './load.js';
export { loadNativeKernels, NATIVE_API_VERSION, nativeKernelsProblem } from './load.js';
