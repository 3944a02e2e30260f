/**
 * Pruning with two objectives (issue #13): validation loss against inference latency on
 * the synthetic learning curves of pruner-curves.ts (`crossing`: curves cross), with a
 * model-width knob that trades one for the other: a wider model ends with a lower loss
 * (−0.3/width) and is slower (latency 2·width + 1 ms, known from the first epoch).
 * Trials report both objectives every epoch; MOTPE samples.
 *
 * Each pruned study is paired with the no-pruning study of the same seed, cut at the
 * epochs the pruned one used: W/T/L counts seeds where the pruned study's final
 * hypervolume (of its COMPLETE trials' final values, reference point below) is higher /
 * equal / lower than no-pruning's at equal epochs. Optuna has no row: it refuses
 * `trial.report` in multi-objective studies.
 *
 *   npm run bench -- multi-objective-pruning            100 trials × 50 epochs, 10 seeds
 *   SODATE_BENCH_QUICK=1 …                              60 trials, 3 seeds
 *   SODATE_BENCH_SEEDS=20 SODATE_BENCH_FIRST_SEED=100 …  other seeds
 *   SODATE_BENCH_EXTRA='[{"kind":"pareto","patience":1}]' …  extra rows, as space files write pruners
 *   SODATE_BENCH_ROWS='pareto,median (loss only)' …      only these rows (and none, always run)
 *
 * The `oracle@k` rows are yardsticks that know each trial's final values: from epoch k on
 * they stop every trial a finished one dominates (curves/oracle-pruner.ts).
 */
import { hypervolume } from '../../src/multi-objective/hypervolume.js';
import { prunerFromSpec } from '../../src/pruners/registry.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import type { Pruner } from '../../src/policies/policies.js';
import { ParetoOraclePruner } from './curves/oracle-pruner.js';
import { median, signTestP } from './curves/paired.js';
import { EPOCHS, observedLoss, suggestCurveParams } from './pruner-curves.js';
import { printTable } from './table.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

const quick = process.env['SODATE_BENCH_QUICK'] === '1';
const N_TRIALS = quick ? 60 : 100;
const N_SEEDS = Number(process.env['SODATE_BENCH_SEEDS'] ?? (quick ? 3 : 10));
const FIRST_SEED = Number(process.env['SODATE_BENCH_FIRST_SEED'] ?? 0);
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => FIRST_SEED + i);
/** Loss 1.0 and 18 ms bound the region that counts: no worse than a poorly tuned model, the widest one's latency + 1. */
const REFERENCE = [1.0, 18];

const ORACLE_STEPS = [1, 5, 10, 15];
const ALL_ROWS: Readonly<Record<string, unknown>> = {
  none: { kind: 'none' },
  // Defaults (gainQuantile 0.25, paceOutlook with paceQuantile 0.5 over a tenth of the horizon, keepImproving with
  // paceSteps 3) chosen on seeds 100–129; gainQuantile 1 assumes the largest comeback any finisher made.
  pareto: { kind: 'pareto' },
  'pareto before paceOutlook': { kind: 'pareto', gainQuantile: 0.5, paceOutlook: false },
  'pareto paceOutlook=false': { kind: 'pareto', paceOutlook: false },
  'pareto keepImproving=false': { kind: 'pareto', keepImproving: false },
  'pareto paceSteps=5': { kind: 'pareto', paceSteps: 5 },
  'pareto gainQuantile=1': { kind: 'pareto', gainQuantile: 1 },
  'pareto gainQuantile=0.5': { kind: 'pareto', gainQuantile: 0.5 },
  'pareto patience=1': { kind: 'pareto', patience: 1 },
  // What a single-objective rule does here: it judges the loss alone and stops fast, narrow models.
  'median (loss only)': { kind: 'median' },
  // Yardsticks that know each trial's final values (curves/oracle-pruner.ts): perfect decisions at that epoch.
  ...Object.fromEntries(ORACLE_STEPS.map((k) => [`oracle@${k}`, null])),
  ...Object.fromEntries((JSON.parse(process.env['SODATE_BENCH_EXTRA'] ?? '[]') as unknown[]).map((spec) => [JSON.stringify(spec), spec])),
};
const ONLY = process.env['SODATE_BENCH_ROWS']?.split(',').map((r) => r.trim());
const ROWS = Object.fromEntries(Object.entries(ALL_ROWS).filter(([row]) => row === 'none' || ONLY === undefined || ONLY.includes(row) || row.startsWith('{')));

interface Run {
  /** Per trial in number order: epochs run, final [loss, latency] when COMPLETE. */
  readonly epochs: readonly number[];
  readonly finals: readonly (readonly number[] | null)[];
}

async function runStudy(seed: number, pruner: Pruner): Promise<Run> {
  const finals = new Map<number, number[]>();
  if (pruner instanceof ParetoOraclePruner) pruner.finalOf = (n) => finals.get(n);
  const study = await createStudy({ storage: new InMemoryStorage(), sampler: new TPESampler({ seed }), pruner, directions: ['minimize', 'minimize'] });
  await study.optimize(
    async (trial) => {
      const params = suggestCurveParams(trial);
      const width = trial.suggestInt('width', 1, 8);
      const latency = 2 * width + 1;
      finals.set(trial.number, [observedLoss(params, EPOCHS, 'crossing', seed, trial.number) + 0.3 / width, latency]);
      let loss = NaN;
      for (let epoch = 1; epoch <= EPOCHS; epoch++) {
        loss = observedLoss(params, epoch, 'crossing', seed, trial.number) + 0.3 / width;
        await trial.report(epoch, [loss, latency]);
      }
      return [loss, latency];
    },
    { nTrials: N_TRIALS },
  );
  return {
    epochs: study.trials.map((t) => t.intermediateValues.size),
    finals: study.trials.map((t) => (t.state === 'COMPLETE' ? t.values : null)),
  };
}

/** Hypervolume of the COMPLETE finals among the first trials whose epochs fit in `budget`. */
function hypervolumeWithin(run: Run, budget = Infinity): number {
  const points: number[][] = [];
  let used = 0;
  for (let i = 0; i < run.epochs.length; i++) {
    used += run.epochs[i] as number;
    if (used > budget) break;
    const f = run.finals[i];
    if (f !== null && f !== undefined) points.push([...f]);
  }
  return hypervolume(points, REFERENCE);
}

async function main(): Promise<void> {
  const started = Date.now();
  const full = N_TRIALS * EPOCHS;
  const results = new Map<string, { share: number; hv: number; reference: number }[]>();
  const oracles: Record<string, () => Pruner> = Object.fromEntries(ORACLE_STEPS.map((k) => [`oracle@${k}`, () => new ParetoOraclePruner(k)]));
  const nones: Run[] = [];
  for (const seed of SEEDS) {
    const none = await runStudy(seed, prunerFromSpec({ kind: 'none' }));
    nones.push(none);
    for (const [row, spec] of Object.entries(ROWS)) {
      const run = row === 'none' ? none : await runStudy(seed, oracles[row]?.() ?? prunerFromSpec(spec, row));
      const used = run.epochs.reduce((a, b) => a + b, 0);
      results.set(row, [...(results.get(row) ?? []), { share: used / full, hv: hypervolumeWithin(run), reference: hypervolumeWithin(none, used) }]);
    }
  }
  console.log(`2 objectives (loss, latency), ${N_TRIALS} trials × ${EPOCHS} epochs × ${SEEDS.length} seeds, MOTPE, reference point [${REFERENCE.join(', ')}]: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  printTable(
    ['pruner', 'epochs used', 'hypervolume (median)', 'none at equal epochs', 'paired diff (median)', 'W/T/L vs none', 'sign p'],
    [...results].map(([row, pairs]) => {
      const wins = pairs.filter((p) => p.hv > p.reference + 1e-12).length;
      const losses = pairs.filter((p) => p.hv < p.reference - 1e-12).length;
      return [
        row,
        `${(100 * median(pairs.map((p) => p.share))).toFixed(0)}%`,
        median(pairs.map((p) => p.hv)).toFixed(4),
        median(pairs.map((p) => p.reference)).toFixed(4),
        median(pairs.map((p) => p.hv - p.reference)).toFixed(4),
        `${wins}/${pairs.length - wins - losses}/${losses}`,
        signTestP(wins, losses).toFixed(3),
      ];
    }),
  );
  console.log('\nheadroom: no pruning cut at a share of its epochs (what a pruner using that share competes with)');
  const shares = [0.25, 0.5, 0.75, 1];
  printTable(['', ...shares.map((s) => `${100 * s}%`)], [['hypervolume (median)', ...shares.map((s) => median(nones.map((r) => hypervolumeWithin(r, s * full))).toFixed(4))]]);
}

await main();
