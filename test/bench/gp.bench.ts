/**
 * GP sampler timing and a quick quality check: ask time (ms) at the 100th and 300th trial
 * on a Hartmann-6-like 6-D space, plus the best value reached on Branin and Hartmann-6.
 * Then the ask time on a study that already holds 300 and 1,000 trials (the same random
 * points on both sides), beside Optuna 5's GPSampler (its sources at SODATE_OPTUNA5_PATH;
 * skipped when unset; test/bench/optuna/gp.py).
 * `node --import tsx test/bench/gp.bench.ts [trials]`; GP_BENCH_PROBLEMS=hartmann6 GP_BENCH_SEEDS=0,1 to narrow;
 * GP_BENCH_SIZES=300,1000 GP_BENCH_ASKS=5 for the second table; GP_BENCH_WARMUP=5 first runs that many
 * untimed asks on a separate 100-trial study on both sides (default 0: the first timed ask at
 * 300 then also pays for V8 compiling sodate's numerics, a fresh process's cost; with a warm-up
 * the table shows the steady state of a long-running study).
 * A third table runs studies with 4 workers (4 trials asked before any is told, so each
 * ask sees the other 3 running) beside Optuna 5: GP_BENCH_PARALLEL_SEEDS=0,1,2,3,4 (none: skip).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/samplers/rng.js';
import type { Distribution } from '../../src/space/distributions.js';
import { floatDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import type { Sampler, StudyView } from '../../src/policies/policies.js';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { createStudy } from '../../src/study/create.js';
import { branin as braninFunction, hartmann6 as hartmann6Function } from './problems.js';

interface Problem {
  readonly name: string;
  readonly space: Record<string, Distribution>;
  readonly f: (x: Record<string, number>) => number;
  readonly optimum: number;
}

const coords = (x: Record<string, number>, n: number) => Array.from({ length: n }, (_, i) => x[`x${i}`] as number);

/** The suite's formulas (test/bench/problems.ts) over named unit coordinates. */
export const hartmann6: Problem = {
  name: 'hartmann6',
  space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, floatDistribution(0, 1)])),
  f: (x) => hartmann6Function(coords(x, 6)),
  optimum: -3.32237,
};

export const branin: Problem = {
  name: 'branin',
  space: { x: floatDistribution(-5, 10), y: floatDistribution(0, 15) },
  f: ({ x, y }) => braninFunction(x as number, y as number),
  optimum: 0.397887,
};

/** Run `trials` sequential asks (after `prefill` finished trials, if any); returns the best value and the ask time of every trial. */
export function run(sampler: Sampler, problem: Problem, trials: number, prefill: readonly FrozenTrial[] = []): { best: number; askMs: number[]; cpuMs: number[] } {
  const history: FrozenTrial[] = [...prefill];
  const view: StudyView = {
    name: 'bench',
    direction: 'minimize',
    directions: ['minimize'],
    getTrials: (states) => (states === undefined ? history : history.filter((t) => states.includes(t.state))),
    setTrialSystemAttr: () => undefined,
  };
  let best = Infinity;
  const askMs: number[] = [];
  const cpuMs: number[] = [];
  for (let number = prefill.length; number < prefill.length + trials; number++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const running: FrozenTrial = {
      id: number + 1, number, state: 'RUNNING', values: null, params: {}, internalParams: {}, distributions: {},
      intermediateValues: new Map(), userAttrs: {}, systemAttrs: {}, datetimeStart: new Date(0), datetimeComplete: null,
    };
    const space = sampler.inferRelativeSpace?.(view, running) ?? {};
    const relative = Object.keys(space).length > 0 ? (sampler.sampleRelative?.(view, running, space) ?? {}) : {};
    const params: Record<string, number> = {};
    for (const [name, dist] of Object.entries(problem.space)) params[name] = relative[name] ?? sampler.sampleIndependent(view, running, name, dist);
    askMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    const value = problem.f(params);
    best = Math.min(best, value);
    history.push({ ...running, state: 'COMPLETE', values: [value], params, internalParams: params, distributions: problem.space, datetimeComplete: new Date(0) });
  }
  return { best, askMs, cpuMs };
}

/** `n` finished Hartmann-6 trials at seeded uniform points (the points go to Optuna too). */
function prefillTrials(points: readonly number[][]): FrozenTrial[] {
  return points.map((point, number) => {
    const params = Object.fromEntries(point.map((v, i) => [`x${i}`, v]));
    return {
      id: number + 1, number, state: 'COMPLETE', values: [hartmann6.f(params)], params, internalParams: params, distributions: hartmann6.space,
      intermediateValues: new Map(), userAttrs: {}, systemAttrs: {}, datetimeStart: new Date(0), datetimeComplete: new Date(0),
    };
  });
}

/** One request to test/bench/optuna/gp.py under Optuna 5; its JSON lines. */
function optuna5Request<T>(request: unknown, pythonPath: string): Promise<T[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [join(here, 'optuna', 'gp.py')], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PYTHONPATH: pythonPath } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`optuna gp runner exited with ${code}`));
      resolve(out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T));
    });
    child.stdin.end(JSON.stringify(request));
  });
}

async function optuna5AskMs(points: readonly number[][], sizes: readonly number[], asks: number, warmup: number, pythonPath: string): Promise<Map<number, number>> {
  const rows = await optuna5Request<{ size: number; ms: number }>({ points, sizes, asks, warmup }, pythonPath);
  return new Map(rows.map((r) => [r.size, r.ms]));
}

/** Ask time with N trials already in the study, sodate then Optuna 5 (one after the other, not competing for a core). */
async function askTimeAtSize(): Promise<void> {
  const sizes = (process.env['GP_BENCH_SIZES'] ?? '300,1000').split(',').map(Number);
  const asks = Number(process.env['GP_BENCH_ASKS'] ?? 5);
  const rng = new Rng(42);
  const points = Array.from({ length: Math.max(...sizes) }, () => Array.from({ length: 6 }, () => rng.float()));
  const warmup = Number(process.env['GP_BENCH_WARMUP'] ?? 0);
  if (warmup > 0) run(new GPSampler({ seed: 1 }), hartmann6, warmup, prefillTrials(points.slice(0, 100)));
  const sodate = new Map<number, number>();
  for (const size of sizes) {
    const { askMs } = run(new GPSampler({ seed: 0 }), hartmann6, asks, prefillTrials(points.slice(0, size)));
    sodate.set(size, mean(askMs));
  }
  const path = process.env['SODATE_OPTUNA5_PATH'];
  let optuna = new Map<number, number>();
  if (path === undefined) console.log('\nOptuna 5 skipped: set SODATE_OPTUNA5_PATH to its sources');
  else optuna = await optuna5AskMs(points, sizes, asks, warmup, path);
  console.log(`\nGP ask time with N Hartmann-6 trials already in the study (mean of ${asks} asks, wall ms${warmup > 0 ? `; after ${warmup} untimed warm-up asks on both sides` : ''})`);
  console.log('| N | sodate GP | Optuna 5 GPSampler | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const size of sizes) {
    const a = sodate.get(size) as number;
    const b = optuna.get(size);
    console.log(`| ${size} | ${a.toFixed(0)} | ${b === undefined ? '-' : b.toFixed(0)} | ${b === undefined ? '-' : `${(b / a).toFixed(1)}× faster`} |`);
  }
}

const PARALLEL_WORKERS = 4;
const PARALLEL_TRIALS = 60;

/** Best value of a study whose trials are asked in batches of 4 (each ask sees the other 3 running) and then told. */
async function batchedBest(problem: Problem, seed: number, workers: number): Promise<number> {
  const study = await createStudy({ sampler: new GPSampler({ seed }) });
  for (let done = 0; done < PARALLEL_TRIALS; done += workers) {
    const batch = [];
    for (let w = 0; w < workers; w++) {
      const trial = await study.ask();
      const params = Object.fromEntries(Object.entries(problem.space).map(([name, dist]) => [name, trial.suggest(name, dist) as number]));
      batch.push({ trial, value: problem.f(params) });
    }
    for (const { trial, value } of batch) await study.tell(trial, value);
  }
  return study.bestValue as number;
}

async function optuna5Batched(problems: readonly Problem[], seeds: readonly number[], pythonPath: string): Promise<Map<string, number>> {
  const request = { mode: 'batched', problems: problems.map((p) => p.name), seeds, trials: PARALLEL_TRIALS, workers: [1, PARALLEL_WORKERS] };
  const rows = await optuna5Request<{ problem: string; seed: number; workers: number; best: number }>(request, pythonPath);
  return new Map(rows.map((r) => [`${r.problem}/${r.workers}/${r.seed}`, r.best]));
}

/** Median and mean regret with 1 and 4 workers, sodate GP (running trials fantasised) beside Optuna 5 GPSampler. */
async function parallelQuality(): Promise<void> {
  const raw = process.env['GP_BENCH_PARALLEL_SEEDS'] ?? '0,1,2,3,4';
  if (raw === 'none') return;
  const seeds = raw.split(',').map(Number);
  const problems = [branin, hartmann6];
  const path = process.env['SODATE_OPTUNA5_PATH'];
  const optuna = path === undefined ? Promise.resolve(new Map<string, number>()) : optuna5Batched(problems, seeds, path);
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  };
  const sodate = new Map<string, number>();
  for (const problem of problems) for (const workers of [1, PARALLEL_WORKERS]) for (const seed of seeds) sodate.set(`${problem.name}/${workers}/${seed}`, await batchedBest(problem, seed, workers));
  const peer = await optuna;
  console.log(`\nMedian (mean) regret after ${PARALLEL_TRIALS} trials, asked one at a time or ${PARALLEL_WORKERS} at once (each ask sees the others running), ${seeds.length} seeds`);
  console.log('| problem | workers | sodate GP | Optuna 5 GPSampler |');
  console.log('| --- | --- | --- | --- |');
  for (const problem of problems) {
    for (const workers of [1, PARALLEL_WORKERS]) {
      const of = (m: Map<string, number>): string => {
        const xs = seeds.map((seed) => m.get(`${problem.name}/${workers}/${seed}`)).filter((x): x is number => x !== undefined);
        if (xs.length === 0) return '-';
        const regrets = xs.map((x) => x - problem.optimum);
        // Outcomes are often bimodal (which basin a seed ends in): the mean shows what the median hides.
        return `${median(regrets).toExponential(2)} (mean ${(regrets.reduce((a, b) => a + b, 0) / regrets.length).toExponential(2)})`;
      };
      console.log(`| ${problem.name} | ${workers} | ${of(sodate)} | ${of(peer)} |`);
    }
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() as string);
if (isMain) {
  const trials = Number(process.argv[2] ?? 300);
  const rows: string[] = [];
  const wanted = process.env['GP_BENCH_PROBLEMS']?.split(',') ?? ['branin', 'hartmann6'];
  const seeds = (process.env['GP_BENCH_SEEDS'] ?? '0,1').split(',').map(Number);
  for (const problem of [branin, hartmann6].filter((p) => wanted.includes(p.name))) {
    for (const seed of seeds) {
      const { best, askMs, cpuMs } = run(new GPSampler({ seed }), problem, trials);
      const at = (k: number): string =>
        askMs.length >= k ? `${mean(askMs.slice(k - 10, k)).toFixed(0)} / ${mean(cpuMs.slice(k - 10, k)).toFixed(0)}` : '-';
      rows.push(`| ${problem.name} | ${seed} | ${trials} | ${best.toFixed(5)} | ${(best - problem.optimum).toExponential(2)} | ${at(100)} | ${at(200)} | ${at(300)} |`);
    }
  }
  console.log('ask time per trial, wall / CPU ms, mean over the 10 trials ending at 100, 200, 300');
  console.log('| problem | seed | trials | best | regret | ask ms @91-100 | @191-200 | @291-300 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  await askTimeAtSize();
  await parallelQuality();
}
