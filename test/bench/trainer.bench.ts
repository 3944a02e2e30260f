/**
 * Issue #6's benchmark: training images/s of the same small CNN (sodate's ResNet, width 16,
 * 3 stages, AdamW, batch 64) in sodate's trainer and in PyTorch on the CPU with one thread
 * (Debian's python3-torch), in the same command.
 *
 *   npm run bench -- trainer
 *   SODATE_BENCH_STEPS=32 SODATE_BENCH_ROUNDS=5 npm run bench -- trainer
 *   SODATE_NATIVE_KERNELS=0 npm run bench -- trainer      sodate without its native kernels
 *
 * Both sides time epochs of `steps` batches after one warmup epoch, data path included
 * (uint8 images gathered, scaled and normalised per batch), validation excluded. The two run
 * in alternating rounds (a fresh process for PyTorch each round, a fresh model for sodate),
 * and the table shows the median round of each: on a shared machine a single short run can
 * be off by a factor of two either way.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend } from '../../packages/image-classifier/src/backend.js';
import { DEFAULT_TRAIN_CONFIG } from '../../packages/image-classifier/src/config.js';
import type { ImageDataset } from '../../packages/image-classifier/src/data/dataset.js';
import { Rng } from '../../packages/image-classifier/src/rng.js';
import { trainModel } from '../../packages/image-classifier/src/trainer.js';
import { printTable, ratio } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = Number(process.env['SODATE_BENCH_STEPS'] ?? 16);
const ROUNDS = Number(process.env['SODATE_BENCH_ROUNDS'] ?? 3);
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

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
}

console.log(`sodate backend: ${await describeBackend()}`);
const rows: string[][] = [];
for (const c of CASES) {
  const ours: number[] = [];
  const peers: number[] = [];
  let note = '';
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await sodate(c.size, c.channels));
    const peer = pytorch(c.size, c.channels);
    peers.push(peer.ips);
    note = peer.note;
  }
  const [mine, theirs] = [median(ours), median(peers)];
  const spread = (values: number[]): string => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  rows.push([
    c.name,
    `batch ${BATCH}, width ${WIDTH}, ${STEPS} steps`,
    `${mine.toFixed(0)} (${spread(ours)})`,
    Number.isNaN(theirs) ? '-' : `${theirs.toFixed(0)} (${spread(peers)})`,
    ratio(mine, Number.isNaN(theirs) ? undefined : theirs),
    note,
  ]);
}
printTable(['input', 'model', `sodate img/s, median of ${ROUNDS} (range)`, 'PyTorch 1 thread img/s (range)', 'sodate / PyTorch', 'peer'], rows);
