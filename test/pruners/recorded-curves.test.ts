import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Knobs } from '../bench/curves/recorded.js';
import { DIGITS_CURVES, loadRecordedCurves, MLP_CURVES, MLP_SPACE, nearestConfig, PYTORCH_CURVES, PYTORCH_SPACE } from '../bench/curves/recorded.js';

const here = dirname(fileURLToPath(import.meta.url));
const havePython = spawnSync('/usr/bin/python3', ['-c', 'pass']).status === 0;
const curves = loadRecordedCurves();

function knobs(i: number): Knobs {
  const u = (k: number): number => ((i * 7919 + k * 104729) % 1000) / 1000;
  return {
    optimizer: u(0) < 0.5 ? 'adamw' : 'sgd',
    lr: 10 ** (-4 + 3 * u(1)) * (u(0) < 0.5 ? 1 : 10),
    weight_decay: 10 ** (-5 + 4 * u(2)),
    batch_size: [16, 32, 64, 128][Math.floor(4 * u(3))] as number,
    warmup_epochs: Math.floor(6 * u(4)),
    drop_path_rate: 0.3 * u(5),
    ema: u(6) < 0.5,
    label_smoothing: 0.2 * u(7),
    mixup_alpha: 0.4 * u(8),
    width: u(9) < 0.5 ? 8 : 16,
  };
}

describe('the recorded curves of the pruner benchmark', () => {
  it('hold a curve of every metric for every epoch of every configuration', () => {
    expect(curves.configs.length).toBeGreaterThanOrEqual(200);
    for (const c of curves.configs) {
      expect(c.val_loss).toHaveLength(curves.epochs);
      expect(c.val_accuracy).toHaveLength(curves.epochs);
    }
  });
  it('have a discrete accuracy: multiples of 1/validationSamples', () => {
    const n = curves.validationSamples as number;
    for (const a of curves.configs.flatMap((c) => c.val_accuracy ?? [])) expect(Math.abs(a * n - Math.round(a * n))).toBeLessThan(0.02);
  });
  it('look a recorded configuration up as itself', () => {
    curves.configs.slice(0, 20).forEach((c, i) => expect(nearestConfig(curves, c.params as unknown as Knobs)).toBe(i));
  });
  it('keep the optimizer of the suggested knobs', () => {
    for (let i = 0; i < 20; i++) expect(curves.configs[nearestConfig(curves, knobs(i))]?.params['optimizer']).toBe(knobs(i).optimizer);
  });
  it.skipIf(!havePython)('pick the same configuration in TypeScript and Python', () => {
    const queries = Array.from({ length: 40 }, (_, i) => knobs(i));
    const result = spawnSync('/usr/bin/python3', [join(here, '../bench/optuna/pruners.py'), '--curves', DIGITS_CURVES, '--nearest', JSON.stringify(queries)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(queries.map((q) => nearestConfig(curves, q)));
  });
});

describe("the PyTorch example's recorded curves", () => {
  const torchCurves = loadRecordedCurves(PYTORCH_CURVES);
  const query = (i: number): Record<string, number | string> => {
    const u = (k: number): number => ((i * 7919 + k * 104729) % 1000) / 1000;
    const optimizer = u(0) < 0.5 ? 'adamw' : 'sgd';
    return { optimizer, lr: 10 ** (-4 + 3 * u(1)) * (optimizer === 'sgd' ? 10 : 1), batch_size: [16, 32, 64, 128][Math.floor(4 * u(3))] as number, momentum: 0.8 + 0.19 * u(4), weight_decay: 10 ** (-5 + 4 * u(2)) };
  };
  it('hold a loss for every epoch of every configuration', () => {
    expect(torchCurves.configs.length).toBeGreaterThanOrEqual(200);
    for (const c of torchCurves.configs) expect(c.val_loss).toHaveLength(torchCurves.epochs);
  });
  it('look a recorded configuration up as itself', () => {
    torchCurves.configs.slice(0, 20).forEach((c, i) => expect(nearestConfig(torchCurves, c.params, PYTORCH_SPACE)).toBe(i));
  });
  it.skipIf(!havePython)('pick the same configuration in TypeScript and Python', () => {
    const queries = Array.from({ length: 40 }, (_, i) => query(i));
    const result = spawnSync('/usr/bin/python3', [join(here, '../bench/optuna/pruners.py'), '--curves', PYTORCH_CURVES, '--space', 'pytorch', '--nearest', JSON.stringify(queries)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(queries.map((q) => nearestConfig(torchCurves, q, PYTORCH_SPACE)));
  });
});

describe("the MLP table's recorded curves", () => {
  const mlp = loadRecordedCurves(MLP_CURVES);
  const query = (i: number): Record<string, number | string | boolean> => {
    const u = (k: number): number => ((i * 7919 + k * 104729) % 1000) / 1000;
    const optimizer = u(0) < 0.5 ? 'adamw' : 'sgd';
    return {
      optimizer,
      lr: 10 ** (-4 + 3 * u(1)) * (optimizer === 'sgd' ? 10 : 1),
      momentum: 0.8 + 0.19 * u(2),
      weight_decay: 10 ** (-5 + 4 * u(3)),
      batch_size: [16, 32, 64, 128][Math.floor(4 * u(4))] as number,
      warmup_epochs: Math.floor(6 * u(5)),
      dropout: Math.floor(6 * u(6)) / 10,
      ema: u(7) < 0.4,
      label_smoothing: Math.floor(5 * u(8)) * 0.05,
      mixup_alpha: Math.floor(5 * u(9)) / 10,
      shift: u(10) < 0.5,
      width: [64, 128][Math.floor(2 * u(11))] as number,
      depth: 1 + Math.floor(3 * u(12)),
    };
  };
  it('hold both metrics for every epoch of over 1,000 configurations, the accuracy in steps of 1/300', () => {
    expect(mlp.configs.length).toBeGreaterThan(1000);
    expect(mlp.validationSamples).toBe(300);
    for (const c of mlp.configs) {
      expect(c.val_loss).toHaveLength(mlp.epochs);
      expect(c.val_accuracy).toHaveLength(mlp.epochs);
      for (const a of c.val_accuracy ?? []) expect(Math.abs(a * 300 - Math.round(a * 300))).toBeLessThan(0.02);
    }
  });
  it('look a recorded configuration up as itself', () => {
    mlp.configs.slice(0, 20).forEach((c, i) => expect(nearestConfig(mlp, c.params, MLP_SPACE)).toBe(i));
  });
  it.skipIf(!havePython)('pick the same configuration in TypeScript and Python', () => {
    const queries = Array.from({ length: 40 }, (_, i) => query(i));
    const result = spawnSync('/usr/bin/python3', [join(here, '../bench/optuna/pruners.py'), '--curves', MLP_CURVES, '--space', 'mlp', '--nearest', JSON.stringify(queries)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(queries.map((q) => nearestConfig(mlp, q, MLP_SPACE)));
  });
});
