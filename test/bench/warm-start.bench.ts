/**
 * Warm starts (issue #14): does a study warm-started from a 100-trial study of a related
 * problem reach, within 50 trials, the regret a cold study reaches in 100?
 *
 * Each pair is an old problem and a new one built from the quality suite (problems.ts): the
 * new one has its optimum shifted and one more parameter.
 * - branin+1: old = branin(x0 − 0.6, x1 − 0.9) (2 parameters); new = branin(x0, x1) + 2·(x2 − 0.7)²;
 * - hartmann6+1: old = hartmann6(x − 0.05); new = hartmann6(x) + 2·(x6 − 0.7)² (as branin+1);
 * - hartmann6 shifted: old = hartmann6(x − 0.05); new = hartmann6(x) (no parameter added:
 *   what another epoch count or dataset version does to the optimum);
 * - hartmann6 slice: old = hartmann6 with x0…x4 shifted by −0.05 and x5 fixed at 0.3 (5
 *   parameters: the knob did not exist yet); new = hartmann6 over all 6 (`assume` rows tell
 *   the warm start x5 was 0.3 in the old study);
 * - image-mixed: old has no label_smoothing (fixed at 0) and its best lr is half the new
 *   one's; new = the suite's image-baseline surrogate (11 parameters);
 * - branin+1 narrowed: as branin+1, with x0's range cut from [-5, 10] to [-5, 6] in the new
 *   study (about a quarter of the old trials fall outside it): 'drop' against 'clip'.
 * Per seed: the old study (100 trials, seed s), a cold study and warm ones (100 trials each,
 * seed s); with TPE also "no fade" rows (`warmStartFade: Infinity`: the old trials weigh as
 * much as the new ones throughout, as before the fade). "to cold@100": the first trial at which the warm study's best regret is at most
 * the cold study's after 100 (>100 when never). Medians over seeds.
 *
 *   npm run bench -- warm-start                                  10 seeds, TPE, auto (GP: slow, ~10 min) and GP on two pairs
 *   SODATE_BENCH_SEEDS=5 SODATE_BENCH_SAMPLERS=tpe npm run bench -- warm-start
 *   SODATE_BENCH_PROBLEMS=branin+1 …                             one pair
 *   SODATE_BENCH_SEED_BASE=100 …                                 seeds 100…109 (the warm-start ranking was chosen on 100…119)
 *   SODATE_BENCH_SAMPLERS=auto,auto+prior,auto+own …             auto (GP's joint model of old and new trials) beside
 *                                                                GP's prior model and GP on its own trials (only when named)
 *   SODATE_BENCH_REACH=1 …                                       each seed's "to cold@100" too, and the misses' gap after 50 trials
 *   SODATE_BENCH_LEAD=1 …                                        the trial at which each study first reaches regret 1, 0.1 … 1e-4
 *
 * Beside Optuna (Debian's 3.1; Optuna 5 too when SODATE_OPTUNA5_PATH points at its sources)
 * on branin+1, hartmann6+1 and image-mixed: Optuna has no warm start, so its peer adds the
 * old study's COMPLETE trials with study.add_trials and enqueues their best
 * (test/bench/optuna/warm_start.py); its default TPE. SODATE_BENCH_OPTUNA=0 skips it.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RangeOptions } from '../../src/space/distributions.js';
import { floatDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import type { SearchSpace } from '../../src/space/search-space.js';
import type { Storage } from '../../src/storage/storage.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { AutoSampler } from '../../src/samplers/auto.js';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import type { TPESamplerOptions } from '../../src/samplers/tpe/index.js';
import type { Sampler } from '../../src/policies/policies.js';
import { createStudy } from '../../src/study/create.js';
import type { WarmStartOptions } from '../../src/study/warm-start.js';
import type { Suggest } from './problems.js';
import { branin, hartmann6, imageBaseline } from './problems.js';
import { imageSpace } from './image-space.js';
import { printTable } from './table.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

type Objective = (trial: Suggest) => number;

interface Pair {
  readonly name: string;
  readonly old: Objective;
  readonly fresh: Objective;
  /** The new problem's minimum, for regret. */
  readonly optimum: number;
  /** The new study's declared space (what a space file gives the warm start). */
  readonly space: SearchSpace;
  /** Warm variants to run beside the cold study. */
  readonly variants: readonly { name: string; options: Partial<WarmStartOptions>; only?: string; tpe?: TPESamplerOptions }[];
  /** Samplers run on this pair. Default: all. */
  readonly samplers?: readonly string[];
}

/** A Suggest that rewrites some parameters: `fixed` ones are not suggested, `map` transforms a suggested value. */
function rewriting(trial: Suggest, fixed: Readonly<Record<string, number>>, map: Readonly<Record<string, (v: number) => number>> = {}): Suggest {
  return {
    suggestFloat: (name: string, low: number, high: number, options?: RangeOptions) => {
      if (name in fixed) return fixed[name] as number;
      const v = trial.suggestFloat(name, low, high, options);
      return map[name]?.(v) ?? v;
    },
    suggestInt: (name: string, low: number, high: number, options?: RangeOptions) => trial.suggestInt(name, low, high, options),
    suggestCategorical: (name, choices) => trial.suggestCategorical(name, choices),
  };
}

const braninPlus = (x0High: number): Objective => (t) => branin(t.suggestFloat('x0', -5, x0High), t.suggestFloat('x1', 0, 15)) + 2 * (t.suggestFloat('x2', 0, 1) - 0.7) ** 2;
const braninOld: Objective = (t) => branin(t.suggestFloat('x0', -5, 10) - 0.6, t.suggestFloat('x1', 0, 15) - 0.9);
const hartmannNew: Objective = (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1)));
const hartmannOld: Objective = (t) => hartmann6([...Array.from({ length: 5 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1) - 0.05), 0.3]);
const imageOld: Objective = (t) => imageBaseline(rewriting(t, { label_smoothing: 0 }, { lr: (v) => v * 2 }));

const floats = (names: readonly string[], low: number, high: number) => compileSearchSpace(names.map((name) => ({ name, distribution: floatDistribution(low, high), when: null })));

const PAIRS: readonly Pair[] = [
  {
    name: 'branin+1',
    old: braninOld,
    fresh: braninPlus(10),
    optimum: 0.39788735772973816,
    space: compileSearchSpace([
      { name: 'x0', distribution: floatDistribution(-5, 10), when: null },
      { name: 'x1', distribution: floatDistribution(0, 15), when: null },
      { name: 'x2', distribution: floatDistribution(0, 1), when: null },
    ]),
    variants: [
      { name: 'warm', options: {} },
      { name: 'warm, no fade', options: {}, only: 'tpe', tpe: { warmStartFade: Infinity } },
      { name: 'warm, no enqueued best', options: { enqueueBest: false }, only: 'tpe' },
    ],
  },
  {
    name: 'hartmann6+1',
    old: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1) - 0.05)),
    fresh: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))) + 2 * (t.suggestFloat('x6', 0, 1) - 0.7) ** 2,
    optimum: -3.3223680114155147,
    space: floats(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6'], 0, 1),
    samplers: ['tpe', 'auto', 'auto+prior', 'auto+own'],
    variants: [{ name: 'warm', options: {} }, { name: 'warm, no fade', options: {}, only: 'tpe', tpe: { warmStartFade: Infinity } }],
  },
  {
    // No parameter added: only the optimum moved (what another epoch count or dataset version does).
    name: 'hartmann6 shifted',
    old: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1) - 0.05)),
    fresh: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))),
    optimum: -3.3223680114155147,
    space: floats(['x0', 'x1', 'x2', 'x3', 'x4', 'x5'], 0, 1),
    variants: [{ name: 'warm', options: {} }],
  },
  {
    name: 'hartmann6 slice',
    old: hartmannOld,
    fresh: hartmannNew,
    optimum: -3.3223680114155147,
    space: floats(['x0', 'x1', 'x2', 'x3', 'x4', 'x5'], 0, 1),
    variants: [
      { name: 'warm', options: {} },
      { name: 'warm, no fade', options: {}, only: 'tpe', tpe: { warmStartFade: Infinity } },
      { name: 'warm, assume x5=0.3', options: { assume: { x5: 0.3 } } },
      { name: 'warm, no enqueued best', options: { enqueueBest: false }, only: 'tpe' },
    ],
  },
  {
    name: 'image-mixed',
    samplers: ['tpe', 'auto', 'auto+prior', 'auto+own'],
    old: imageOld,
    fresh: imageBaseline,
    optimum: 0.23,
    space: imageSpace(),
    variants: [
      { name: 'warm', options: {} },
      { name: 'warm, no fade', options: {}, only: 'tpe', tpe: { warmStartFade: Infinity } },
      { name: 'warm, assume label_smoothing=0', options: { assume: { label_smoothing: 0 } } },
    ],
  },
  {
    name: 'branin+1 narrowed',
    samplers: ['tpe', 'auto', 'auto+prior', 'auto+own'],
    old: braninOld,
    fresh: braninPlus(6),
    optimum: 0.39788735772973816,
    space: compileSearchSpace([
      { name: 'x0', distribution: floatDistribution(-5, 6), when: null },
      { name: 'x1', distribution: floatDistribution(0, 15), when: null },
      { name: 'x2', distribution: floatDistribution(0, 1), when: null },
    ]),
    variants: [
      { name: 'warm (drop outside)', options: { outside: 'drop' } },
      { name: 'warm (drop outside), no fade', options: { outside: 'drop' }, only: 'tpe', tpe: { warmStartFade: Infinity } },
      { name: 'warm (clip outside)', options: { outside: 'clip' } },
      { name: 'warm (clip outside), no fade', options: { outside: 'clip' }, only: 'tpe', tpe: { warmStartFade: Infinity } },
    ],
  },
];

const SAMPLERS: readonly { name: string; create: (seed: number) => Sampler; /** Runs only when SODATE_BENCH_SAMPLERS names it. */ optIn?: true }[] = [
  { name: 'tpe', create: (seed) => new TPESampler({ seed }) },
  { name: 'gp', create: (seed) => new GPSampler({ seed, deterministicObjective: true }) },
  // The default sampler (GP here; GP+TPE on image-mixed's conditional space): in a warm-started study GP's joint model of the old and new trials.
  // SODATE_BENCH_AUTO_TPE_TRIALS=10: TPE with the old trials samples the first 10 (AutoSampler's warmStartTpeTrials).
  { name: 'auto', create: (seed) => new AutoSampler({ seed, gp: { deterministicObjective: true }, warmStartTpeTrials: Number(process.env['SODATE_BENCH_AUTO_TPE_TRIALS'] ?? 0) }) },
  // GP's transfer model: a GP of the old trials as the prior mean of the new trials' GP (gp: { warmStartPrior: true }).
  { name: 'auto+prior', create: (seed) => new AutoSampler({ seed, gp: { deterministicObjective: true, warmStartModel: 'prior' } }), optIn: true },
  // GP on the study's own trials only, the old study reaching it through the enqueued best (the default before the joint model).
  { name: 'auto+own', create: (seed) => new AutoSampler({ seed, gp: { deterministicObjective: true, warmStartModel: 'own' } }), optIn: true },
];

const TRIALS = 100;
const SEED_BASE = Number(process.env['SODATE_BENCH_SEED_BASE'] ?? 0);
const TARGET = 50;

/** Best-so-far regret after each of the study's trials (index n−1 = after n trials). */
async function runStudy(objective: Objective, optimum: number, sampler: Sampler, seed: number, storage: Storage, name: string, warmStart?: WarmStartOptions): Promise<number[]> {
  const study = await createStudy({ name, storage, sampler, systemAttrs: { 'sodate:seed': seed }, ...(warmStart === undefined ? {} : { warmStart }) });
  await study.optimize((trial) => objective(trial), { nTrials: TRIALS });
  const curve: number[] = [];
  let best = Infinity;
  for (const t of study.trials) {
    const v = t.values?.[0];
    if (t.state === 'COMPLETE' && v !== undefined) best = Math.min(best, v);
    curve.push(best - optimum);
  }
  return curve;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(1));

/** Rows for Optuna's add_trials peer, or a note why there are none. */
function optunaRows(pairs: readonly string[], seeds: number): { rows: string[][]; notes: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const rows: string[][] = [];
  const notes: string[] = [];
  const versions: { label: string; env: NodeJS.ProcessEnv }[] = [{ label: 'optuna 3.1 tpe', env: { ...process.env, PYTHONPATH: '' } }];
  const optuna5 = process.env['SODATE_OPTUNA5_PATH'];
  if (optuna5 !== undefined) versions.push({ label: 'optuna 5 tpe', env: { ...process.env, PYTHONPATH: optuna5 } });
  else notes.push('optuna 5: skipped (set SODATE_OPTUNA5_PATH to Optuna 5 sources)');
  for (const version of versions) {
    const run = spawnSync('/usr/bin/python3', [join(here, 'optuna', 'warm_start.py')], { input: JSON.stringify({ pairs, seeds }), encoding: 'utf8', env: version.env, maxBuffer: 1 << 28 });
    if (run.status !== 0) {
      notes.push(`${version.label}: skipped (${(run.error?.message ?? run.stderr.trim().split('\n').pop()) || `exit ${run.status}`})`);
      continue;
    }
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { pair: string; seed: number; study: 'cold' | 'warm'; curve: number[] });
    for (const pair of pairs) {
      const cold = lines.filter((l) => l.pair === pair && l.study === 'cold').map((l) => l.curve);
      const warm = lines.filter((l) => l.pair === pair && l.study === 'warm').map((l) => l.curve);
      rows.push(...summaryRows(pair, version.label, cold, [{ name: 'warm (add_trials + enqueue best)', curves: warm }]));
    }
  }
  return { rows, notes };
}

/** The cold row and one row per warm variant: median regrets and the trial that matches cold@100. */
function summaryRows(pair: string, sampler: string, cold: readonly number[][], warm: readonly { name: string; curves: readonly number[][] }[]): string[][] {
  const coldAt = (n: number) => median(cold.map((c) => c[n - 1] as number));
  const rows = [[pair, sampler, 'cold', fmt(coldAt(25)), fmt(coldAt(TARGET)), fmt(coldAt(TRIALS)), '100', '']];
  for (const { name, curves } of warm) {
    const at = (n: number) => median(curves.map((c) => c[n - 1] as number));
    const reach = curves.map((c, s) => {
      const goal = (cold[s] as number[])[TRIALS - 1] as number;
      const n = c.findIndex((r) => r <= goal);
      return n < 0 ? TRIALS + 1 : n + 1;
    });
    const m = median(reach);
    // SODATE_BENCH_REACH=1: each seed's trial too (medians of 10 such numbers move a lot between
    // seed sets), and for each seed that misses the target how far its regret after 50 trials
    // lies above the cold regret after 100: a basin apart, or a race in the last digits.
    if (process.env['SODATE_BENCH_REACH'] === '1') {
      console.log(`${pair} / ${sampler} / ${name}: to cold@100 per seed ${reach.map((r) => (r > TRIALS ? '>' : String(r))).join(' ')}`);
      const gaps = curves.flatMap((c, s) => ((reach[s] as number) > TARGET ? [`${SEED_BASE + s}: ${fmt((c[TARGET - 1] as number) - ((cold[s] as number[])[TRIALS - 1] as number))}`] : []));
      if (gaps.length > 0) console.log(`${pair} / ${sampler} / ${name}: seeds over ${TARGET}, warm regret@${TARGET} − cold regret@100: ${gaps.join(', ')}`);
    }
    rows.push([pair, sampler, name, fmt(at(25)), fmt(at(TARGET)), fmt(at(TRIALS)), m > TRIALS ? '>100' : String(m), m <= TARGET ? 'yes' : 'no']);
  }
  return rows;
}

/** Regrets whose first-reaching trial the lead table gives (SODATE_BENCH_LEAD=1). */
const LEAD_THRESHOLDS = [1, 0.1, 1e-2, 1e-3, 1e-4];

/**
 * How far ahead a warm study is: per regret threshold, the median trial at which each study
 * first reaches it (a seed that never does counts as >100) and how many seeds reach it.
 */
function leadRows(pair: string, sampler: string, cold: readonly number[][], warm: readonly { name: string; curves: readonly number[][] }[]): string[][] {
  const row = (name: string, curves: readonly number[][]) => [
    pair,
    sampler,
    name,
    ...LEAD_THRESHOLDS.map((threshold) => {
      const first = curves.map((c) => c.findIndex((r) => r <= threshold)).map((i) => (i < 0 ? TRIALS + 1 : i + 1));
      const m = median(first);
      return `${m > TRIALS ? '>100' : String(m)} (${first.filter((n) => n <= TRIALS).length}/${curves.length})`;
    }),
  ];
  return [row('cold', cold), ...warm.map(({ name, curves }) => row(name, curves))];
}

async function main(): Promise<void> {
  const seeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? 10);
  const samplerFilter = process.env['SODATE_BENCH_SAMPLERS']?.split(',');
  const problemFilter = process.env['SODATE_BENCH_PROBLEMS']?.split(',');
  const rows: string[][] = [];
  const lead: string[][] = [];
  for (const pair of PAIRS.filter((p) => problemFilter === undefined || problemFilter.includes(p.name))) {
    for (const entry of SAMPLERS.filter((s) => (samplerFilter === undefined ? s.optIn !== true : samplerFilter.includes(s.name)) && (pair.samplers === undefined || pair.samplers.includes(s.name)))) {
      const started = Date.now();
      const cold: number[][] = [];
      const variants = pair.variants.filter((v) => v.only === undefined || v.only === entry.name);
      const warm = variants.map(() => [] as number[][]);
      for (let seed = SEED_BASE; seed < SEED_BASE + seeds; seed++) {
        const storage = new InMemoryStorage();
        // The old study's seed differs from the new one's, as two separate studies' would.
        await runStudy(pair.old, 0, entry.create(1000 + seed), 1000 + seed, storage, 'old');
        cold.push(await runStudy(pair.fresh, pair.optimum, entry.create(seed), seed, storage, 'cold'));
        for (const [i, variant] of variants.entries()) {
          const sampler = variant.tpe === undefined ? entry.create(seed) : new TPESampler({ seed, ...variant.tpe });
          (warm[i] as number[][]).push(await runStudy(pair.fresh, pair.optimum, sampler, seed, storage, `warm-${i}`, { from: 'old', space: pair.space, ...variant.options }));
        }
      }
      const warmCurves = variants.map((v, i) => ({ name: v.name, curves: warm[i] as number[][] }));
      rows.push(...summaryRows(pair.name, entry.name, cold, warmCurves));
      lead.push(...leadRows(pair.name, entry.name, cold, warmCurves));
      console.log(`${pair.name} / ${entry.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  const notes: string[] = [];
  if (process.env['SODATE_BENCH_OPTUNA'] !== '0') {
    const peerPairs = ['branin+1', 'hartmann6+1', 'image-mixed'].filter((p) => problemFilter === undefined || problemFilter.includes(p));
    if (peerPairs.length > 0) {
      const peer = optunaRows(peerPairs, seeds);
      rows.push(...peer.rows);
      notes.push(...peer.notes);
    }
  }
  console.log(`\nWarm start: median best regret over ${seeds} seeds after 25 / 50 / 100 trials of the new study, and the median trial at which`);
  console.log(`the warm study first matches its seed's cold regret after 100 ("to cold@100"; the issue asks ≤ ${TARGET}).`);
  printTable(['pair', 'sampler', 'study', 'regret@25', 'regret@50', 'regret@100', 'to cold@100', `≤ ${TARGET}`], rows);
  for (const note of notes) console.log(note);
  if (process.env['SODATE_BENCH_LEAD'] === '1') {
    console.log(`\nLead: the median trial at which each study's best regret first reaches each threshold (>100: not within 100 trials), and how many seeds reach it`);
    printTable(['pair', 'sampler', 'study', ...LEAD_THRESHOLDS.map((t) => `regret ≤ ${fmt(t)}`)], lead);
  }
}

await main();
