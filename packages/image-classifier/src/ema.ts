import type { NativeKernels } from './native-kernels/index.js';
import type { UpdateLoopOptions } from './optimizers.js';
import { nativeUpdates } from './optimizers.js';

/** The averages of a model's state and how many updates made them. */
export interface EmaState {
  readonly updates: number;
  readonly shadow: ReadonlyMap<string, Float32Array>;
}

/**
 * Exponential moving average of a model's state (weights and batch-norm statistics):
 * ema ← d·ema + (1 − d)·w after each update, with d warmed up as min(decay, (1 + t)/(10 + t))
 * so that a short run is not dominated by the initial weights (as TensorFlow's
 * ExponentialMovingAverage does with num_updates).
 */
export class WeightEma {
  readonly decay: number;
  private readonly shadow = new Map<string, Float32Array>();
  private readonly native: NativeKernels | null;
  private updates = 0;

  constructor(state: ReadonlyMap<string, Float32Array>, decay: number, options: UpdateLoopOptions = {}) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`ema decay must be within [0, 1), got ${decay}`);
    this.decay = decay;
    this.native = nativeUpdates(options);
    for (const [name, values] of state) this.shadow.set(name, Float32Array.from(values));
  }

  /** The decay the next update uses. */
  currentDecay(): number {
    return Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
  }

  update(state: ReadonlyMap<string, Float32Array>): void {
    const d = this.currentDecay();
    for (const [name, values] of state) {
      const s = this.shadow.get(name) as Float32Array;
      if (this.native !== null) this.native.ema(s, values, d);
      else for (let i = 0; i < s.length; i++) s[i] = d * (s[i] as number) + (1 - d) * (values[i] as number);
    }
    this.updates++;
  }

  /** The averages and the update count (copies), for a checkpoint. */
  state(): EmaState {
    const shadow = new Map<string, Float32Array>();
    for (const [name, values] of this.shadow) shadow.set(name, Float32Array.from(values));
    return { updates: this.updates, shadow };
  }

  /** Continue from a checkpoint's `state()` of the same model. */
  restore(state: EmaState): void {
    for (const [name, values] of this.shadow) {
      const saved = state.shadow.get(name);
      if (saved?.length !== values.length) throw new Error(`ema state: ${name} has ${saved?.length ?? 'no'} values, the model ${values.length}`);
      values.set(saved);
    }
    this.updates = state.updates;
  }

  get(name: string): Float32Array | undefined {
    return this.shadow.get(name);
  }

  /**
   * Run `fn` with the live state's arrays holding the averages (`sync` uploads them where
   * the model needs it), then restore the live values.
   */
  withAverages<T>(state: ReadonlyMap<string, Float32Array>, sync: () => void, fn: () => T): T {
    const saved = new Map<string, Float32Array>();
    for (const [name, values] of state) {
      saved.set(name, Float32Array.from(values));
      values.set(this.shadow.get(name) as Float32Array);
    }
    sync();
    try {
      return fn();
    } finally {
      for (const [name, values] of state) values.set(saved.get(name) as Float32Array);
      sync();
    }
  }
}
