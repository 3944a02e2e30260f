import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createStudy, intermediateVectors, isFeasible, MedianPruner, RandomSampler, trialConstraints, WilcoxonPruner } from 'sodate';
import type { Trial } from 'sodate';
import { createObjective, describeBackend, imageClassifierObjective } from '../src/index.js';
import { loadNativeKernels } from '../src/native-kernels/index.js';

// Tiny runs: 300 digits, width 4, 2 epochs.
const SMALL = { maxSamples: 300, epochs: 2, width: 4, seed: 0 } as const;

describe('the image-classifier objective in a study', () => {
  it('prints which backend runs: wasm here, with sodate kernels', async () => {
    // The exact text, not a pattern built from it: the kernels' names hold regex metacharacters.
    const native = loadNativeKernels().kernels;
    const kernels = native === null ? 'XNNPACK Conv2D with Conv2DBackpropFilter, Conv2DBackpropInput' : `native ${native.instructionSet}: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, batch norm`;
    const expected = `wasm (SIMD, 1 thread; sodate kernels: ${kernels}`;
    const described = await describeBackend();
    expect(described.slice(0, expected.length)).toBe(expected);
    expect(['AVX-512', 'AVX2', 'baseline', undefined]).toContain(native?.instructionSet);
  });

  it('trains, reports each epoch, returns the last epoch value and keeps the best as attributes', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const objective = imageClassifierObjective(SMALL);
    const [trial] = await study.optimize(
      (t: Trial) => {
        t.suggestFloat('lr', 1e-3, 3e-3, { log: true });
        t.suggestCategorical('batch_size', [32]);
        t.suggestCategorical('ema', [true]);
        t.suggestFloat('ema_decay', 0.99, 0.999);
        t.suggestFloat('mixup_alpha', 0.2, 0.4);
        t.suggestFloat('shift_scale_rotate_p', 0.5, 0.5);
        return objective(t);
      },
      { nTrials: 1 },
    );
    expect(trial?.state).toBe('COMPLETE');
    expect([...(trial?.intermediateValues.keys() ?? [])]).toEqual([0, 1]);
    expect(trial?.values?.[0]).toBe(trial?.intermediateValues.get(1));
    const attrs = trial?.userAttrs ?? {};
    // Two epochs of a width-4 model: the batch-norm running statistics have barely moved, so
    // only check that the metrics are there.
    expect(attrs['val_accuracy']).toBeGreaterThanOrEqual(0);
    expect(attrs['val_f1']).toBeGreaterThanOrEqual(0);
    expect(attrs['best_val_loss']).toBe(Math.min(...(trial?.intermediateValues.values() ?? [])));
    expect(attrs['backend']).toMatch(/^wasm/);
    expect(attrs['train_images_per_second']).toBeGreaterThan(0);
  });

  it('lets a pruner stop a trial between epochs, and leaks no tensors across trials', async () => {
    const study = await createStudy({ direction: 'maximize', sampler: new RandomSampler({ seed: 2 }), pruner: new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 0 }) });
    const objective = imageClassifierObjective({ ...SMALL, metric: 'val_accuracy' });
    const lrs = [3e-3, 1e-5, 1e-5];
    let i = 0;
    await study.optimize((t: Trial) => {
      t.suggestFloat('lr', lrs[i] as number, lrs[i] as number);
      i++;
      return objective(t);
    }, { nTrials: 1 });
    const before = tf.memory().numTensors;
    const trials = await study.optimize((t: Trial) => {
      t.suggestFloat('lr', lrs[i] as number, lrs[i] as number);
      i++;
      return objective(t);
    }, { nTrials: 2 });
    expect(tf.memory().numTensors).toBe(before);
    // An lr of 1e-5 learns nothing in an epoch: behind the first trial's accuracy at epoch 0, stopped there.
    expect(trials.map((t) => [t.state, t.intermediateValues.size])).toEqual([
      ['PRUNED', 1],
      ['PRUNED', 1],
    ]);
  });

  it('runs K folds and reports fold after fold', async () => {
    const study = await createStudy({});
    const [trial] = await study.optimize(imageClassifierObjective({ ...SMALL, epochs: 1, folds: 3 }), { nTrials: 1 });
    expect([...(trial?.intermediateValues.keys() ?? [])]).toEqual([0, 1, 2]);
    const values = [...(trial?.intermediateValues.values() ?? [])];
    expect(trial?.values?.[0]).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 3, 10);
  });

  it('with reportFolds, reports each fold\'s final value through reportFold, and the wilcoxon pruner can stop it after a fold', async () => {
    const study = await createStudy({ pruner: new WilcoxonPruner({ pThreshold: 1, nStartupSteps: 2 }) });
    const objective = imageClassifierObjective({ ...SMALL, epochs: 1, folds: 3, reportFolds: true });
    const lrs = [3e-3, 1e-6];
    let i = 0;
    const trials = await study.optimize((t: Trial) => {
      t.suggestFloat('lr', lrs[i] as number, lrs[i] as number);
      i++;
      return objective(t);
    }, { nTrials: 2 });
    const [good, bad] = trials;
    expect(good?.state).toBe('COMPLETE');
    expect(good?.systemAttrs['sodate:folds']).toBe(true);
    expect([...(good?.intermediateValues.keys() ?? [])]).toEqual([0, 1, 2]);
    expect(good?.values?.[0]).toBeCloseTo([...(good?.intermediateValues.values() ?? [])].reduce((a, b) => a + b, 0) / 3, 10);
    // An lr of 1e-6 learns nothing in one epoch: worse than the first trial on both of its first two folds.
    expect(bad?.state).toBe('PRUNED');
    expect([...(bad?.intermediateValues.keys() ?? [])]).toEqual([0, 1]);
    expect(() => imageClassifierObjective({ reportFolds: true })).toThrow('image-classifier option reportFolds needs folds ≥ 2 (K-fold cross-validation), got folds 1');
  });

  it('returns several objectives, reports every one per epoch and sets the constraint values it is asked for', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'], constraints: { params: { max: 1e6 } }, sampler: new RandomSampler({ seed: 3 }) });
    const objective = imageClassifierObjective({ ...SMALL, metrics: ['val_loss', 'inference_ms'], constraints: ['params'], inferenceBatchSize: 16 });
    const before = tf.memory().numTensors;
    const [trial] = await study.optimize(objective, { nTrials: 1 });
    expect(trial?.state).toBe('COMPLETE');
    expect(tf.memory().numTensors).toBe(before);
    const [loss, inferenceMs] = trial?.values ?? [];
    expect(inferenceMs).toBeGreaterThan(0);
    expect(Number.isFinite(inferenceMs)).toBe(true);
    // One vector per epoch: the loss of that epoch and the latest inference timing (after the first and the last epoch).
    const vectors = intermediateVectors(trial as NonNullable<typeof trial>);
    expect([...vectors.keys()]).toEqual([0, 1]);
    expect(vectors.get(1)).toEqual([loss, inferenceMs]);
    expect(vectors.get(0)?.[0]).toBe(trial?.intermediateValues.get(0));
    const attrs = trial?.userAttrs ?? {};
    expect(attrs['inference_ms']).toBe(inferenceMs);
    expect(attrs['params']).toBeGreaterThan(1000);
    expect(attrs['model_mb']).toBeGreaterThan(((attrs['params'] as number) * 4) / 2 ** 20);
    expect(attrs['train_seconds']).toBeGreaterThan(0);
    // params ≤ 1e6: met by as much as the model is smaller (Optuna's violation: value − max).
    expect(trialConstraints(trial as NonNullable<typeof trial>)).toEqual({ params: (attrs['params'] as number) - 1e6 });
    expect(isFeasible(trial as NonNullable<typeof trial>)).toBe(true);
  });

  it('keeps the seeded losses when it also times inference (EMA weights swapped in and out)', async () => {
    const run = async (metrics: ('val_loss' | 'inference_ms')[]) => {
      const study = await createStudy({ directions: metrics.map(() => 'minimize' as const), sampler: new RandomSampler({ seed: 4 }) });
      const objective = imageClassifierObjective({ ...SMALL, metrics });
      const [trial] = await study.optimize((t: Trial) => {
        t.suggestCategorical('ema', [true]);
        t.suggestFloat('ema_decay', 0.9, 0.9);
        return objective(t);
      }, { nTrials: 1 });
      return [...(trial?.intermediateValues.values() ?? [])];
    };
    const plain = await run(['val_loss']);
    expect(plain).toHaveLength(2);
    expect(await run(['val_loss', 'inference_ms'])).toEqual(plain);
  });

  it('refuses a metric it does not measure, and reportFolds with several metrics', () => {
    expect(() => imageClassifierObjective({ metrics: ['val_loss', 'latency_ms' as never] })).toThrow(/does not produce "latency_ms"; it produces val_loss, val_accuracy/);
    expect(() => imageClassifierObjective({ folds: 3, reportFolds: true, metrics: ['val_loss', 'params'] })).toThrow(/reportFolds reports one value per fold; it needs a single metric/);
    expect(() => createObjective({ metric: 'val_loss' }, { metrics: ['val_loss', 'params'], constraints: [] })).toThrow(/options metric and metrics: give one of them/);
  });

  it('refuses unknown options and names them', () => {
    expect(() => createObjective({ epoch: 3 })).toThrow(/image-classifier has no option "epoch"/);
    expect(() => imageClassifierObjective({ metric: 'auc' as never })).toThrow(/metric must be one of/);
  });
});
