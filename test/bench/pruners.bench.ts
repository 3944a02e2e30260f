/**
 * Pruner benchmark on seven problems: the synthetic learning curves of pruner-curves.ts
 * (`crossing`, `parallel`) and real curves recorded once: sodate's image trainer on the
 * digits (cosine schedule with warmup, EMA, mixup; 216 validation images, so accuracy
 * moves in steps of 1/216), `digits-loss` (validation loss) and `digits-accuracy`
 * (validation accuracy, maximized); and the PyTorch example (constant learning rate),
 * `pytorch-loss`; and 1,300-odd PyTorch MLPs on the digits (cosine with warmup, 300 validation
 * images), `mlp-loss` and `mlp-accuracy`, the one table large enough that 100 trials leave
 * no-pruning short of its best. See test/bench/curves/recorded.ts for the replay.
 *
 * Every pruned study is paired with the no-pruning study of the same library, sampler and
 * seed, cut at the epochs the pruned one used: W/T/L counts seeds where the pruner's best
 * final value is better / equal / worse than no-pruning's best at equal epochs, with a
 * two-sided sign test. Regret is normalised per problem: 0 at the best configuration, 1 at
 * the median one. Optuna 3.1 (/usr/bin/python3) and Optuna 5 (PYTHONPATH from
 * SODATE_OPTUNA5_PATH) run the same problems in parallel (test/bench/optuna/pruners.py).
 *
 *   npm run bench -- pruners                          100 trials, 10 seeds (Optuna: 5)
 *   SODATE_BENCH_QUICK=1 npm run bench -- pruners     60 trials, 3 seeds
 *   SODATE_BENCH_PRUNERS=median,curve-rank …          only these sodate pruners (none always runs)
 *   SODATE_BENCH_PROBLEMS=digits-loss,crossing …      only these problems
 *   SODATE_BENCH_SEEDS=20 …                           more seeds
 *   SODATE_BENCH_TRIALS=30 …                          trials per study: a budget short of what the sampler needs to settle
 *   SODATE_BENCH_FIRST_SEED=100 …                     seeds from 100 on (options were tuned on seeds 100–119)
 *   SODATE_BENCH_OPTUNA=0 …                           skip Optuna
 *   SODATE_BENCH_OPTUNA_SEEDS=10 …                    seeds for Optuna (default 5, quick 2)
 *   SODATE_BENCH_PRUNERS=oracle@1,oracle@5,oracle@10 …  yardsticks that know each trial's final value:
 *                                                    what perfect decisions at that epoch win here
 *   SODATE_BENCH_EXTRA='[{"kind":"asha","minResource":5}]' …  extra rows: pruners as space files write them
 *                                                    (`"pause": true` replays pausing and promotion)
 *   SODATE_BENCH_SAMPLER='{"kind":"random"}' …      another sampler than TPE (a space file's spec)
 *   SODATE_BENCH_JOBS=2 SODATE_BENCH_STAGGER=7 …      two trials at once, the second 7 epochs behind (not the +pause rows nor Optuna)
 *
 * Rows ending in "+pause" pause the trials the pruner stops instead of dropping them (every
 * trial checkpoints each epoch), and before each new trial resume the paused trial the
 * pruner promotes, as the orchestrator does: a resumed trial continues its fixed curve from
 * the epoch after the one it was stopped at, paying only the epochs it had not run. The
 * study still asks 100 new trials; promotions may add epochs past them, and the pairing
 * compares at whatever total it used.
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
  OutlookPruner,
  PatientPruner,
  PercentilePruner,
  SuccessiveHalvingPruner,
} from '../../src/pruners/index.js';
import { createSampler } from '../../src/samplers/registry.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import { prunerFromSpec } from '../../src/pruners/registry.js';
import { PausingPruner } from '../../src/pruners/pausing.js';
import type { Study } from '../../src/study/study.js';
import type { StudyTrial } from '../../src/study/trial.js';
import { TrialPruned } from '../../src/study/trial-pruned.js';
import type { Pruner, Sampler } from '../../src/policies/policies.js';
import { CurveRankV0Pruner } from './curves/curve-rank-v0.js';
import { OraclePruner } from './curves/oracle-pruner.js';
import type { Paired, StudyRun } from './curves/paired.js';
import { bestWithin, median, pair, regret, signTestP, SUMMARY_HEADER, summaryCells } from './curves/paired.js';
import type { RecordedMetric } from './curves/recorded.js';
import { DIGITS_CURVES, loadRecordedCurves, MLP_CURVES, MLP_SPACE, nearestConfig, PYTORCH_CURVES, PYTORCH_SPACE, suggestKnobs, suggestMlpKnobs, suggestPytorchKnobs } from './curves/recorded.js';
import type { CurveParams, CurveVariant } from './pruner-curves.js';
import { EPOCHS, meanLoss, observedLoss, suggestCurveParams, uniform } from './pruner-curves.js';
import { printTable } from './table.js';
import { PAUSED_ATTR } from '../../src/storage/metadata.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env['SODATE_BENCH_QUICK'] === '1';
const N_TRIALS = Number(process.env['SODATE_BENCH_TRIALS'] ?? (quick ? 60 : 100));
/**
 * Trials running at once (study.optimize's nJobs), each yielding to the others after every
 * epoch, trial k starting (k mod jobs)·stagger epochs late: overlapping trials of unequal
 * progress, as on two GPUs, where one finishes while another is midway (what ASHA's
 * `minResource: auto` meets when it becomes known).
 */
const N_JOBS = Number(process.env['SODATE_BENCH_JOBS'] ?? 1);
const STAGGER = Number(process.env['SODATE_BENCH_STAGGER'] ?? 0);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const N_SEEDS = Number(process.env['SODATE_BENCH_SEEDS'] ?? (quick ? 3 : 10));
const FIRST_SEED = Number(process.env['SODATE_BENCH_FIRST_SEED'] ?? 0);
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => FIRST_SEED + i);
const runOptuna = process.env['SODATE_BENCH_OPTUNA'] !== '0';
/** Optuna is ~50× slower per study: it runs the first seeds only. */
const OPTUNA_SEEDS = SEEDS.slice(0, Number(process.env['SODATE_BENCH_OPTUNA_SEEDS'] ?? (quick ? 2 : 5)));

interface Problem {
  readonly name: string;
  readonly direction: 'minimize' | 'maximize';
  readonly epochs: number;
  /** Regret's zero (the best configuration's final value) and unit (its distance to the median configuration's). */
  readonly optimum: number;
  readonly scale: number;
  /** A recorded problem's number of configurations. */
  readonly tableSize?: number;
  /**
   * A recorded problem's best configurations (by final value), each's percentile rank among
   * all the table's configurations at a share of the schedule: 0 = the best there, 100 = the worst.
   */
  readonly lateBloomers?: ReadonlyMap<number, readonly number[]>;
  /**
   * Suggest a trial's parameters and return its curve: value after epoch 1, 2, …; a recorded
   * table's curve also names the configuration it replays (`cell`).
   */
  curve(trial: Parameters<typeof suggestCurveParams>[0], seed: number, number: number): ((epoch: number) => number) & { readonly cell?: number };
}

function syntheticProblem(variant: CurveVariant): Problem {
  // Optimum and median from 20,000 seeded random configurations' noiseless final losses.
  const finals: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const u = (k: number): number => uniform(777, i, k, 0);
    const p: CurveParams = {
      lr: 10 ** (-5 + 4 * u(0)),
      weightDecay: 10 ** (-6 + 4 * u(1)),
      batchSize: [16, 32, 64, 128][Math.floor(4 * u(2))] as number,
      optimizer: u(3) < 0.5 ? 'adamw' : 'sgd',
      dropPathRate: 0.3 * u(4),
      warmupEpochs: Math.floor(6 * u(5)),
      ema: u(6) < 0.5,
    };
    finals.push(meanLoss(p, EPOCHS, variant));
  }
  finals.sort((a, b) => a - b);
  const optimum = finals[0] as number;
  return {
    name: variant,
    direction: 'minimize',
    epochs: EPOCHS,
    optimum,
    scale: (finals[finals.length >> 1] as number) - optimum,
    curve: (trial, seed, number) => {
      const params = suggestCurveParams(trial);
      return (epoch) => observedLoss(params, epoch, variant, seed, number);
    },
  };
}

function recordedProblem(name: string, metric: RecordedMetric, path = DIGITS_CURVES): Problem | undefined {
  if (!existsSync(path)) return undefined;
  const curves = loadRecordedCurves(path);
  const lookup = (trial: Parameters<Problem['curve']>[0]): number =>
    path === PYTORCH_CURVES ? nearestConfig(curves, suggestPytorchKnobs(trial), PYTORCH_SPACE)
      : path === MLP_CURVES ? nearestConfig(curves, suggestMlpKnobs(trial), MLP_SPACE)
        : nearestConfig(curves, suggestKnobs(trial));
  const direction = metric === 'val_loss' ? 'minimize' : 'maximize';
  const sign = direction === 'minimize' ? 1 : -1;
  const values = (c: (typeof curves.configs)[number]): readonly number[] => c[metric] ?? [];
  const finals = curves.configs.map((c) => sign * (values(c)[curves.epochs - 1] as number)).sort((a, b) => a - b);
  const optimum = sign * (finals[0] as number);
  return {
    name,
    direction,
    epochs: curves.epochs,
    optimum,
    scale: Math.abs(sign * (finals[finals.length >> 1] as number) - optimum),
    tableSize: curves.configs.length,
    lateBloomers: percentilesOfTheBest(curves.configs.map((c) => values(c).map((v) => sign * v)), LATE_BLOOMER_SHARES),
    curve: (trial) => {
      const index = lookup(trial);
      const curve = values(curves.configs[index] as (typeof curves.configs)[number]);
      return Object.assign((epoch: number) => curve[epoch - 1] as number, { cell: index });
    },
  };
}

const LATE_BLOOMER_SHARES = [0.1, 0.25, 0.5, 0.75];
const LATE_BLOOMER_COUNT = 5;

/**
 * Where the best final curves (lower is better) stood earlier: for each share of the
 * schedule, the percentile rank of each of the best `LATE_BLOOMER_COUNT` among all curves at
 * that epoch. A rule that judges a trial by its own curve so far must keep every trial ranked
 * as low as these to keep the would-be best.
 */
function percentilesOfTheBest(curves: readonly (readonly number[])[], shares: readonly number[]): Map<number, number[]> {
  const epochs = curves[0]?.length ?? 0;
  const atEpoch = (e: number): number[] => curves.map((c) => c[e - 1] as number);
  const finals = atEpoch(epochs);
  const best = finals.map((_, i) => i).sort((a, b) => (finals[a] as number) - (finals[b] as number)).slice(0, LATE_BLOOMER_COUNT);
  return new Map(shares.map((share) => {
    const values = atEpoch(Math.max(1, Math.round(share * epochs)));
    return [share, best.map((i) => (100 * values.filter((v) => v < (values[i] as number)).length) / (curves.length - 1))];
  }));
}

const wantedProblems = process.env['SODATE_BENCH_PROBLEMS']?.split(',');
const PROBLEMS: readonly Problem[] = [
  syntheticProblem('crossing'),
  syntheticProblem('parallel'),
  recordedProblem('digits-loss', 'val_loss'),
  recordedProblem('digits-accuracy', 'val_accuracy'),
  recordedProblem('pytorch-loss', 'val_loss', PYTORCH_CURVES),
  recordedProblem('mlp-loss', 'val_loss', MLP_CURVES),
  recordedProblem('mlp-accuracy', 'val_accuracy', MLP_CURVES),
].filter((p): p is Problem => p !== undefined && (wantedProblems === undefined || wantedProblems.includes(p.name)));
const RECORDED = new Set(['digits-loss', 'digits-accuracy', 'pytorch-loss', 'mlp-loss', 'mlp-accuracy']);

const PRUNERS: Readonly<Record<string, () => Pruner>> = {
  none: () => new NopPruner(),
  median: () => new MedianPruner(),
  'percentile-25': () => new PercentilePruner({ percentile: 25 }),
  asha: () => new SuccessiveHalvingPruner(),
  hyperband: () => new HyperbandPruner(),
  'patient-median': () => new PatientPruner({ patience: 3, wrapped: new MedianPruner() }),
  'curve-rank': () => new CurveRankPruner(),
  // Pausing and promotion (#15): the same decisions to stop, with stopped trials resumable.
  'median+pause': () => new PausingPruner(new MedianPruner()),
  'asha+pause': () => new PausingPruner(new SuccessiveHalvingPruner()),
  'hyperband+pause': () => new PausingPruner(new HyperbandPruner()),
  'curve-rank+pause': () => new PausingPruner(new CurveRankPruner()),
  'curve-rank before #19': () => new CurveRankV0Pruner(),
  // Ablations: what the patience and the warmup are worth.
  'curve-rank patience=1': () => new CurveRankPruner({ patience: 1 }),
  'curve-rank warmupFraction=0': () => new CurveRankPruner({ warmupFraction: 0 }),
  // The rule before the retrace rule (#19): what stopping repeats of finished runs is worth.
  'curve-rank retraceTolerance=0': () => new CurveRankPruner({ retraceTolerance: 0 }),
  // Defaults chosen on seeds 100–109 (SODATE_BENCH_EXTRA sweeps); the ablations show what patience and a later warmup cost.
  outlook: () => new OutlookPruner(),
  'outlook patience=2': () => new OutlookPruner({ patience: 2 }),
  'outlook warmupFraction=0.25': () => new OutlookPruner({ warmupFraction: 0.25 }),
  // Yardsticks that know each trial's final value (curves/oracle-pruner.ts): perfect decisions at epoch 1, 5, 10.
  'oracle@1': () => new OraclePruner(1),
  'oracle@5': () => new OraclePruner(5),
  'oracle@10': () => new OraclePruner(10),
  // Extra rows from the environment, as space-file pruner specs: SODATE_BENCH_EXTRA='[{"kind": "curve-rank", "percentile": 25}, …]'.
  ...Object.fromEntries(
    (JSON.parse(process.env['SODATE_BENCH_EXTRA'] ?? '[]') as unknown[]).map((spec) => [JSON.stringify(spec), () => prunerFromSpec(spec, 'SODATE_BENCH_EXTRA')]),
  ),
};
const wantedPruners = process.env['SODATE_BENCH_PRUNERS']?.split(',');

const samplerSpec = JSON.parse(process.env['SODATE_BENCH_SAMPLER'] ?? '{"kind":"tpe"}') as { kind: string } & Record<string, unknown>;
const samplerLabel = process.env['SODATE_BENCH_SAMPLER'] ?? 'TPESampler';
if ('seed' in samplerSpec) throw new Error('SODATE_BENCH_SAMPLER: leave out "seed" (each paired study takes its seed)');
function makeSampler(seed: number): Sampler {
  const { kind, ...options } = samplerSpec;
  return createSampler(kind, options, { seed });
}

async function runStudy(problem: Problem, seed: number, pruner: Pruner): Promise<StudyRun> {
  const study = await createStudy({
    name: `pruners-${problem.name}-${seed}`,
    storage: new InMemoryStorage(),
    sampler: makeSampler(seed),
    pruner,
    direction: problem.direction,
  });
  const wouldBe: number[] = [];
  const cells = new Set<number>();
  if (pruner instanceof OraclePruner) pruner.finalOf = (n) => wouldBe[n];
  if (pruner.pausesTrials === true) return runPausingStudy(study, problem, seed);
  await study.optimize(
    async (trial) => {
      const curve = problem.curve(trial, seed, trial.number);
      wouldBe[trial.number] = curve(problem.epochs);
      if (curve.cell !== undefined) cells.add(curve.cell);
      let value = NaN;
      if (N_JOBS > 1) for (let i = 0; i < (trial.number % N_JOBS) * STAGGER; i++) await nextTurn();
      for (let epoch = 1; epoch <= problem.epochs; epoch++) {
        value = curve(epoch);
        await trial.report(epoch, value);
        if (N_JOBS > 1) await nextTurn();
      }
      return value;
    },
    { nTrials: N_TRIALS, nJobs: N_JOBS },
  );
  const trials = study.trials;
  return {
    epochs: trials.map((t) => t.intermediateValues.size),
    finals: trials.map((t) => (t.state === 'COMPLETE' ? (t.values?.[0] ?? null) : null)),
    wouldBe,
    ...(cells.size > 0 ? { distinct: cells.size } : {}),
  };
}

/**
 * The orchestrator's loop in one process: before each new trial, resume the paused trial the
 * pruner promotes (if any), which continues its curve from the epoch after its last report.
 * Epochs are counted as paid: a resumed trial's earlier epochs once.
 */
async function runPausingStudy(study: Study, problem: Problem, seed: number): Promise<StudyRun> {
  const curves = new Map<number, ReturnType<Problem['curve']>>();
  const paid: number[] = [];
  const wouldBe: number[] = [];
  const cells = new Set<number>();
  const run = async (trial: StudyTrial): Promise<void> => {
    let curve = curves.get(trial.number);
    if (curve === undefined) {
      curve = problem.curve(trial, seed, trial.number);
      curves.set(trial.number, curve);
      wouldBe[trial.number] = curve(problem.epochs);
      if (curve.cell !== undefined) cells.add(curve.cell);
    }
    // A checkpoint every epoch: a resumed trial goes on after its last reported epoch.
    const done = trial.frozen().intermediateValues.size;
    for (let epoch = done + 1; epoch <= problem.epochs; epoch++) {
      paid[trial.number] = (paid[trial.number] ?? 0) + 1;
      try {
        await trial.report(epoch, curve(epoch));
      } catch (error) {
        if (!(error instanceof TrialPruned)) throw error;
        trial.setSystemAttr(PAUSED_ATTR, true);
        await study.tell(trial, { state: 'pruned' });
        return;
      }
    }
    await study.tell(trial, curve(problem.epochs));
  };
  for (let asked = 0; ; ) {
    const promoted = await study.resumePromoted();
    if (promoted !== null) {
      await run(promoted);
      continue;
    }
    if (asked === N_TRIALS) break;
    asked++;
    await run(await study.ask());
  }
  const trials = study.trials;
  return {
    epochs: trials.map((t) => paid[t.number] ?? 0),
    finals: trials.map((t) => (t.state === 'COMPLETE' ? (t.values?.[0] ?? null) : null)),
    wouldBe,
    ...(cells.size > 0 ? { distinct: cells.size } : {}),
  };
}

interface OptunaResult {
  problem: string;
  pruner: string;
  seed: number;
  epochs: number[];
  finals: (number | null)[];
}

function startOptuna(label: string, pythonPath: string | undefined): Promise<OptunaResult[]> {
  return new Promise((resolve, reject) => {
    const args = [join(here, 'optuna/pruners.py'), '--trials', String(N_TRIALS), '--seeds', OPTUNA_SEEDS.join(','), '--problems', PROBLEMS.map((p) => p.name).join(','), '--curves', DIGITS_CURVES, '--pytorch-curves', PYTORCH_CURVES, '--mlp-curves', MLP_CURVES];
    const env = { ...process.env, ...(pythonPath !== undefined ? { PYTHONPATH: pythonPath } : {}) };
    const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${label} benchmark exited with ${code}`));
      else resolve(JSON.parse(out) as OptunaResult[]);
    });
  }).then(
    (r) => r as OptunaResult[],
    (error: unknown) => {
      console.error(`${label} part failed: ${String(error)}`);
      return [];
    },
  );
}

/** Rows of (library, pruner) → per-seed pairs, per problem. */
type Results = Map<string, Map<string, Paired[]>>;

function add(results: Results, problem: string, row: string, p: Paired): void {
  let byRow = results.get(problem);
  if (byRow === undefined) results.set(problem, (byRow = new Map()));
  const list = byRow.get(row) ?? [];
  list.push(p);
  byRow.set(row, list);
}

function addOptuna(results: Results, library: string, records: readonly OptunaResult[]): void {
  for (const problem of PROBLEMS) {
    for (const seed of SEEDS) {
      const reference = records.find((r) => r.problem === problem.name && r.pruner === 'none' && r.seed === seed);
      if (reference === undefined) continue;
      for (const r of records) {
        if (r.problem !== problem.name || r.seed !== seed) continue;
        add(results, problem.name, `${library} ${r.pruner}`, pair(r, reference, problem.direction, problem.optimum, problem.scale));
      }
    }
  }
}

function print(title: string, byRow: Map<string, Paired[]>, fullEpochs: number): void {
  console.log(`\n${title}`);
  printTable(['pruner', ...SUMMARY_HEADER], [...byRow.entries()].map(([row, pairs]) => [row, ...summaryCells(pairs, fullEpochs)]));
}

/**
 * What a pruner could win on each problem: no-pruning's median regret when cut at a share
 * of its epochs. Where the 50% column equals the 100% one, the sampler has already found
 * all it will by half the trials, so a pruner saving half the epochs can at best tie.
 */
function printHeadroom(references: ReadonlyMap<string, readonly StudyRun[]>): void {
  const shares = [0.25, 0.5, 0.75, 1];
  console.log('\nheadroom: no pruning, median regret when cut at a share of its epochs (recorded tables: distinct configurations its trials replayed)');
  printTable(
    ['problem', ...shares.map((s) => `${100 * s}%`), 'configurations replayed'],
    PROBLEMS.map((problem) => {
      const runs = references.get(problem.name) ?? [];
      const full = N_TRIALS * problem.epochs;
      const distinct = runs.map((r) => r.distinct).filter((d): d is number => d !== undefined);
      return [
        problem.name,
        ...shares.map((s) => median(runs.map((r) => regret(bestWithin(r, problem.direction, s * full), problem.direction, problem.optimum, problem.scale))).toFixed(3)),
        distinct.length === 0 ? '-' : `${median(distinct)} of ${problem.tableSize ?? '?'}`,
      ];
    }),
  );
}

/**
 * Why judging a trial by its own curve cannot save half the epochs on the recorded tables:
 * the configurations that end best were mid-table or worse for much of the schedule.
 */
function printLateBloomers(): void {
  const recorded = PROBLEMS.filter((p) => p.lateBloomers !== undefined);
  if (recorded.length === 0) return;
  console.log(`\nlate bloomers: percentile rank among all of a table's configurations (0 = best) of its ${LATE_BLOOMER_COUNT} best final ones, at a share of the schedule (median, worst)`);
  printTable(
    ['problem', ...LATE_BLOOMER_SHARES.map((s) => `${100 * s}%`)],
    recorded.map((problem) => [
      problem.name,
      ...LATE_BLOOMER_SHARES.map((s) => {
        const ranks = problem.lateBloomers?.get(s) ?? [];
        return `${median(ranks).toFixed(0)}, ${Math.max(...ranks).toFixed(0)}`;
      }),
    ]),
  );
}

/**
 * Pausing against killing, seed by seed: each run's regret above no-pruning's at the epochs
 * that run used (the "paired diff" of the tables), so the two are compared at equal epochs
 * although pausing spends more of them. W: pausing's excess is lower.
 */
function printPauseVsKill(title: string, byRow: ReadonlyMap<string, readonly Paired[]>): void {
  const rows: string[][] = [];
  for (const [row, paused] of byRow) {
    // "asha+pause" pairs with "asha"; an extra row's spec with "pause":true with the same spec without it.
    const twin = row.endsWith('+pause') ? row.slice(0, -'+pause'.length) : row.includes(',"pause":true') ? row.replace(',"pause":true', '') : undefined;
    if (twin === undefined) continue;
    const killed = byRow.get(twin);
    if (killed === undefined || killed.length !== paused.length) continue;
    const excess = (p: Paired): number => p.regret - p.referenceRegret;
    const diffs = paused.map((p, i) => excess(p) - excess(killed[i] as Paired));
    const wins = diffs.filter((d) => d < -1e-9).length;
    const losses = diffs.filter((d) => d > 1e-9).length;
    const share = (pairs: readonly Paired[]): string => `${((100 * pairs.reduce((a, p) => a + p.epochs, 0)) / pairs.length).toFixed(0)}%`;
    rows.push([row, share(killed), share(paused), median(killed.map(excess)).toFixed(3), median(paused.map(excess)).toFixed(3), `${wins}/${diffs.length - wins - losses}/${losses}`, signTestP(wins, losses).toFixed(3)]);
  }
  if (rows.length === 0) return;
  console.log(`\n${title}`);
  printTable(['pruner', 'epochs (kill)', 'epochs (pause)', 'regret − none at equal epochs (kill, median)', '(pause, median)', 'W/T/L pause vs kill', 'sign p'], rows);
}

async function main(): Promise<void> {
  const started = Date.now();
  const optuna: Promise<OptunaResult[]>[] = [];
  if (runOptuna) {
    optuna.push(startOptuna('Optuna 3.1', undefined).then((r) => r.map((x) => ({ ...x, library: 'optuna3' }))));
    const optuna5 = process.env['SODATE_OPTUNA5_PATH'];
    if (optuna5 === undefined || optuna5 === '') console.log('Optuna 5: skipped (set SODATE_OPTUNA5_PATH to its source tree to include it)');
    else optuna.push(startOptuna('Optuna 5', optuna5).then((r) => r.map((x) => ({ ...x, library: 'optuna5' }))));
  }
  const names = Object.keys(PRUNERS).filter((n) => n === 'none' || n.startsWith('{') || wantedPruners === undefined || wantedPruners.includes(n));
  const results: Results = new Map();
  const references = new Map<string, StudyRun[]>();
  for (const problem of PROBLEMS) {
    for (const seed of SEEDS) {
      const reference = await runStudy(problem, seed, new NopPruner());
      references.set(problem.name, [...(references.get(problem.name) ?? []), reference]);
      for (const name of names) {
        const run = name === 'none' ? reference : await runStudy(problem, seed, (PRUNERS[name] as () => Pruner)());
        add(results, problem.name, `sodate ${name}`, pair(run, reference, problem.direction, problem.optimum, problem.scale));
      }
    }
  }
  console.log(`sodate part (${samplerLabel}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const records of await Promise.all(optuna)) {
    const library = (records[0] as { library?: string } | undefined)?.library;
    if (library !== undefined) addOptuna(results, library, records);
  }

  const pooled = (keep: (problem: string) => boolean): Map<string, Paired[]> => {
    const out = new Map<string, Paired[]>();
    for (const [problem, byRow] of results) {
      if (!keep(problem)) continue;
      for (const [row, pairs] of byRow) out.set(row, [...(out.get(row) ?? []), ...pairs]);
    }
    return out;
  };
  const fullOf = (problem: string): number => N_TRIALS * (PROBLEMS.find((p) => p.name === problem) as Problem).epochs;
  for (const problem of PROBLEMS) {
    const byRow = results.get(problem.name);
    if (byRow !== undefined) print(`${problem.name} (${problem.direction}), ${N_TRIALS} trials × ${problem.epochs} epochs × ${SEEDS.length} seeds (Optuna: ${runOptuna ? OPTUNA_SEEDS.length : 0})`, byRow, fullOf(problem.name));
  }
  // Pooled rows mix problems of different lengths: epochs are shares of each problem's full run.
  const pooledShare = (keep: (problem: string) => boolean, title: string): void => {
    const rows = pooled(keep);
    const normalised = new Map([...rows].map(([row, pairs]) => [row, pairs]));
    console.log(`\n${title}`);
    printTable(
      ['pruner', ...SUMMARY_HEADER],
      [...normalised.entries()].map(([row, pairs]) => [row, ...summaryCells(pairs, 1)]),
    );
  };
  const shareResults = (): void => {
    // Express every pair's epochs as a share of its problem's full run, so pooling is fair.
    for (const [problem, byRow] of results) {
      for (const [row, pairs] of byRow) byRow.set(row, pairs.map((p) => ({ ...p, epochs: p.epochs / fullOf(problem) })));
    }
  };
  shareResults();
  for (const problem of PROBLEMS) {
    const byRow = results.get(problem.name);
    if (byRow !== undefined) printPauseVsKill(`pausing + promotion vs killing, ${problem.name}`, byRow);
  }
  const recorded = PROBLEMS.filter((p) => RECORDED.has(p.name)).map((p) => p.name);
  if (recorded.length > 0) pooledShare((p) => RECORDED.has(p), `pooled over the recorded curves (${recorded.join(', ')})`);
  pooledShare(() => true, `pooled over all problems (${PROBLEMS.map((p) => p.name).join(', ')})`);
  if (recorded.length > 0) printPauseVsKill(`pausing + promotion vs killing, pooled over the recorded curves`, pooled((p) => RECORDED.has(p)));
  printHeadroom(references);
  printLateBloomers();
  console.log(`\ntotal: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
