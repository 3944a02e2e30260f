import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { DEFAULT_TRAIN_CONFIG, trainConfigFromParams } from '../src/config.js';
import { stratifiedHoldout, stratifiedKFold } from '../src/data/split.js';
import { WeightEma } from '../src/ema.js';
import { loadNativeKernels } from '../src/native-kernels/index.js';
import { balancedClassWeights, softTargetLoss } from '../src/losses.js';
import { binaryThresholds, classificationMetrics } from '../src/metrics.js';
import { cutmix, cutmixBox, mixBatch, mixup } from '../src/mix.js';
import type { Param } from '../src/model.js';
import { AdamW, Sgd } from '../src/optimizers.js';
import { Rng } from '../src/rng.js';
import { warmupCosine } from '../src/schedule.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 5): void => {
  expect(a.length).toBe(b.length);
  Array.from(a).forEach((v, i) => expect(v).toBeCloseTo(b[i] as number, digits));
};

describe('warmup then cosine', () => {
  it('rises linearly over the warmup steps to the base rate', () => {
    expect([0, 1, 2, 3].map((s) => warmupCosine(s, 14, 4))).toEqual([0.25, 0.5, 0.75, 1]);
  });
  it('then follows half a cosine down to minRatio', () => {
    expect(warmupCosine(4, 14, 4)).toBe(1);
    expect(warmupCosine(9, 14, 4)).toBeCloseTo(0.5, 12);
    expect(warmupCosine(14, 14, 4)).toBeCloseTo(0, 12);
    expect(warmupCosine(14, 14, 4, 0.1)).toBeCloseTo(0.1, 12);
    expect(warmupCosine(9, 14, 4, 0.1)).toBeCloseTo(0.55, 12);
  });
  it('without warmup starts at the base rate and never rises', () => {
    const values = Array.from({ length: 11 }, (_, s) => warmupCosine(s, 10, 0));
    expect(values[0]).toBe(1);
    values.slice(1).forEach((v, i) => expect(v).toBeLessThanOrEqual(values[i] as number));
  });
});

// Optimizer and EMA updates run in sodate's native kernels where they are built, else in JS: both are checked.
const UPDATE_LOOPS = loadNativeKernels().kernels === null ? [{ native: false }] : [{ native: false }, { native: true }];

describe.each(UPDATE_LOOPS)('EMA of weights (%o)', (loop) => {
  it('updates ema ← d·ema + (1 − d)·w with the warmed-up decay min(decay, (1 + t)/(10 + t))', () => {
    const w = new Float32Array([1, 2]);
    const state = new Map([['w', w]]);
    const ema = new WeightEma(state, 0.99, loop);
    expect(ema.currentDecay()).toBeCloseTo(0.1, 12);
    w.set([11, 12]);
    ema.update(state); // d = 0.1: 0.1·[1, 2] + 0.9·[11, 12]
    close(ema.get('w') as Float32Array, [10, 11]);
    expect(ema.currentDecay()).toBeCloseTo(2 / 11, 12);
    w.set([0, 0]);
    ema.update(state);
    close(ema.get('w') as Float32Array, [(10 * 2) / 11, (11 * 2) / 11]);
  });
  it('caps the decay at its configured value', () => {
    const ema = new WeightEma(new Map([['w', new Float32Array(1)]]), 0.5);
    for (let i = 0; i < 10; i++) ema.update(new Map([['w', new Float32Array(1)]]));
    expect(ema.currentDecay()).toBe(0.5);
  });
  it('swaps the averages in for evaluation and restores the live weights after', () => {
    const w = new Float32Array([1]);
    const state = new Map([['w', w]]);
    const ema = new WeightEma(state, 0.9);
    w[0] = 5;
    let synced = 0;
    const seen = ema.withAverages(state, () => synced++, () => w[0]);
    expect(seen).toBe(1);
    expect(w[0]).toBe(5);
    expect(synced).toBe(2);
  });
});

describe('mixup and cutmix', () => {
  const x = (): tf.Tensor4D => tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1]);
  const y = (): tf.Tensor2D => tf.tensor2d([1, 0, 0, 1], [2, 2]);
  it('mixup blends images and targets with the same λ', () => {
    const out = mixup(x(), y(), Int32Array.from([1, 0]), 0.75);
    close(out.x.dataSync(), [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75]);
    close(out.y.dataSync(), [0.75, 0.25, 0.25, 0.75]);
  });
  it('cutmix pastes the box and weighs the targets by the pasted area', () => {
    const out = cutmix(x(), y(), Int32Array.from([1, 0]), { y0: 0, y1: 1, x0: 0, x1: 2 });
    expect(out.lambda).toBe(0.5);
    close(out.x.dataSync(), [1, 1, 0, 0, 0, 0, 1, 1]);
    close(out.y.dataSync(), [0.5, 0.5, 0.5, 0.5]);
  });
  it('the cutmix box has side ratio √(1 − λ) inside the image', () => {
    const box = cutmixBox(100, 100, 0.75, new Rng(1));
    expect(box.y1 - box.y0).toBeLessThanOrEqual(50);
    expect(box.x1 - box.x0).toBeLessThanOrEqual(50);
    expect(box.y0).toBeGreaterThanOrEqual(0);
    expect(box.x1).toBeLessThanOrEqual(100);
  });
  it('mixed targets stay distributions, and nothing mixes when both are off', () => {
    const rng = new Rng(3);
    for (const cfg of [{ mixupAlpha: 0.4, cutmixProb: 0 }, { mixupAlpha: 0, cutmixProb: 1 }]) {
      const out = mixBatch(x(), y(), cfg, rng);
      expect(out.kind).toBe(cfg.cutmixProb === 1 ? 'cutmix' : 'mixup');
      close(tf.sum(out.y, 1).dataSync(), [1, 1]);
    }
    expect(mixBatch(x(), y(), { mixupAlpha: 0, cutmixProb: 0 }, rng).kind).toBe('none');
  });
  it('draws Beta(α, α) with mean 1/2 and the right variance', () => {
    const rng = new Rng(7);
    const draws = Array.from({ length: 20000 }, () => rng.beta(0.4, 0.4));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(variance).toBeCloseTo(0.25 / (2 * 0.4 + 1), 1);
  });
});

describe('losses', () => {
  const logits = (): tf.Tensor2D => tf.tensor2d([2, 0, -1, 0.5, 0.5, 0], [2, 3]);
  const onehot = (): tf.Tensor2D => tf.tensor2d([1, 0, 0, 0, 0, 1], [2, 3]);
  const base = { labelSmoothing: 0, loss: 'ce' as const, focalGamma: 0, classWeights: null };
  const ce = (l: number[], k: number): number => -(l[k] as number) + Math.log(l.reduce((a, v) => a + Math.exp(v), 0));
  it('cross-entropy is the mean −log softmax of the true class', () => {
    expect(softTargetLoss(logits(), onehot(), base).dataSync()[0]).toBeCloseTo((ce([2, 0, -1], 0) + ce([0.5, 0.5, 0], 2)) / 2, 5);
  });
  it('label smoothing ε spreads ε/K over the classes', () => {
    const smoothed = tf.tensor2d([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3, 0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3], [2, 3]);
    expect(softTargetLoss(logits(), onehot(), { ...base, labelSmoothing: 0.1 }).dataSync()[0]).toBeCloseTo(softTargetLoss(logits(), smoothed, base).dataSync()[0] as number, 5);
  });
  it('focal loss with γ = 0 is cross-entropy, and γ > 0 shrinks confident terms', () => {
    const plain = softTargetLoss(logits(), onehot(), base).dataSync()[0] as number;
    expect(softTargetLoss(logits(), onehot(), { ...base, loss: 'focal', focalGamma: 0 }).dataSync()[0]).toBeCloseTo(plain, 6);
    expect(softTargetLoss(logits(), onehot(), { ...base, loss: 'focal', focalGamma: 2 }).dataSync()[0]).toBeLessThan(plain);
  });
  it('class weights make a weighted mean; balanced weights are N/(K·n_k)', () => {
    close(balancedClassWeights(Int32Array.from([0, 0, 0, 1]), 2), [4 / 6, 2]);
    const w = softTargetLoss(logits(), onehot(), { ...base, classWeights: new Float32Array([1, 1, 3]) }).dataSync()[0];
    expect(w).toBeCloseTo((ce([2, 0, -1], 0) + 3 * ce([0.5, 0.5, 0], 2)) / 4, 5);
  });
});

describe.each(UPDATE_LOOPS)('optimizers, one step by hand (%o)', (loop) => {
  const param = (values: number[], decay: boolean): Param => ({ variable: undefined as never, values: Float32Array.from(values), group: 'backbone', decay });
  it('AdamW: w·(1 − lr·wd) − lr·m̂/(√v̂ + eps), no decay on norms/biases', () => {
    const params = new Map([
      ['w', param([1, -2], true)],
      ['b', param([1], false)],
    ]);
    const opt = new AdamW({ eps: 1e-8, weightDecay: 0.1, ...loop });
    opt.step(params, new Map([['w', Float32Array.from([0.5, -0.25])], ['b', Float32Array.from([2])]]), { backbone: 0.01, head: 0 });
    // First step: m̂ = g, v̂ = g², so the update is lr·sign(g).
    close(params.get('w')?.values as Float32Array, [1 * (1 - 0.001) - 0.01, -2 * (1 - 0.001) + 0.01]);
    close(params.get('b')?.values as Float32Array, [1 - 0.01]);
  });
  it('AdamW: second step uses bias-corrected moments', () => {
    const params = new Map([['w', param([0], false)]]);
    const opt = new AdamW({ eps: 0, weightDecay: 0, ...loop });
    opt.step(params, new Map([['w', Float32Array.from([1])]]), { backbone: 1, head: 1 });
    opt.step(params, new Map([['w', Float32Array.from([3])]]), { backbone: 1, head: 1 });
    const m = 0.9 * 0.1 + 0.1 * 3;
    const v = 0.999 * 0.001 + 0.001 * 9;
    close(params.get('w')?.values as Float32Array, [-1 - m / (1 - 0.81) / Math.sqrt(v / (1 - 0.999 ** 2))]);
  });
  it('SGD with momentum and Nesterov follows torch.optim.SGD', () => {
    const plain = new Map([['w', param([1], true)]]);
    const nesterov = new Map([['w', param([1], true)]]);
    const a = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 0.5, ...loop });
    const b = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 0.5, ...loop });
    for (const g of [1, 2]) {
      a.step(plain, new Map([['w', Float32Array.from([g])]]), { backbone: 0.1, head: 0.1 });
      b.step(nesterov, new Map([['w', Float32Array.from([g])]]), { backbone: 0.1, head: 0.1 });
    }
    // g1 = 1 + 0.5·1 = 1.5, b1 = 1.5, w1 = 1 − 0.15 = 0.85; g2 = 2 + 0.425 = 2.425, b2 = 0.9·1.5 + 2.425 = 3.775.
    close(plain.get('w')?.values as Float32Array, [0.85 - 0.3775]);
    // Nesterov: w1 = 1 − 0.1·(1.5 + 1.35) = 0.715; g2 = 2 + 0.3575 = 2.3575; b2 = 1.35 + 2.3575; w2 = w1 − 0.1·(g2 + 0.9·b2).
    close(nesterov.get('w')?.values as Float32Array, [0.715 - 0.1 * (2.3575 + 0.9 * (1.35 + 2.3575))]);
  });
  it('the head and the backbone get their own learning rates', () => {
    const params = new Map<string, Param>([['h', { ...param([0], false), group: 'head' }], ['k', param([0], false)]]);
    new Sgd({ momentum: 0, nesterov: false, weightDecay: 0, ...loop }).step(params, new Map([['h', Float32Array.from([1])], ['k', Float32Array.from([1])]]), { backbone: 0.1, head: 1 });
    close([params.get('h')?.values[0] as number, params.get('k')?.values[0] as number], [-1, -0.1]);
  });
});

describe.runIf(UPDATE_LOOPS.length > 1)('native and JS update loops', () => {
  it('agree to float32 rounding over 50 steps of AdamW, SGD (plain, momentum, Nesterov) and EMA', () => {
    const rng = new Rng(3);
    const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const start = values(1000);
    const grads = Array.from({ length: 50 }, () => values(1000));
    const run = (make: (native: boolean) => AdamW | Sgd, native: boolean): { w: Float32Array; ema: Float32Array } => {
      const params = new Map<string, Param>([['w', { variable: undefined as never, values: Float32Array.from(start), group: 'backbone', decay: true }]]);
      const state = new Map([['w', (params.get('w') as Param).values]]);
      const opt = make(native);
      const ema = new WeightEma(state, 0.9, { native });
      for (const g of grads) {
        opt.step(params, new Map([['w', g]]), { backbone: 0.01, head: 0.01 });
        ema.update(state);
      }
      return { w: (params.get('w') as Param).values, ema: ema.get('w') as Float32Array };
    };
    const makers: ((native: boolean) => AdamW | Sgd)[] = [
      (native) => new AdamW({ eps: 1e-8, weightDecay: 0.05, native }),
      (native) => new Sgd({ momentum: 0, nesterov: false, weightDecay: 1e-3, native }),
      (native) => new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 1e-3, native }),
      (native) => new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 0, native }),
    ];
    for (const make of makers) {
      const [js, native] = [run(make, false), run(make, true)];
      for (const key of ['w', 'ema'] as const) js[key].forEach((v, i) => expect(Math.abs(v - (native[key][i] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
      expect(js.w).not.toEqual(start);
    }
  });
});

describe('metrics', () => {
  it('accuracy, macro-F1 and loss from probabilities', () => {
    const probs = Float32Array.from([0.9, 0.1, 0, 0.2, 0.7, 0.1, 0.5, 0.4, 0.1, 0.1, 0.1, 0.8]);
    const m = classificationMetrics(probs, Int32Array.from([0, 1, 1, 2]), 3);
    expect(m.accuracy).toBe(0.75);
    // class 0: tp 1 fp 1 → F1 2/3; class 1: tp 1 fn 1 → 2/3; class 2: 1.
    expect(m.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3, 12);
    expect(m.loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.7) + Math.log(0.4) + Math.log(0.8)) / 4, 6);
    expect(m.binary).toBeUndefined();
  });
  it('binary: the F1-optimal threshold and the prevalence percentile', () => {
    const scores = Float32Array.from([0.1, 0.35, 0.4, 0.8, 0.9, 0.2]);
    const labels = Int32Array.from([0, 1, 0, 1, 1, 0]);
    const t = binaryThresholds(scores, labels, 0.5);
    expect(t.optimizedThreshold).toBeCloseTo(0.35, 6);
    expect(t.optimizedF1).toBeCloseTo(6 / 7, 12);
    expect(t.percentileThreshold).toBeCloseTo(0.4, 6);
    expect(t.percentileAccuracy).toBeCloseTo(4 / 6, 12);
    const m = classificationMetrics(Float32Array.from([...scores].flatMap((s) => [1 - s, s])), labels, 2);
    expect(m.binary?.optimizedF1).toBeCloseTo(6 / 7, 12);
  });
});

describe('splits', () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 90 ? 1 : 2));
  it('holdout keeps each class share and is seeded', () => {
    const s = stratifiedHoldout(labels, 0.2, 1);
    const count = (idx: Int32Array, k: number): number => Array.from(idx).filter((i) => labels[i] === k).length;
    expect([0, 1, 2].map((k) => count(s.validation, k))).toEqual([14, 4, 2]);
    expect(s.train.length + s.validation.length).toBe(100);
    expect(Array.from(stratifiedHoldout(labels, 0.2, 1).validation)).toEqual(Array.from(s.validation));
    expect(Array.from(stratifiedHoldout(labels, 0.2, 2).validation)).not.toEqual(Array.from(s.validation));
  });
  it('K folds validate every sample exactly once, stratified', () => {
    const folds = stratifiedKFold(labels, 5, 0);
    const seen = new Int32Array(100);
    for (const f of folds) {
      for (const i of f.validation) seen[i] = (seen[i] as number) + 1;
      expect(f.validation.length).toBe(20);
      expect(Array.from(f.validation).filter((i) => labels[i] === 2).length).toBe(2);
    }
    expect(Array.from(seen).every((v) => v === 1)).toBe(true);
  });
});

describe('trial parameters', () => {
  it('takes the names of search-spaces/image-baseline.yaml, ignores unknown ones, defaults the rest', () => {
    const c = trainConfigFromParams({ lr: 3e-4, optimizer: 'sgd', momentum: 0.95, nesterov: true, hflip_p: 0.5, ema: true, ema_decay: 0.99, unknown_knob: 7 });
    expect(c.lr).toBe(3e-4);
    expect(c.optimizer).toBe('sgd');
    expect(c.nesterov).toBe(true);
    expect(c.augment.hflipP).toBe(0.5);
    expect(c.ema).toBe(true);
    expect(c.batchSize).toBe(DEFAULT_TRAIN_CONFIG.batchSize);
  });
  it('refuses values out of their domain with the parameter name', () => {
    expect(() => trainConfigFromParams({ hflip_p: 2 })).toThrow(/hflip_p must be within \[0, 1\], got 2/);
    expect(() => trainConfigFromParams({ optimizer: 'lion' })).toThrow(/optimizer must be one of adamw, sgd/);
  });
});
