/**
 * Issue #6's benchmark: training images/s of the same small CNN (sodate's ResNet, width 16,
 * 3 stages, AdamW, batch 64) in sodate's trainer and in PyTorch on the CPU with one thread
 * (Debian's python3-torch), in the same command.
 *
 *   npm run bench -- trainer
 *   SODATE_BENCH_STEPS=16 npm run bench -- trainer
 *
 * Both sides time one epoch of `steps` batches after one warmup epoch, data path included
 * (uint8 images gathered, scaled and normalised per batch), validation excluded.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend } from '../../src/objectives/image-classifier/backend.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/objectives/image-classifier/config.js';
import type { ImageDataset } from '../../src/objectives/image-classifier/data/dataset.js';
import { Rng } from '../../src/objectives/image-classifier/rng.js';
import { trainModel } from '../../src/objectives/image-classifier/trainer.js';
import { printTable, ratio } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = Number(process.env['SODATE_BENCH_STEPS'] ?? 8);
const BATCH = 64;
const WIDTH = 16;
const CASES = [
  { name: '32×32×3 (CIFAR-like)', size: 32, channels: 3 },
  { name: '8×8×1 (digits)', size: 8, channels: 1 },
];

function syntheticDataset(size: number, channels: number, count: number): ImageDataset {
  const rng = new Rng(0);
  return {
    name: 'synthetic',
    images: Uint8Array.from({ length: count * size * size * channels }, () => rng.int(256)),
    count,
    height: size,
    width: size,
    channels,
    labels: Int32Array.from({ length: count }, () => rng.int(10)),
    numClasses: 10,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

async function sodate(size: number, channels: number): Promise<number> {
  const train = BATCH * STEPS;
  const data = syntheticDataset(size, channels, train + BATCH);
  const split = { train: Int32Array.from({ length: train }, (_, i) => i), validation: Int32Array.from({ length: BATCH }, (_, i) => train + i) };
  const results = await trainModel(data, split, { ...DEFAULT_TRAIN_CONFIG, width: WIDTH, batchSize: BATCH }, { epochs: 2, seed: 0, stages: 3 });
  return results[1]?.imagesPerSecond ?? NaN;
}

function pytorch(size: number, channels: number): { ips: number; note: string } {
  const args = [join(here, 'pytorch', 'trainer_peer.py'), '--size', String(size), '--channels', String(channels), '--width', String(WIDTH), '--batch', String(BATCH), '--steps', String(STEPS), '--threads', '1'];
  const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  if (run.status !== 0) return { ips: NaN, note: `PyTorch peer failed (apt-get install python3-torch): ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}` };
  const out = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { images_per_second: number; torch: string };
  return { ips: out.images_per_second, note: `torch ${out.torch}` };
}

console.log(`sodate backend: ${await describeBackend()}`);
const rows: string[][] = [];
for (const c of CASES) {
  const ours = await sodate(c.size, c.channels);
  const peer = pytorch(c.size, c.channels);
  rows.push([c.name, `batch ${BATCH}, width ${WIDTH}`, ours.toFixed(0), Number.isNaN(peer.ips) ? '-' : peer.ips.toFixed(0), ratio(ours, Number.isNaN(peer.ips) ? undefined : peer.ips), peer.note]);
}
printTable(['input', 'model', 'sodate img/s', 'PyTorch 1 thread img/s', 'sodate / PyTorch', 'peer'], rows);
