/**
 * Sampler quality: every sampler on every problem of test/bench/problems.ts, for several
 * seeds; prints the median final regret per problem and the mean rank per sampler.
 * Optuna 3.1 (Debian's python3-optuna) runs the same problems in child processes, in
 * parallel with the sodate runs.
 *
 *   npm run bench samplers                      10 seeds
 *   npm run bench samplers -- --quick           (or SODATE_BENCH_QUICK=1) 3 seeds
 *   SODATE_BENCH_SEEDS=5 SODATE_BENCH_PROBLEMS=branin,ackley10 SODATE_BENCH_SAMPLERS=sodate-tpe,optuna-tpe …
 *   SODATE_BENCH_TPE_VARIANTS='{"tpe-optuna-gamma":{"gamma":"optuna"}}'   extra TPESampler configurations
 *   SODATE_BENCH_OPTUNA_CACHE=/tmp/optuna-quality.json                   reuse Optuna results between runs
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomSampler } from '../../src/samplers/random.js';
import type { TPESamplerOptions } from '../../src/samplers/tpe/index.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { createStudy } from '../../src/study/create.js';
import type { Sampler } from '../../src/study/policies.js';
import type { Problem } from './problems.js';
import { PROBLEMS } from './problems.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const OPTUNA_SAMPLERS = ['random', 'tpe', 'tpe-mv', 'cmaes'] as const;
const PYTHON_WORKERS = 2;

const quick = process.argv.includes('--quick') || process.env['SODATE_BENCH_QUICK'] === '1';
const nSeeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? (quick ? 3 : 10));
const problemFilter = process.env['SODATE_BENCH_PROBLEMS']?.split(',');
const samplerFilter = process.env['SODATE_BENCH_SAMPLERS']?.split(',');
const problems = PROBLEMS.filter((p) => problemFilter === undefined || problemFilter.includes(p.name));
const seeds = Array.from({ length: nSeeds }, (_, i) => i);

type SamplerFactory = (seed: number) => Sampler;

/** Samplers another engineer may or may not have landed yet: imported when present. */
async function optionalSamplers(): Promise<Record<string, SamplerFactory>> {
  const found: Record<string, SamplerFactory> = {};
  const tryImport = async (label: string, path: string, exportName: string): Promise<void> => {
    const file = join(here, path);
    if (!existsSync(file.replace(/\.js$/, '.ts'))) return;
    try {
      const module = (await import(file)) as Record<string, unknown>;
      const ctor = module[exportName] as (new (options: { seed: number }) => Sampler) | undefined;
      if (typeof ctor === 'function') found[label] = (seed) => new ctor({ seed });
    } catch (error) {
      console.log(`(skipping ${label}: ${(error as Error).message})`);
    }
  };
  await tryImport('sodate-gp', '../../src/samplers/gp/index.js', 'GPSampler');
  await tryImport('sodate-qmc', '../../src/samplers/qmc.js', 'QMCSampler');
  return found;
}

async function sodateSamplers(): Promise<Record<string, SamplerFactory>> {
  const samplers: Record<string, SamplerFactory> = {
    'sodate-random': (seed) => new RandomSampler({ seed }),
    'sodate-tpe': (seed) => new TPESampler({ seed }),
    'sodate-tpe-univariate': (seed) => new TPESampler({ seed, multivariate: false }),
    ...(await optionalSamplers()),
  };
  const variants = JSON.parse(process.env['SODATE_BENCH_TPE_VARIANTS'] ?? '{}') as Record<string, TPESamplerOptions>;
  for (const [label, options] of Object.entries(variants)) samplers[`sodate-${label}`] = (seed) => new TPESampler({ ...options, seed });
  return samplers;
}

interface Result {
  readonly problem: string;
  readonly sampler: string;
  readonly seed: number;
  readonly regret: number;
}

async function runSodate(problem: Problem, label: string, make: SamplerFactory, seed: number): Promise<Result> {
  const study = await createStudy({ sampler: make(seed), name: `${problem.name}-${label}-${seed}` });
  await study.optimize((trial) => problem.objective(trial), { nTrials: problem.budget });
  await study.close();
  return { problem: problem.name, sampler: label, seed, regret: (study.bestValue as number) - problem.optimum };
}

interface OptunaJob {
  readonly problem: string;
  readonly sampler: string;
  readonly seed: number;
}

function pythonRequest(request: unknown): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(here, 'optuna', 'samplers.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`optuna runner exited with ${code}`));
      else resolve(out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
    });
    child.stdin.end(JSON.stringify(request));
  });
}

function optunaAvailable(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
}

async function runOptuna(jobs: readonly OptunaJob[]): Promise<Result[]> {
  const cachePath = process.env['SODATE_BENCH_OPTUNA_CACHE'];
  const cache: Record<string, number> = cachePath !== undefined && existsSync(cachePath) ? (JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, number>) : {};
  const key = (j: OptunaJob): string => `${j.problem}/${j.sampler}/${j.seed}`;
  const todo = jobs.filter((j) => cache[key(j)] === undefined);
  const chunks: OptunaJob[][] = Array.from({ length: PYTHON_WORKERS }, () => []);
  todo.forEach((job, i) => (chunks[i % PYTHON_WORKERS] as OptunaJob[]).push(job));
  await Promise.all(
    chunks
      .filter((c) => c.length > 0)
      .map(async (c) => {
        for (const line of await pythonRequest({ mode: 'quality', jobs: c })) cache[key(line as unknown as OptunaJob)] = line['best'] as number;
        // Saved as each child finishes, so an interrupted run keeps what it has.
        if (cachePath !== undefined) writeFileSync(cachePath, JSON.stringify(cache));
      }),
  );
  const optimum = new Map(PROBLEMS.map((p) => [p.name, p.optimum]));
  return jobs.map((j) => ({ problem: j.problem, sampler: `optuna-${j.sampler}`, seed: j.seed, regret: (cache[key(j)] as number) - (optimum.get(j.problem) as number) }));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : 0.5 * ((s[mid - 1] as number) + (s[mid] as number));
}

/** Rank (1 = best, ties share the mean rank) of each sampler on each (problem, seed). */
function meanRanks(results: readonly Result[], samplers: readonly string[], problemNames: readonly string[]): Map<string, number> {
  const sums = new Map(samplers.map((s) => [s, 0]));
  let cells = 0;
  for (const problem of problemNames) {
    for (const seed of seeds) {
      const row = samplers.map((s) => ({ s, r: results.find((x) => x.problem === problem && x.sampler === s && x.seed === seed)?.regret ?? Infinity }));
      row.sort((a, b) => a.r - b.r);
      for (let i = 0; i < row.length; ) {
        let j = i;
        while (j + 1 < row.length && (row[j + 1] as { r: number }).r === (row[i] as { r: number }).r) j++;
        const rank = (i + j) / 2 + 1;
        for (let k = i; k <= j; k++) sums.set((row[k] as { s: string }).s, (sums.get((row[k] as { s: string }).s) as number) + rank);
        i = j + 1;
      }
      cells++;
    }
  }
  return new Map([...sums].map(([s, v]) => [s, v / cells]));
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : x.toPrecision(3);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const sodate = await sodateSamplers();
  const sodateLabels = Object.keys(sodate).filter((s) => samplerFilter === undefined || samplerFilter.includes(s));
  const optunaLabels = OPTUNA_SAMPLERS.filter((s) => samplerFilter === undefined || samplerFilter.includes(`optuna-${s}`));
  const withOptuna = optunaLabels.length > 0 && optunaAvailable();
  const jobs: OptunaJob[] = withOptuna ? problems.flatMap((p) => optunaLabels.flatMap((s) => seeds.map((seed) => ({ problem: p.name, sampler: s, seed })))) : [];
  console.log(`${problems.length} problems × ${seeds.length} seeds; sodate: ${sodateLabels.join(', ')}; optuna: ${withOptuna ? optunaLabels.join(', ') : 'not available'}`);
  const optunaRun = withOptuna ? runOptuna(jobs) : Promise.resolve([]);
  const results: Result[] = [];
  for (const problem of problems) {
    for (const label of sodateLabels) {
      for (const seed of seeds) results.push(await runSodate(problem, label, sodate[label] as SamplerFactory, seed));
      // Let the Python children's pipes drain between runs.
      await new Promise((r) => setImmediate(r));
    }
  }
  const sodateSeconds = (performance.now() - started) / 1000;
  results.push(...(await optunaRun));
  const samplers = [...sodateLabels, ...(withOptuna ? optunaLabels.map((s) => `optuna-${s}`) : [])];

  console.log(`\nMedian final regret over ${seeds.length} seeds (lower is better)\n`);
  const rows = problems.map((p) => [
    `${p.name} (${p.dimension}d, ${p.budget})`,
    ...samplers.map((s) => fmt(median(results.filter((r) => r.problem === p.name && r.sampler === s).map((r) => r.regret)))),
  ]);
  console.log(table(['problem', ...samplers.map((s) => s.replace(/^sodate-/, 's:').replace(/^optuna-/, 'o:'))], rows));

  const all = meanRanks(results, samplers, problems.map((p) => p.name));
  const continuous = problems.filter((p) => p.continuous && p.dimension <= 10).map((p) => p.name);
  const cont = meanRanks(results, samplers, continuous);
  console.log(`\nMean rank per sampler (1 = best; ${samplers.length} samplers; ranked per problem and seed)\n`);
  const rankRows = samplers
    .map((s) => [s, (all.get(s) as number).toFixed(2), (cont.get(s) as number).toFixed(2)])
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  console.log(table(['sampler', 'all problems', 'continuous ≤10d'], rankRows));
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s (sodate runs ${sodateSeconds.toFixed(0)} s)`);
}

await main();
