/**
 * Pruner benchmark: learning curves that cross (fast starters end worse) and that do not.
 * For every pruner: epochs consumed, best final value, and the best final value a
 * no-pruning study with the same sampler reaches within the same number of epochs.
 * Optuna 3.1's pruners run on the same curves (test/bench/optuna/pruners.py) in parallel.
 *
 *   npm run bench -- pruners                  full: 100 trials × 50 epochs × 5 seeds
 *   SODATE_BENCH_QUICK=1 npm run bench -- pruners    2 seeds, 60 trials
 *   SODATE_BENCH_PRUNERS=median,curve  …      only these sodate pruners (none always runs)
 *   SODATE_BENCH_SEEDS=10 …                   more seeds (default 5, quick 2)
 *   SODATE_BENCH_OPTUNA=0 …                   skip Optuna
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CurveRankPruner,
  HyperbandPruner,
  MedianPruner,
  NopPruner,
  PatientPruner,
  PercentilePruner,
  SuccessiveHalvingPruner,
} from '../../src/pruners/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import type { Pruner, Sampler } from '../../src/study/policies.js';
import type { CurveVariant } from './pruner-curves.js';
import { EPOCHS, observedLoss, suggestCurveParams } from './pruner-curves.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env['SODATE_BENCH_QUICK'] === '1';
const N_TRIALS = quick ? 60 : 100;
const N_SEEDS = Number(process.env['SODATE_BENCH_SEEDS'] ?? (quick ? 2 : 5));
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => i);
const VARIANTS: readonly CurveVariant[] = ['crossing', 'parallel'];
const runOptuna = process.env['SODATE_BENCH_OPTUNA'] !== '0';

/** Ablations: what curve-rank's parts are worth, and the textbook fix for crossing curves (a long warmup). */
const ABLATIONS: Record<string, () => Pruner> = {
  'curve-rank, no extrapolation': () => new CurveRankPruner({ extrapolate: false }),
  'median, warmup 10': () => new MedianPruner({ nWarmupSteps: 10 }),
};
const PRUNERS: Readonly<Record<string, () => Pruner>> = {
  none: () => new NopPruner(),
  median: () => new MedianPruner(),
  'percentile-25': () => new PercentilePruner({ percentile: 25 }),
  asha: () => new SuccessiveHalvingPruner(),
  hyperband: () => new HyperbandPruner(),
  'patient-median': () => new PatientPruner({ patience: 3, wrapped: new MedianPruner() }),
  'curve-rank': () => new CurveRankPruner(),
  ...ABLATIONS,
};
const wantedPruners = process.env['SODATE_BENCH_PRUNERS']?.split(',');

/** One study's outcome: per trial, epochs run and the final value when it completed. */
interface StudyRun {
  readonly epochs: readonly number[];
  readonly finals: readonly (number | null)[];
}

let samplerLabel = 'RandomSampler';
async function makeSampler(seed: number): Promise<Sampler> {
  const tpePath = join(here, '../../src/samplers/tpe/index.ts');
  if (existsSync(tpePath)) {
    const mod = (await import('../../src/samplers/tpe/index.js' as string)) as { TPESampler?: new (o: { seed: number }) => Sampler };
    if (mod.TPESampler !== undefined) {
      samplerLabel = 'TPESampler';
      return new mod.TPESampler({ seed });
    }
  }
  return new RandomSampler({ seed });
}

async function runStudy(variant: CurveVariant, seed: number, pruner: Pruner): Promise<StudyRun> {
  const study = await createStudy({ name: `pruners-${variant}-${seed}`, storage: new InMemoryStorage(), sampler: await makeSampler(seed), pruner });
  await study.optimize(
    async (trial) => {
      const params = suggestCurveParams(trial);
      let value = NaN;
      for (let epoch = 1; epoch <= EPOCHS; epoch++) {
        value = observedLoss(params, epoch, variant, seed, trial.number);
        await trial.report(epoch, value);
      }
      return value;
    },
    { nTrials: N_TRIALS },
  );
  const trials = study.trials;
  return {
    epochs: trials.map((t) => t.intermediateValues.size),
    finals: trials.map((t) => (t.state === 'COMPLETE' ? (t.values?.[0] ?? null) : null)),
  };
}

interface Summary {
  readonly pruner: string;
  readonly epochs: number[];
  readonly best: number[];
  readonly reference: number[];
}

function bestFinal(run: StudyRun): number {
  let best = Infinity;
  for (const f of run.finals) if (f !== null && f < best) best = f;
  return best;
}

/** Best final value of the no-pruning run among the trials that fit in its first `budget` epochs. */
function bestWithin(reference: StudyRun, budget: number): number {
  let used = 0;
  let best = Infinity;
  for (let i = 0; i < reference.epochs.length; i++) {
    used += reference.epochs[i] as number;
    if (used > budget) break;
    const f = reference.finals[i];
    if (f !== null && f !== undefined && f < best) best = f;
  }
  return best;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]): number => sum(xs) / xs.length;
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function summarize(pruner: string, runs: readonly StudyRun[], references: readonly StudyRun[]): Summary {
  const epochs = runs.map((r) => sum(r.epochs));
  return {
    pruner,
    epochs,
    best: runs.map(bestFinal),
    reference: runs.map((r, i) => bestWithin(references[i] as StudyRun, sum(r.epochs))),
  };
}

function table(title: string, rows: readonly Summary[], fullEpochs: number): string {
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'none');
  const lines = [
    title,
    '| pruner | epochs used (mean, % of no-pruning) | best final (median) | no-pruning best at equal epochs (median) | ratio (median) | seeds no worse |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const e = mean(r.epochs);
    const ratios = r.best.map((b, i) => b / (r.reference[i] as number));
    const noWorse = r.best.filter((b, i) => b <= (r.reference[i] as number)).length;
    lines.push(
      `| ${r.pruner} | ${e.toFixed(0)} (${((100 * e) / fullEpochs).toFixed(0)}%) | ${fmt(median(r.best))} | ${fmt(median(r.reference))} | ${median(ratios).toFixed(3)} | ${noWorse}/${r.best.length} |`,
    );
  }
  return lines.join('\n');
}

interface OptunaResult {
  variant: CurveVariant;
  pruner: string;
  seed: number;
  epochs: number[];
  finals: (number | null)[];
}

function startOptuna(): Promise<OptunaResult[]> | null {
  if (!runOptuna) return null;
  return new Promise((resolve, reject) => {
    const args = [join(here, 'optuna/pruners.py'), '--trials', String(N_TRIALS), '--seeds', SEEDS.join(',')];
    const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`optuna benchmark exited with ${code}`));
      else resolve(JSON.parse(out) as OptunaResult[]);
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const optuna = startOptuna()?.catch((error: unknown) => {
    console.error(`Optuna part failed: ${String(error)}`);
    return [] as OptunaResult[];
  });
  const names = Object.keys(PRUNERS).filter((n) => n === 'none' || wantedPruners === undefined || wantedPruners.includes(n));
  const sodateTables: string[] = [];
  const allRuns = new Map<string, StudyRun[]>();
  for (const variant of VARIANTS) {
    const rows: Summary[] = [];
    const references: StudyRun[] = [];
    for (const seed of SEEDS) references.push(await runStudy(variant, seed, new NopPruner()));
    allRuns.set(`${variant}/none`, references);
    for (const name of names) {
      const runs = name === 'none' ? references : [];
      if (name !== 'none') for (const seed of SEEDS) runs.push(await runStudy(variant, seed, (PRUNERS[name] as () => Pruner)()));
      rows.push(summarize(name, runs, references));
    }
    sodateTables.push(table(`sodate (${samplerLabel}), ${variant} curves, ${N_TRIALS} trials × ${EPOCHS} epochs × ${SEEDS.length} seeds`, rows, N_TRIALS * EPOCHS));
  }
  const sodateSeconds = (Date.now() - started) / 1000;
  for (const t of sodateTables) console.log(`\n${t}`);
  console.log(`\nsodate part: ${sodateSeconds.toFixed(1)} s`);

  const optunaResults = optuna === undefined ? [] : await optuna;
  if (optunaResults.length > 0) {
    for (const variant of VARIANTS) {
      const of = (pruner: string): StudyRun[] =>
        SEEDS.map((seed) => optunaResults.find((r) => r.variant === variant && r.pruner === pruner && r.seed === seed) as OptunaResult);
      const references = of('none');
      const prunerNames = [...new Set(optunaResults.filter((r) => r.variant === variant).map((r) => r.pruner))];
      const rows = prunerNames.map((p) => summarize(p, of(p), references));
      console.log(`\n${table(`Optuna 3.1 (TPESampler), ${variant} curves, ${N_TRIALS} trials × ${EPOCHS} epochs × ${SEEDS.length} seeds`, rows, N_TRIALS * EPOCHS)}`);
      // The same Optuna runs against sodate's own no-pruning reference, for a cross-library comparison.
      const sodateRefs = allRuns.get(`${variant}/none`) as StudyRun[];
      const cross = prunerNames.map((p) => summarize(`optuna ${p} vs sodate none`, of(p), sodateRefs));
      console.log(`\n${table(`Optuna 3.1 studies against sodate's no-pruning reference (${samplerLabel}), ${variant}`, cross, N_TRIALS * EPOCHS)}`);
    }
  }
  console.log(`\ntotal: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
