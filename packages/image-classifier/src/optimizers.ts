import type { Param } from './model.js';
import type { NativeKernels } from './native-kernels/index.js';
import { loadNativeKernels } from './native-kernels/index.js';

export interface StepRates {
  /** Learning rate of each group this step (after schedule and backbone scale). */
  readonly backbone: number;
  readonly head: number;
}

/**
 * An optimizer updates each parameter's master copy (`Param.values`) in place from its
 * gradient. The update runs over Float32Arrays, one loop per variable instead of a dozen
 * tensor ops (which dominate small models' steps on the wasm and CPU backends): in sodate's
 * native kernels where they are built, else in JS, with the same math in double precision.
 */
export interface Optimizer {
  step(params: ReadonlyMap<string, Param>, grads: ReadonlyMap<string, Float32Array>, rates: StepRates): void;
  /** Everything the next steps depend on (copies), for a checkpoint. */
  state(): OptimizerState;
  /** Continue from a checkpoint's `state()` of the same kind of optimizer. */
  restore(state: OptimizerState): void;
}

/** An optimizer's step count and per-parameter buffers, keyed `<buffer>:<parameter>`. */
export interface OptimizerState {
  readonly steps: number;
  readonly buffers: ReadonlyMap<string, Float32Array>;
}

function copyBuffers(buffers: Iterable<[string, Float32Array]>, prefix: string, into: Map<string, Float32Array>): void {
  for (const [name, values] of buffers) into.set(`${prefix}:${name}`, Float32Array.from(values));
}

/** The buffers under `prefix` of a saved state, by parameter name. */
function buffersOf(state: OptimizerState, prefix: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [key, values] of state.buffers) {
    if (!key.includes(':')) throw new Error(`optimizer state: buffer key ${key} has no "<buffer>:" prefix`);
    if (key.startsWith(`${prefix}:`)) out.set(key.slice(prefix.length + 1), Float32Array.from(values));
  }
  return out;
}

/** `native: false` keeps the updates in JS even where the native kernels are built. */
export interface UpdateLoopOptions {
  readonly native?: boolean;
}

export function nativeUpdates(options: UpdateLoopOptions): NativeKernels | null {
  return options.native === false ? null : loadNativeKernels().kernels;
}

export interface AdamWOptions extends UpdateLoopOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps: number;
  readonly weightDecay: number;
}

/**
 * AdamW (Loshchilov & Hutter), as torch.optim.AdamW: w ← w·(1 − lr·wd), then
 * w ← w − lr·m̂/(√v̂ + eps) with bias-corrected moments; decay on conv/dense kernels only.
 */
export class AdamW implements Optimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly native: NativeKernels | null;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private t = 0;

  constructor(options: AdamWOptions) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps;
    this.weightDecay = options.weightDecay;
    this.native = nativeUpdates(options);
  }

  step(params: ReadonlyMap<string, Param>, grads: ReadonlyMap<string, Float32Array>, rates: StepRates): void {
    this.t++;
    const { beta1, beta2, eps } = this;
    const c1 = 1 - beta1 ** this.t;
    const c2 = Math.sqrt(1 - beta2 ** this.t);
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (g === undefined) continue;
      const lr = p.group === 'head' ? rates.head : rates.backbone;
      const w = p.values;
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (m === undefined || v === undefined) {
        m = new Float32Array(w.length);
        v = new Float32Array(w.length);
        this.m.set(name, m);
        this.v.set(name, v);
      }
      const keep = p.decay ? 1 - lr * this.weightDecay : 1;
      // torch: denom = √v / √(1 − β2^t) + eps; step = lr / (1 − β1^t).
      const stepSize = lr / c1;
      if (this.native !== null) {
        this.native.adamw(w, g, m, v, beta1, beta2, stepSize, c2, eps, keep);
        continue;
      }
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] as number;
        const mi = beta1 * (m[i] as number) + (1 - beta1) * gi;
        const vi = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = (w[i] as number) * keep - (stepSize * mi) / (Math.sqrt(vi) / c2 + eps);
      }
    }
  }

  state(): OptimizerState {
    const buffers = new Map<string, Float32Array>();
    copyBuffers(this.m, 'm', buffers);
    copyBuffers(this.v, 'v', buffers);
    return { steps: this.t, buffers };
  }

  restore(state: OptimizerState): void {
    this.t = state.steps;
    this.m.clear();
    this.v.clear();
    for (const [name, values] of buffersOf(state, 'm')) this.m.set(name, values);
    for (const [name, values] of buffersOf(state, 'v')) this.v.set(name, values);
  }
}

export interface SgdOptions extends UpdateLoopOptions {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/**
 * SGD as torch.optim.SGD: g ← g + wd·w (L2, kernels only); b ← μ·b + g (b = g at the
 * first step); step along g + μ·b with Nesterov, else b.
 */
export class Sgd implements Optimizer {
  private readonly options: SgdOptions;
  private readonly native: NativeKernels | null;
  private readonly buffers = new Map<string, Float32Array>();

  constructor(options: SgdOptions) {
    this.options = options;
    this.native = nativeUpdates(options);
  }

  step(params: ReadonlyMap<string, Param>, grads: ReadonlyMap<string, Float32Array>, rates: StepRates): void {
    const { momentum, nesterov, weightDecay } = this.options;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (g === undefined) continue;
      const lr = p.group === 'head' ? rates.head : rates.backbone;
      const w = p.values;
      const wd = p.decay ? weightDecay : 0;
      let b = this.buffers.get(name);
      const first = b === undefined;
      if (b === undefined) {
        b = new Float32Array(w.length);
        this.buffers.set(name, b);
      }
      if (this.native !== null) {
        this.native.sgd(w, g, b, lr, momentum, wd, nesterov, first);
        continue;
      }
      for (let i = 0; i < w.length; i++) {
        const gi = (g[i] as number) + wd * (w[i] as number);
        if (momentum === 0) {
          w[i] = (w[i] as number) - lr * gi;
          continue;
        }
        const bi = first ? gi : momentum * (b[i] as number) + gi;
        b[i] = bi;
        w[i] = (w[i] as number) - lr * (nesterov ? gi + momentum * bi : bi);
      }
    }
  }

  state(): OptimizerState {
    const buffers = new Map<string, Float32Array>();
    copyBuffers(this.buffers, 'b', buffers);
    // Sgd keeps no step count: a parameter's first step is the one without a buffer.
    return { steps: 0, buffers };
  }

  restore(state: OptimizerState): void {
    this.buffers.clear();
    for (const [name, values] of buffersOf(state, 'b')) this.buffers.set(name, values);
  }
}
