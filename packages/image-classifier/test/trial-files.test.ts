import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ParamValue } from 'sodate';
import type { ImageDataset } from '../src/index.js';
import { CHECKPOINT_FILE, imageClassifierObjective, loadModelFiles, MODEL_FILE, WEIGHTS_FILE } from '../src/index.js';
import type { ImageClassifierOptions } from '../src/objective.js';
import { dataFor } from '../src/objective.js';
import { classificationMetrics } from '../src/metrics.js';
import { FakeSlotTrial } from './helpers/slot-trial.js';

// Tiny runs: 300 digits, width 4.
const SMALL = { maxSamples: 300, epochs: 2, width: 4, seed: 0 } as const;
// EMA with a short memory: the averaged weights differ from the live ones, so a saved model
// gives the reported value only if it holds the averages.
const EMA = { lr: 3e-3, batch_size: 32, ema: true, ema_decay: 0.9 };

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'sodate-image-'));

/** Validation loss of a reloaded model on `indices`, from the data set's stored pixel values. */
async function reloadedLoss(dir: string, data: ImageDataset, indices: Int32Array): Promise<number> {
  const model = await loadModelFiles(dir);
  const pixels = data.height * data.width * data.channels;
  const x = new Float32Array(indices.length * pixels);
  indices.forEach((idx, i) => x.set(data.images.subarray(idx * pixels, (idx + 1) * pixels), i * pixels));
  const input = tf.tensor4d(x, [indices.length, data.height, data.width, data.channels]);
  const probs = model.predict(input) as tf.Tensor;
  const metrics = classificationMetrics(probs.dataSync() as Float32Array, Int32Array.from(indices, (i) => data.labels[i] as number), data.numClasses);
  tf.dispose([input, probs]);
  model.dispose();
  return metrics.loss;
}

async function run(options: ImageClassifierOptions, params: Record<string, ParamValue>, trialOptions: ConstructorParameters<typeof FakeSlotTrial>[1]) {
  const trial = new FakeSlotTrial(params, trialOptions);
  const value = await imageClassifierObjective(options)(trial);
  return { trial, value };
}

afterEach(() => vi.restoreAllMocks());

describe('the model a trial saves in its directory', () => {
  it('is the model its value was measured on: reloaded, it gives the reported validation loss (EMA weights)', async () => {
    const dir = tempDir();
    const { trial, value } = await run(SMALL, EMA, { artifactDir: dir });
    // The per-epoch checkpoint is gone once the trial completes: the model files stay.
    expect(readdirSync(dir).sort()).toEqual([MODEL_FILE, WEIGHTS_FILE]);
    expect(trial.checkpoints).toEqual([
      [CHECKPOINT_FILE, 0],
      [CHECKPOINT_FILE, 1],
    ]);
    const { data, splits } = dataFor(SMALL);
    expect(await reloadedLoss(dir, data, splits[0]!.validation)).toBeCloseTo(value as number, 5);
    const meta = (JSON.parse(readFileSync(join(dir, MODEL_FILE), 'utf8')) as { userDefinedMetadata: { sodate: Record<string, unknown> } }).userDefinedMetadata.sodate;
    expect(meta).toMatchObject({ trial: 0, epoch: 1, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], validation: { loss: value } });
  });

  it('with K folds, is one model per fold under fold-<k>/, each giving its fold\'s value (GeM pooling, head batch norm and hidden layer)', async () => {
    const dir = tempDir();
    const options = { ...SMALL, epochs: 1, folds: 2 };
    const head = { pool: 'gem', gem_p: 3, head_bn: true, head_hidden: 8, head_dropout: 0.2, drop_path_rate: 0.1 };
    const { trial } = await run(options, { ...EMA, ...head }, { artifactDir: dir });
    expect(readdirSync(dir).sort()).toEqual(['fold-0', 'fold-1']);
    const { data, splits } = dataFor(options);
    for (const k of [0, 1]) expect(await reloadedLoss(join(dir, `fold-${k}`), data, splits[k]!.validation)).toBeCloseTo(trial.reports.get(k) as number, 5);
  });

  it('is not written with saveModel: false, nor checkpoints with checkpoints: false', async () => {
    const dir = tempDir();
    const { trial } = await run({ ...SMALL, saveModel: false, checkpoints: false }, EMA, { artifactDir: dir });
    expect(readdirSync(dir)).toEqual([]);
    expect(trial.checkpoints).toEqual([]);
  });

  it('leaks no tensors', async () => {
    await run(SMALL, EMA, { artifactDir: tempDir() });
    const before = tf.memory().numTensors;
    await run(SMALL, { ...EMA, pool: 'gem', head_bn: true }, { artifactDir: tempDir() });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a trial stopped after a checkpoint and resumed from it', () => {
  it('goes on from the epoch after the checkpoint\'s and reports and returns what an uninterrupted run does', async () => {
    const options = { ...SMALL, epochs: 3 };
    const straight = await run(options, EMA, { artifactDir: tempDir() });
    const dir = tempDir();
    await expect(run(options, EMA, { artifactDir: dir, stopAt: 0 })).rejects.toThrow('stopped at step 0');
    expect(existsSync(join(dir, CHECKPOINT_FILE))).toBe(true);
    const resumed = await run(options, EMA, { artifactDir: dir, resumeFrom: join(dir, CHECKPOINT_FILE), resumeStep: 0 });
    // Weights, optimizer moments, EMA, data order and random draws all restored: the same numbers, bit for bit.
    expect([...resumed.trial.reports]).toEqual([...straight.trial.reports].filter(([step]) => step > 0));
    expect(resumed.value).toBe(straight.value);
    expect(readdirSync(dir).sort()).toEqual([MODEL_FILE, WEIGHTS_FILE]);
  });

  it('stopped at a fold\'s last epoch, starts the next fold', async () => {
    const options = { ...SMALL, epochs: 1, folds: 2 };
    const straight = await run(options, EMA, { artifactDir: tempDir() });
    const dir = tempDir();
    await expect(run(options, EMA, { artifactDir: dir, stopAt: 0 })).rejects.toThrow('stopped at step 0');
    const resumed = await run(options, EMA, { artifactDir: dir, resumeFrom: join(dir, CHECKPOINT_FILE), resumeStep: 0 });
    expect([...resumed.trial.reports]).toEqual([[1, straight.trial.reports.get(1)]]);
    expect(resumed.value).toBe(straight.value);
    expect(readdirSync(dir).sort()).toEqual(['fold-0', 'fold-1']);
  });

  it('refuses a checkpoint saved with another number of epochs', async () => {
    const dir = tempDir();
    await expect(run(SMALL, EMA, { artifactDir: dir, stopAt: 0 })).rejects.toThrow('stopped at step 0');
    await expect(run({ ...SMALL, epochs: 3 }, EMA, { artifactDir: dir, resumeFrom: join(dir, CHECKPOINT_FILE), resumeStep: 0 })).rejects.toThrow(
      `checkpoint ${join(dir, CHECKPOINT_FILE)} was saved with 2 epochs and 1 fold(s); this run has 3 and 1`,
    );
  });
});

describe('verbose: true', () => {
  it('writes one line per epoch to the trial\'s log, not to standard output', async () => {
    const stdout = vi.spyOn(console, 'log');
    const { trial } = await run({ ...SMALL, verbose: true }, EMA, {});
    expect(trial.logs).toHaveLength(2);
    expect(trial.logs[1]).toMatch(/^trial 0 fold 0 epoch 2\/2: train_loss \d\.\d{4} val_loss \d\.\d{4} val_acc \d\.\d{4} \(\d+ img\/s\)$/);
    expect(stdout).not.toHaveBeenCalled();
  });
});
