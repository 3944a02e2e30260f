import { errorMessage, OptionError } from 'sodate';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';

/** Which TensorFlow.js backend trains: `auto` tries them in the order below. */
export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendChoice[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The tfjs backend name: tensorflow, wasm or cpu. */
  readonly name: string;
  /** What runs, in words, for the log. */
  readonly description: string;
  /** Why faster backends were skipped. */
  readonly skipped: readonly string[];
}

const require = createRequire(import.meta.url);
let selected: Promise<BackendInfo> | null = null;
let selectedChoice: BackendChoice | null = null;

/**
 * Pick the fastest backend that works here, once per process: tfjs-node-gpu, then
 * tfjs-node (optional dependencies: they download libtensorflow when installed and are
 * skipped where that fails), then WebAssembly (with sodate's training kernels), then pure JS.
 * `SODATE_TFJS_BACKEND` overrides `choice`. A backend named (not `auto`) that cannot start
 * is an OptionError: every trial would fail on it.
 */
export function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  const fromEnv = process.env['SODATE_TFJS_BACKEND'] as BackendChoice | undefined;
  const wanted = fromEnv ?? choice;
  if (selected !== null && selectedChoice === wanted) return selected;
  selectedChoice = wanted;
  selected = pick(wanted, fromEnv === undefined ? `image-classifier option backend ${wanted}` : `SODATE_TFJS_BACKEND=${wanted}`);
  return selected;
}

/** One line naming the backend that trains, e.g. for `sodate tune`'s log. */
export async function describeBackend(choice: BackendChoice = 'auto'): Promise<string> {
  const info = await selectBackend(choice);
  return info.skipped.length > 0 ? `${info.description} (skipped: ${info.skipped.join('; ')})` : info.description;
}

async function pick(choice: BackendChoice, named: string): Promise<BackendInfo> {
  tf.env().set('PROD', true);
  const skipped: string[] = [];
  const order: BackendChoice[] = choice === 'auto' ? ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] : [choice];
  for (const candidate of order) {
    try {
      const description = await tryBackend(candidate);
      if (description !== null) return { name: tf.getBackend(), description, skipped };
      skipped.push(`${candidate}: not available`);
    } catch (error) {
      skipped.push(`${candidate}: ${errorMessage(error).split('\n')[0]}`);
    }
  }
  if (choice !== 'auto') {
    const installable = choice === 'tfjs-node' || choice === 'tfjs-node-gpu';
    const why = skipped[0] === `${choice}: not available` && installable ? `@tensorflow/${choice} is not installed here` : `it cannot start here (${skipped.join('; ')})`;
    throw new OptionError(`${named}: ${why}; use auto (the fastest that works), wasm or cpu`);
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

async function tryBackend(candidate: BackendChoice): Promise<string | null> {
  switch (candidate) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // Optional dependencies: a plain specifier in a variable keeps bundlers and tsc from requiring them.
      const specifier = `@tensorflow/${candidate}`;
      try {
        require.resolve(specifier);
      } catch {
        return null;
      }
      await import(specifier);
      // null means "not installed"; an installed one that does not start says so.
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") returned false');
      return `tensorflow (${candidate}, native libtensorflow)`;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm files sit next to the package's main file; say so explicitly.
      wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
      const kernels = registerWasmTrainingKernels();
      // setBackend resolves false, without throwing, when the .wasm file cannot be loaded.
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false: the .wasm file was not found or failed to load');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const nativeNote = kernels.nativeSkipped !== undefined ? `; native kernels ${kernels.nativeSkipped}` : '';
      return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${wasm.getThreadsCount()} thread; sodate kernels: ${kernels.description}${nativeNote})`;
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) return null;
      return 'cpu (pure JavaScript; about 100× slower than PyTorch on a CPU)';
    }
    default:
      throw new Error(`unknown backend ${String(candidate)}; use auto, tfjs-node-gpu, tfjs-node, wasm or cpu`);
  }
}
