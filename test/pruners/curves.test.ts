import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CurveParams, CurveVariant } from '../bench/pruner-curves.js';
import { mix32, observedLoss } from '../bench/pruner-curves.js';

const here = dirname(fileURLToPath(import.meta.url));
const havePython = spawnSync('/usr/bin/python3', ['-c', 'pass']).status === 0;

const P1: CurveParams = { lr: 3e-4, weightDecay: 1e-4, batchSize: 32, optimizer: 'adamw', dropPathRate: 0.05, warmupEpochs: 2, ema: true };
const P2: CurveParams = { lr: 2e-2, weightDecay: 3e-6, batchSize: 128, optimizer: 'sgd', dropPathRate: 0.25, warmupEpochs: 0, ema: false };
const POINTS: { params: CurveParams; epoch: number; variant: CurveVariant; seed: number; number: number }[] = [];
for (const params of [P1, P2]) for (const variant of ['crossing', 'parallel'] as const) for (const epoch of [1, 7, 50]) POINTS.push({ params, epoch, variant, seed: 3, number: epoch });

describe.skipIf(!havePython)('the benchmark curves agree between TypeScript and Python', () => {
  it('at a few points of both variants', () => {
    const toPython = (p: CurveParams) => ({ lr: p.lr, weight_decay: p.weightDecay, batch_size: p.batchSize, optimizer: p.optimizer, drop_path_rate: p.dropPathRate, warmup_epochs: p.warmupEpochs, ema: p.ema });
    const result = spawnSync('/usr/bin/python3', [join(here, '../bench/optuna/pruners.py'), '--points', JSON.stringify(POINTS.map((q) => ({ ...q, params: toPython(q.params) })))], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const python = JSON.parse(result.stdout) as number[];
    POINTS.forEach((q, i) => expect(python[i]).toBeCloseTo(observedLoss(q.params, q.epoch, q.variant, q.seed, q.number), 12));
  });
  it('the hash is a fixed function', () => {
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).toBe(mix32(1));
  });
});

describe('the crossing variant crosses', () => {
  it('a high learning rate leads at epoch 3 and trails at epoch 50', () => {
    const slowP: CurveParams = { ...P1, lr: 5e-4, warmupEpochs: 0, ema: false };
    const fastP: CurveParams = { ...P1, lr: 1e-2, warmupEpochs: 0, ema: false };
    const at = (p: CurveParams, e: number) => observedLoss(p, e, 'crossing', 0, 0);
    expect(at(fastP, 3)).toBeLessThan(at(slowP, 3));
    expect(at(fastP, 50)).toBeGreaterThan(at(slowP, 50));
  });
});
