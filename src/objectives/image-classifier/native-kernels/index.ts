export { nativeConvKernels } from './conv.js';
export type { NativeKernels, NativeLoad } from './load.js';
export { loadNativeKernels } from './load.js';
