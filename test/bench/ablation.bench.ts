/**
 * Ablation (issue #14): on a synthetic noisy problem where 2 of the 5 changes from the
 * baseline to the target truly matter, does `sodate ablate` name exactly those 2?
 *
 * The problem: lr (baseline 1e-3, target 1e-2) gains 0.6, ema (false → true) gains 0.3;
 * hflip, wd and optimizer (adamw → sgd, with its conditional momentum: one change) do
 * nothing. value = 1 − gains + σ_shared·N(seed) + σ_config·N(seed, configuration): the shared
 * part is what a seed does to every configuration alike (initialisation, data order), which
 * paired gains cancel; the configuration part is noise they cannot. Baseline and target are
 * given, not tuned. Each run goes through the Study API (enqueued with the ablation's user
 * attributes, the objective reading trial.seed) and the ablation code the CLI uses
 * (src/analysis/ablation.ts).
 *
 * A change is "named" when its gain's 95% interval lies above 0 (not noise, not hurting).
 * Columns: exact = named exactly {lr, ema}; both = lr and ema named (maybe more); first two =
 * the path's first two steps are lr and ema; false + = null changes named, over all seeds.
 *
 *   npm run bench -- ablation                        10 seeds
 *   SODATE_BENCH_SEEDS=20 npm run bench -- ablation
 */
import type { AblationMethod, AblationResult, AblationSetup } from '../../src/analysis/ablation.js';
import { ablationGroups, ablationProgress, ablationUserAttrs } from '../../src/analysis/ablation.js';
import type { ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { Rng, hashLabels } from '../../src/samplers/rng.js';
import { createStudy } from '../../src/study/create.js';
import type { Trial } from '../../src/study/objective-trial.js';
import { printTable } from './table.js';

const SPACE = compileSearchSpace([
  { name: 'lr', distribution: floatDistribution(1e-4, 1e-1, { log: true }), when: null },
  { name: 'wd', distribution: floatDistribution(1e-5, 1e-2, { log: true }), when: null },
  { name: 'optimizer', distribution: categoricalDistribution(['adamw', 'sgd']), when: null },
  { name: 'momentum', distribution: floatDistribution(0.8, 0.99), when: { optimizer: ['sgd'] } },
  { name: 'ema', distribution: categoricalDistribution([false, true]), when: null },
  { name: 'hflip', distribution: categoricalDistribution([false, true]), when: null },
]);
const BASELINE: Record<string, ParamValue> = { lr: 1e-3, wd: 1e-4, optimizer: 'adamw', ema: false, hflip: false };
const TARGET: Record<string, ParamValue> = { lr: 1e-2, wd: 1e-3, optimizer: 'sgd', momentum: 0.9, ema: true, hflip: true };
const TRUE_CHANGES = new Set(['lr', 'ema']);
const SIGMA_SHARED = 0.5;

function suggestAll(trial: Trial): Record<string, ParamValue> {
  const p: Record<string, ParamValue> = {
    lr: trial.suggestFloat('lr', 1e-4, 1e-1, { log: true }),
    wd: trial.suggestFloat('wd', 1e-5, 1e-2, { log: true }),
    optimizer: trial.suggestCategorical('optimizer', ['adamw', 'sgd']),
  };
  if (p['optimizer'] === 'sgd') p['momentum'] = trial.suggestFloat('momentum', 0.8, 0.99);
  p['ema'] = trial.suggestCategorical('ema', [false, true]);
  p['hflip'] = trial.suggestCategorical('hflip', [false, true]);
  return p;
}

function objective(trial: Trial, sigmaConfig: number): number {
  const p = suggestAll(trial);
  const seed = trial.seed as number;
  const gains = (p['lr'] === 1e-2 ? 0.6 : 0) + (p['ema'] === true ? 0.3 : 0);
  const configNoise = new Rng(hashLabels(seed, [JSON.stringify(p)])).normal();
  return 1 - gains + SIGMA_SHARED * new Rng(seed).normal() + sigmaConfig * configNoise;
}

async function ablate(method: AblationMethod, seeds: number, sigmaConfig: number, studySeed: number): Promise<{ result: AblationResult; runs: number }> {
  const study = await createStudy({ sampler: new RandomSampler({ seed: studySeed }), systemAttrs: { 'sodate:seed': studySeed } });
  const setup: AblationSetup = { baseline: { number: 0, params: BASELINE }, target: { number: 1, params: TARGET }, groups: ablationGroups(SPACE, BASELINE, TARGET), seeds, studySeed, direction: 'minimize', method };
  let runs = 0;
  for (;;) {
    const progress = ablationProgress(await study.getTrials(), setup);
    if (progress.result !== null) return { result: progress.result, runs };
    for (const run of progress.planned) await study.enqueueTrial(run.params, { userAttrs: ablationUserAttrs(run) });
    for (let i = 0; i < progress.planned.length; i++) {
      const trial = await study.ask();
      await study.tell(trial, objective(trial, sigmaConfig));
      runs++;
    }
  }
}

const named = (result: AblationResult) => result.steps.filter((s) => s.gain !== null && !s.gain.noise && !s.gain.hurts).map((s) => s.changes[0]?.name as string);

const seedCount = Number(process.env['SODATE_BENCH_SEEDS'] ?? 10);
console.log(`5 changes (optimizer+momentum counted as one), 2 that matter (lr 0.6, ema 0.3); shared seed noise σ=${SIGMA_SHARED}; ${seedCount} seeds per row`);
const rows: string[][] = [];
for (const method of ['path', 'leave-one-out'] as const) {
  for (const seeds of [3, 5]) {
    for (const sigma of [0.05, 0.1, 0.2]) {
      let exact = 0;
      let both = 0;
      let firstTwo = 0;
      let falsePositives = 0;
      let runs = 0;
      for (let s = 0; s < seedCount; s++) {
        const out = await ablate(method, seeds, sigma, 1000 + s);
        runs = out.runs;
        const names = new Set(named(out.result));
        const hits = [...TRUE_CHANGES].filter((n) => names.has(n)).length;
        if (hits === 2) both++;
        if (hits === 2 && names.size === 2) exact++;
        falsePositives += names.size - hits;
        const order = out.result.steps.slice(1, 3).map((st) => st.changes[0]?.name as string);
        if (order.every((n) => TRUE_CHANGES.has(n))) firstTwo++;
      }
      rows.push([method, String(seeds), String(sigma), `${exact}/${seedCount}`, `${both}/${seedCount}`, method === 'path' ? `${firstTwo}/${seedCount}` : `${firstTwo}/${seedCount} (ranked)`, String(falsePositives), String(runs)]);
    }
  }
}
printTable(['method', 'K', 'σ config', 'exact', 'both named', 'first two', 'false +', 'runs each'], rows);
