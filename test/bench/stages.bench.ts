/**
 * Staged against flat (issue #14), on the quality suite's image-baseline surrogate
 * (problems.ts; deterministic, minimum 0.23): one TPE study over all 11 parameters, against
 * two stages with the same total trials, the optimiser first (lr, optimizer, momentum,
 * batch_size, warmup_epochs, eps), then regularisation (weight_decay, drop_path_rate,
 * label_smoothing, ema, ema_decay) with the first stage's best fixed (carry: fix) or narrowed
 * (carry: narrow). Both start from the same plain baseline, which runs first. Stages are
 * built with the code `sodate tune` uses (src/space/stages.ts). Median best regret over seeds.
 *
 *   npm run bench -- stages                   10 seeds
 *   SODATE_BENCH_SEEDS=5 npm run bench -- stages
 *
 * SODATE_BENCH_STAGES=trainer runs the real CLI on the built-in image study instead
 * (stages-trainer.ts): the staged and the flat space file, 24 trials each, on seeds 0..4,
 * then `sodate ablate --stages` on seed 0's staged result twice (the study's seeds, then
 * --seed 1000). Build first (`npm run build`). 8 minutes at 2 epochs
 * on two free cores, 25 on loaded ones.
 *
 *   SODATE_BENCH_STAGES=trainer npm run bench -- stages
 *   SODATE_BENCH_EPOCHS=8 SODATE_BENCH_SEEDS=5 SODATE_BENCH_ABLATION_SEEDS=3 …   (defaults: 2, 5, 3)
 *   SODATE_BENCH_DIR=/tmp/x …   keep the studies there; a rerun resumes them
 */
import type { ParamValue } from '../../src/space/distributions.js';
import { contains, toInternal } from '../../src/space/distributions.js';
import type { SearchSpace } from '../../src/space/search-space.js';
import { suggestAll } from '../../src/space/search-space.js';
import type { Carry, StageSpec } from '../../src/space/stages.js';
import { stageSpace } from '../../src/space/stages.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { createStudy } from '../../src/study/create.js';
import { imageBaselineAt, imageSpace } from './image-space.js';
import { runTrainerMode } from './stages-trainer.js';
import { printTable } from './table.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

const OPTIMUM = 0.23;
const BASELINE: Record<string, ParamValue> = { lr: 1e-3, weight_decay: 1e-2, eps: 1e-8, drop_path_rate: 0, batch_size: 64, warmup_epochs: 0, label_smoothing: 0, optimizer: 'adamw', ema: false };
const OPTIM = ['lr', 'optimizer', 'momentum', 'batch_size', 'warmup_epochs', 'eps'];
const REGULARISATION = ['weight_decay', 'drop_path_rate', 'label_smoothing', 'ema', 'ema_decay'];

function inside(space: SearchSpace, config: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of space.params) {
    const v = config[spec.name];
    if (v !== undefined && contains(spec.distribution, toInternal(spec.distribution, v))) out[spec.name] = v;
  }
  return out;
}

/** Best value of one study of `trials` over `space`, the start configuration run first. */
async function study(space: SearchSpace, start: Readonly<Record<string, ParamValue>>, trials: number, seed: number): Promise<{ value: number; params: Record<string, ParamValue> }> {
  const s = await createStudy({ sampler: new TPESampler({ seed, nStartupTrials: Math.min(10, Math.max(3, Math.floor(trials / 4))) }) });
  await s.enqueueTrial(inside(space, start));
  await s.optimize((trial) => imageBaselineAt(suggestAll(space, trial)), { nTrials: trials });
  const best = s.bestTrial;
  return { value: best?.values?.[0] as number, params: { ...(best?.params ?? {}) } };
}

async function staged(total: number, carry: Carry, seed: number): Promise<number> {
  const full = imageSpace();
  const stages: StageSpec[] = [
    { name: 'optim', params: OPTIM, trials: total / 2, carry, line: 0 },
    { name: 'regularisation', params: REGULARISATION, trials: total / 2, carry, line: 0 },
  ];
  let carried: Record<string, ParamValue> = {};
  let best = Infinity;
  for (const [index, stage] of stages.entries()) {
    const space = stageSpace(full, stages, index, carried, BASELINE);
    const result = await study(space, index === 0 ? BASELINE : carried, stage.trials, seed * 10 + index);
    best = Math.min(best, result.value);
    carried = result.params;
  }
  return best;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const seeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? 10);
  const rows: string[][] = [];
  for (const total of [24, 60]) {
    const flat: number[] = [];
    const fixed: number[] = [];
    const narrow: number[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      flat.push((await study(imageSpace(), BASELINE, total, seed)).value - OPTIMUM);
      fixed.push((await staged(total, 'fix', seed)) - OPTIMUM);
      narrow.push((await staged(total, 'narrow', seed)) - OPTIMUM);
    }
    const wins = (xs: number[]) => `${xs.filter((x, i) => x < (flat[i] as number)).length}/${seeds}`;
    rows.push([String(total), median(flat).toFixed(4), median(fixed).toFixed(4), wins(fixed), median(narrow).toFixed(4), wins(narrow)]);
  }
  console.log(`\nStaged vs flat on the image-baseline surrogate: median best regret over ${seeds} seeds (TPE; two stages of half the trials each).`);
  printTable(['trials', 'flat', 'staged (fix)', 'fix beats flat', 'staged (narrow)', 'narrow beats flat'], rows);
}

if (process.env['SODATE_BENCH_STAGES'] === 'trainer') {
  await runTrainerMode({
    seeds: Array.from({ length: Number(process.env['SODATE_BENCH_SEEDS'] ?? 5) }, (_, i) => i),
    epochs: Number(process.env['SODATE_BENCH_EPOCHS'] ?? 2),
    ablationSeeds: Number(process.env['SODATE_BENCH_ABLATION_SEEDS'] ?? 3),
    otherSeedBase: 1000,
    devices: 'cpu',
    ...(process.env['SODATE_BENCH_DIR'] ? { dir: process.env['SODATE_BENCH_DIR'] } : {}),
  });
} else await main();
