export type { ConvKernelSource, RegisteredKernels } from './register.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './register.js';
