#!/usr/bin/env node
/**
 * Builds sodate's native kernels (native/src, C++ with Node-API: convolutions, batch norm, optimizer updates) for the image
 * trainer: the install script of @sodate/image-classifier (in a clone, run by the workspace's
 * `npm install`). Optional by design: where no C++ compiler or Node headers are
 * found, it says so in one line and the trainer uses the WebAssembly (XNNPACK) kernels.
 *
 *   npm rebuild @sodate/image-classifier    build native/build/sodate_kernels.node
 *   node scripts/build-native.mjs           the same, from this package's folder
 *   SODATE_NATIVE_KERNELS=0 npm install     skip the build
 *
 * No -march=native: the GEMM is compiled for AVX-512, AVX2 and the baseline and picks one at
 * load, so a build shared by several machines (a network home, a container image) runs on all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = ['addon.cc', 'batch-norm.cc', 'conv.cc', 'gemm.cc', 'optimizers.cc'].map((f) => join(root, 'native', 'src', f));
const output = join(root, 'native', 'build', 'sodate_kernels.node');
/** A compiler stuck for this long must not hang `npm install`. */
const TIMEOUT_MS = 300_000;

function skip(reason) {
  console.log(`sodate: native kernels not built (${reason}); the image trainer will use the WebAssembly kernels`);
  process.exit(0);
}

/** `$CXX` may carry arguments (`ccache g++`); without it, g++ then c++ (clang where that is all there is). */
function compilers() {
  const fromEnv = process.env.CXX?.trim();
  if (fromEnv) return [fromEnv.split(/\s+/)];
  return [['g++'], ['c++']];
}

function build() {
  if (process.env.SODATE_NATIVE_KERNELS === '0') skip('SODATE_NATIVE_KERNELS=0');
  if (process.platform === 'win32') skip('no Windows build yet');
  // Official Node.js builds and Debian's nodejs both keep node_api.h in <prefix>/include/node.
  const includeCandidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')]
    .filter(Boolean)
    .map((dir) => join(dir, 'include', 'node'));
  const include = includeCandidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (include === undefined) skip(`node_api.h not found in ${includeCandidates.join(' or ')}`);

  mkdirSync(dirname(output), { recursive: true });
  // Built beside the old library and renamed over it: a failed build leaves no half-written file.
  const partial = `${output}.partial`;
  const flags = ['-O3', '-std=c++17', '-fno-math-errno', '-Wno-psabi', '-shared', '-fPIC', `-I${include}`];
  if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
  const failures = [];
  for (const [compiler, ...prefix] of compilers()) {
    const run = spawnSync(compiler, [...prefix, ...flags, ...sources, '-o', partial], { encoding: 'utf8', timeout: TIMEOUT_MS });
    if (run.error === undefined && run.status === 0) {
      renameSync(partial, output);
      console.log(`sodate: native kernels built (${output})`);
      return;
    }
    rmSync(partial, { force: true });
    failures.push(run.error !== undefined ? `${compiler}: ${run.error.message}` : `${compiler} failed: ${(run.stderr || '').trim().split('\n')[0]}`);
  }
  skip(failures.join('; '));
}

try {
  build();
} catch (error) {
  skip(error instanceof Error ? error.message.split('\n')[0] : String(error));
}
