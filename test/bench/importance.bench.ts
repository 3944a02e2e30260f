/**
 * Importance beside Optuna (#17): `paramImportances` (PED-ANOVA, fANOVA) and Optuna's
 * evaluators on the same studies, compared by rank correlation. sodate's TPESampler and
 * RandomSampler write the studies (problems of test/bench/problems.ts) to SQLite files in a
 * temp folder; test/bench/optuna/importance.py opens them with `optuna.load_study` and runs
 * Optuna 5 (its sources at SODATE_OPTUNA5_PATH; skipped when unset) and Debian's Optuna 3.1
 * (whose default evaluator is fANOVA; it has no PED-ANOVA), in parallel. fANOVA needs
 * scikit-learn in both (python3-sklearn).
 *
 *   npm run bench -- importance
 *   SODATE_BENCH_SEEDS=3 SODATE_BENCH_TRIALS=300 SODATE_BENCH_PROBLEMS=hartmann6,rosenbrock6,cat6x5 npm run bench -- importance
 *   SODATE_BENCH_SEED_FLOOR=1 …      also Optuna 5's fANOVA with seed 1 (Python's fANOVA is the slow part: ~6 s a study)
 *
 * Rankings are compared on the parameters both sides rank (Optuna's fANOVA leaves out
 * conditional parameters): Spearman's ρ (average ranks for ties), Kendall's τ-b and whether
 * the top parameter agrees. The "seed 0 vs 1" rows are each fANOVA against itself with
 * another forest seed: the agreement noise alone allows. About 2 minutes on 2 idle cores.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paramImportances } from '../../src/analysis/importance/index.js';
import type { ImportanceOptions } from '../../src/analysis/importance/types.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { createStudy } from '../../src/study/create.js';
import type { Sampler } from '../../src/policies/policies.js';
import { trialNoise } from './discrete-problems.js';
import { PROBLEMS } from './problems.js';
import { printTable } from './table.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const N_TRIALS = Number(process.env['SODATE_BENCH_TRIALS'] ?? 200);
const N_SEEDS = Number(process.env['SODATE_BENCH_SEEDS'] ?? 2);
const PROBLEM_NAMES = process.env['SODATE_BENCH_PROBLEMS']?.split(',') ?? ['hartmann6', 'image-mixed', 'cat6x5', 'image-categorical'];
/** Optuna's fANOVA again with seed 1 (its own noise floor): doubles the Python time, so opt-in. */
const OPTUNA_SEED_FLOOR = process.env['SODATE_BENCH_SEED_FLOOR'] === '1';
const SAMPLERS: Record<string, (seed: number) => Sampler> = {
  tpe: (seed) => new TPESampler({ seed }),
  random: (seed) => new RandomSampler({ seed }),
};

/** Importances as a name → share map. */
type Shares = ReadonlyMap<string, number>;

interface StudyRun {
  readonly name: string;
  readonly problem: string;
  readonly sampler: string;
  readonly path: string;
  /** Keyed by method label, e.g. 'sodate-ped', 'optuna5-fanova'. */
  readonly results: Map<string, Shares>;
}

async function writeStudies(dir: string): Promise<StudyRun[]> {
  const runs: StudyRun[] = [];
  const t0 = performance.now();
  for (const problemName of PROBLEM_NAMES) {
    const problem = PROBLEMS.find((p) => p.name === problemName);
    if (problem === undefined) throw new Error(`unknown problem ${problemName}; known: ${PROBLEMS.map((p) => p.name).join(', ')}`);
    for (const [sampler, make] of Object.entries(SAMPLERS)) {
      for (let seed = 0; seed < N_SEEDS; seed++) {
        const name = `${problem.name}-${sampler}-${seed}`;
        const path = join(dir, `${name}.db`);
        const study = await createStudy({ name, storage: `sqlite:${path}`, sampler: make(seed) });
        await study.optimize((trial) => problem.objective(trial, problem.noisy === true ? trialNoise(seed, trial.number) : 0), { nTrials: N_TRIALS });
        const trials = await study.getTrials();
        await study.close();
        const results = new Map<string, Shares>();
        const sodate = (label: string, options: ImportanceOptions): void => {
          results.set(label, new Map(paramImportances(trials, 'minimize', options).importances.map((p) => [p.name, p.importance])));
        };
        sodate('sodate-ped', { method: 'ped-anova' });
        sodate('sodate-fanova', { method: 'fanova', seed: 0 });
        sodate('sodate-fanova-seed1', { method: 'fanova', seed: 1 });
        runs.push({ name, problem: problem.name, sampler, path, results });
      }
    }
  }
  console.log(`${runs.length} studies of ${N_TRIALS} trials written and analysed by sodate in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  return runs;
}

interface OptunaLine {
  readonly version?: string;
  readonly study?: string;
  readonly evaluator?: string;
  readonly importances?: Record<string, number>;
  readonly skipped?: string;
}

/** Runs importance.py under one Optuna; stores its results under `prefix-<evaluator>`. */
function runOptuna(prefix: string, pythonPath: string | undefined, evaluators: readonly string[], runs: readonly StudyRun[]): Promise<string> {
  const env = { ...process.env };
  if (pythonPath !== undefined) env['PYTHONPATH'] = pythonPath;
  else delete env['PYTHONPATH'];
  const byName = new Map(runs.map((r) => [r.name, r]));
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [join(here, 'optuna', 'importance.py')], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve(`${prefix}: not run (${e.message})`));
    child.on('close', (code) => {
      let version = '?';
      const skipped = new Set<string>();
      for (const text of out.split('\n')) {
        if (text.trim() === '') continue;
        const line = JSON.parse(text) as OptunaLine;
        if (line.version !== undefined) version = line.version;
        else if (line.skipped !== undefined) skipped.add(`${line.evaluator}: ${line.skipped}`);
        else if (line.importances !== undefined) byName.get(line.study ?? '')?.results.set(`${prefix}-${line.evaluator}`, new Map(Object.entries(line.importances)));
      }
      const tail = code === 0 ? '' : `; exited ${code}: ${err.trim().split('\n').pop()}`;
      resolve(`${prefix} = Optuna ${version}${[...skipped].map((s) => `; skipped ${s}`).join('')}${tail}`);
    });
    child.stdin.end(JSON.stringify({ studies: runs.map((r) => ({ name: r.name, path: r.path })), evaluators }));
  });
}

/** Ranks 1…n (1 = most important), ties sharing their average rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v);
  const out = new Array<number>(values.length).fill(0);
  for (let k = 0; k < order.length; ) {
    let end = k;
    while (end + 1 < order.length && (order[end + 1] as { v: number }).v === (order[k] as { v: number }).v) end++;
    for (let j = k; j <= end; j++) out[(order[j] as { i: number }).i] = (k + end) / 2 + 1;
    k = end + 1;
  }
  return out;
}

function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (ra[i] as number) - mean;
    const db = (rb[i] as number) - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Kendall's τ-b. */
function kendall(a: readonly number[], b: readonly number[]): number {
  let concordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  let pairs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const x = Math.sign((a[i] as number) - (a[j] as number));
      const y = Math.sign((b[i] as number) - (b[j] as number));
      pairs++;
      if (x === 0) tiesA++;
      if (y === 0) tiesB++;
      concordant += x * y;
    }
  }
  const denom = Math.sqrt((pairs - tiesA) * (pairs - tiesB));
  return denom > 0 ? concordant / denom : NaN;
}

interface Agreement {
  readonly rho: number;
  readonly tau: number;
  readonly top1: boolean;
  readonly params: readonly string[];
}

/** Agreement of two results on the parameters both rank. */
function agreement(x: Shares, y: Shares): Agreement {
  const params = [...x.keys()].filter((p) => y.has(p)).sort();
  const a = params.map((p) => x.get(p) as number);
  const b = params.map((p) => y.get(p) as number);
  const top = (v: readonly number[]): string => params[v.indexOf(Math.max(...v))] ?? '';
  return { rho: spearman(a, b), tau: kendall(a, b), top1: top(a) === top(b), params };
}

function ranking(shares: Shares, only: readonly string[]): string {
  return [...shares.entries()]
    .filter(([p]) => only.includes(p))
    .sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : 1))
    .map(([p, v]) => `${p}:${(100 * v).toFixed(0)}`)
    .join(' ');
}

const fmt = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(2));
const mean = (xs: readonly number[]): number => {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? NaN : ok.reduce((s, x) => s + x, 0) / ok.length;
};

/** [label, sodate side, Optuna side]; the first three are printed per study too. */
const COMPARISONS: readonly (readonly [string, string, string])[] = [
  ['PED-ANOVA sodate vs Optuna 5', 'sodate-ped', 'optuna5-ped-anova'],
  ['fANOVA sodate vs Optuna 5', 'sodate-fanova', 'optuna5-fanova'],
  ['fANOVA sodate vs Optuna 3.1 (its default)', 'sodate-fanova', 'optuna3-default'],
  ['fANOVA seed 0 vs 1, sodate', 'sodate-fanova', 'sodate-fanova-seed1'],
  ['fANOVA seed 0 vs 1, Optuna 5', 'optuna5-fanova', 'optuna5-fanova-seed1'],
  ['fANOVA Optuna 5 vs Optuna 3.1', 'optuna5-fanova', 'optuna3-default'],
  ['PED-ANOVA vs fANOVA, sodate', 'sodate-ped', 'sodate-fanova'],
  ['PED-ANOVA vs fANOVA, Optuna 5', 'optuna5-ped-anova', 'optuna5-fanova'],
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-importance-'));
  try {
    const runs = await writeStudies(dir);
    const optuna5Path = process.env['SODATE_OPTUNA5_PATH'];
    const t0 = performance.now();
    const jobs = [runOptuna('optuna3', undefined, ['default'], runs)];
    if (optuna5Path === undefined || optuna5Path === '') console.log('Optuna 5 skipped: set SODATE_OPTUNA5_PATH to its sources (comparing with Debian Optuna 3.1 only)');
    else jobs.push(runOptuna('optuna5', optuna5Path, ['ped-anova', 'fanova', ...(OPTUNA_SEED_FLOOR ? ['fanova-seed1'] : []), 'default'], runs));
    for (const note of await Promise.all(jobs)) console.log(note);
    console.log(`Optuna evaluators took ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Optuna 5's default evaluator is its PED-ANOVA: say so when they agree exactly.
    const sameDefault = runs.every((r) => {
      const d = r.results.get('optuna5-default');
      const p = r.results.get('optuna5-ped-anova');
      return d === undefined || p === undefined || [...d].every(([k, v]) => p.get(k) === v);
    });
    if (runs.some((r) => r.results.has('optuna5-default'))) console.log(`Optuna 5's default evaluator ${sameDefault ? 'equals' : 'differs from'} PedAnovaImportanceEvaluator() on every study`);

    for (const run of runs) {
      console.log(`\n${run.name}`);
      const rows: string[][] = [];
      for (const [label, a, b] of COMPARISONS.slice(0, 3)) {
        const x = run.results.get(a);
        const y = run.results.get(b);
        if (x === undefined || y === undefined) continue;
        const g = agreement(x, y);
        rows.push([label, ranking(x, g.params), ranking(y, g.params), fmt(g.rho), fmt(g.tau), g.top1 ? 'yes' : 'no']);
      }
      printTable(['comparison', 'sodate ranking (param:% share)', 'Optuna ranking', 'ρ', 'τ', 'top-1'], rows);
    }

    console.log(`\nPooled: mean Spearman ρ per problem (${Object.keys(SAMPLERS).length} samplers × ${N_SEEDS} seeds), then over all studies`);
    const summary: string[][] = [];
    for (const [label, a, b] of COMPARISONS) {
      const all = runs.flatMap((r) => {
        const x = r.results.get(a);
        const y = r.results.get(b);
        return x === undefined || y === undefined ? [] : [{ run: r, g: agreement(x, y) }];
      });
      if (all.length === 0) continue;
      const perProblem = PROBLEM_NAMES.map((p) => fmt(mean(all.filter((e) => e.run.problem === p).map((e) => e.g.rho))));
      const perSampler = Object.keys(SAMPLERS).map((s) => fmt(mean(all.filter((e) => e.run.sampler === s).map((e) => e.g.rho))));
      summary.push([
        label,
        ...perProblem,
        ...perSampler,
        fmt(mean(all.map((e) => e.g.rho))),
        fmt(mean(all.map((e) => e.g.tau))),
        `${all.filter((e) => e.g.top1).length}/${all.length}`,
      ]);
    }
    printTable(['comparison', ...PROBLEM_NAMES, ...Object.keys(SAMPLERS).map((s) => `ρ ${s}`), 'ρ all', 'τ all', 'top-1'], summary);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
