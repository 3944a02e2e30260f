/**
 * Records the real learning curves the pruner benchmark replays (test/bench/curves/):
 * `count` configurations of the built-in image trainer, drawn at random from an
 * image-baseline-like space (cosine decay to zero, linear warmup, EMA, mixup, label
 * smoothing: the knobs that make curves cross late), each trained for `epochs` epochs on
 * the shipped digits with a small validation split, so that validation accuracy is noisy
 * and discrete (steps of 1/|validation|). Per epoch: validation loss and accuracy.
 *
 *   node --import tsx scripts/record-pruner-curves.ts [count=240] [epochs=20] [out=test/bench/curves/digits-cosine.json]
 *
 * Ran once; the bench reads the file and never trains.
 */
import { writeFileSync } from 'node:fs';
import { selectBackend } from '../packages/image-classifier/src/backend.js';
import { DEFAULT_TRAIN_CONFIG, trainConfigFromParams } from '../packages/image-classifier/src/config.js';
import { loadDataset } from '../packages/image-classifier/src/data/dataset.js';
import type { Split } from '../packages/image-classifier/src/data/split.js';
import { stratifiedHoldout } from '../packages/image-classifier/src/data/split.js';
import { Rng } from '../packages/image-classifier/src/rng.js';
import { trainModel } from '../packages/image-classifier/src/trainer.js';

const count = Number(process.argv[2] ?? 240);
const epochs = Number(process.argv[3] ?? 20);
const out = process.argv[4] ?? 'test/bench/curves/digits-cosine.json';
const TRAIN_SAMPLES = 720;
const VAL_FRACTION = 0.12;

/** The knobs, as the bench's sampler suggests them (names of search-spaces/image-baseline.yaml). */
function drawParams(rng: Rng): Record<string, number | string | boolean> {
  const logUniform = (lo: number, hi: number): number => Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T;
  const step = (lo: number, hi: number, s: number): number => Math.round((lo + Math.floor(rng.next() * (Math.round((hi - lo) / s) + 1)) * s) * 1000) / 1000;
  const optimizer = pick(['adamw', 'sgd'] as const);
  const ema = rng.next() < 0.4;
  return {
    optimizer,
    lr: optimizer === 'sgd' ? logUniform(3e-3, 1) : logUniform(1e-4, 1e-1),
    ...(optimizer === 'sgd' ? { momentum: 0.8 + 0.19 * rng.next() } : {}),
    weight_decay: logUniform(1e-5, 1e-1),
    batch_size: pick([16, 32, 64, 128]),
    warmup_epochs: Math.floor(rng.next() * 6),
    drop_path_rate: step(0, 0.3, 0.05),
    ema,
    ...(ema ? { ema_decay: logUniform(0.99, 0.999) } : {}),
    label_smoothing: step(0, 0.2, 0.05),
    mixup_alpha: step(0, 0.4, 0.1),
    width: pick([8, 16]),
  };
}

const round = (x: number, digits: number): number => Number(x.toPrecision(digits));

async function main(): Promise<void> {
  await selectBackend('auto');
  const data = loadDataset('digits');
  const holdout = stratifiedHoldout(data.labels, VAL_FRACTION, 0);
  const split: Split = { train: holdout.train.subarray(0, TRAIN_SAMPLES), validation: holdout.validation };
  const rng = new Rng(20261203);
  const configs: unknown[] = [];
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const params = drawParams(rng);
    const config = trainConfigFromParams(params, DEFAULT_TRAIN_CONFIG);
    const loss: number[] = [];
    const accuracy: number[] = [];
    await trainModel(data, split, config, {
      epochs,
      seed: 1000 + i,
      onEpoch: (r) => {
        loss.push(Number.isFinite(r.validation.loss) ? round(r.validation.loss, 4) : 99);
        accuracy.push(round(r.validation.accuracy, 4));
      },
    });
    const rounded = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'number' ? round(v, 4) : v]));
    configs.push({ params: rounded, val_loss: loss, val_accuracy: accuracy });
    if (i % 10 === 9) {
      console.error(`${i + 1}/${count} configurations, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      writeFileSync(out, JSON.stringify(document(configs)));
    }
  }
  writeFileSync(out, JSON.stringify(document(configs)));
}

function document(configs: unknown[]): unknown {
  return {
    source: 'sodate built-in image trainer (scripts/record-pruner-curves.ts)',
    dataset: 'digits',
    trainSamples: TRAIN_SAMPLES,
    validationSamples: Math.round(1797 * VAL_FRACTION),
    epochs,
    schedule: 'linear warmup, cosine decay to 0',
    configs,
  };
}

await main();
