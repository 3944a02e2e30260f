/**
 * Sampler quality: every sampler on every problem of test/bench/problems.ts, for several
 * seeds; prints the median final regret per problem and the mean rank per sampler.
 * Optuna 3.1 (Debian's python3-optuna) and Optuna 5 (its sources at SODATE_OPTUNA5_PATH,
 * e.g. from `git archive HEAD optuna` of github.com/optuna/optuna; skipped when unset) run
 * the same problems in child processes, in parallel with the sodate runs. On noisy
 * problems every sampler sees the same noise at the same trial, and regret is the
 * noise-free value of the trial each study picked.
 *
 *   npm run bench samplers                      10 seeds
 *   npm run bench samplers -- --quick           (or SODATE_BENCH_QUICK=1) 3 seeds
 *   SODATE_BENCH_SUITE=discrete|continuous      only the categorical/ordinal or the continuous problems
 *   SODATE_BENCH_SEEDS=5 SODATE_BENCH_PROBLEMS=branin,ackley10 SODATE_BENCH_SAMPLERS=sodate-tpe,optuna-tpe,optuna5-tpe …
 *   SODATE_BENCH_TPE_VARIANTS='{"tpe-optuna-gamma":{"gamma":"optuna"}}'   extra TPESampler configurations
 *   SODATE_BENCH_OPTUNA_CACHE=/tmp/optuna-quality.json                   reuse Optuna results between runs
 *   SODATE_BENCH_SODATE_CACHE=/tmp/sodate-quality/                      reuse sodate results of the same code (a
 *       hash of src/{samplers,space,study,storage} and the problems keys them): processes with different SODATE_BENCH_SAMPLERS can fill it side
 *       by side (each writes its own file), and a last run prints the whole table
 *   SODATE_BENCH_SEED_LIST=5,6,7,8,9                                   only these seeds (to split one table's runs over processes)
 *   SODATE_BENCH_CACHED_ONLY=1                                         run nothing: print what the caches hold
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoSampler } from '../../src/samplers/auto.js';
import { RandomSampler } from '../../src/samplers/random.js';
import type { TPESamplerOptions } from '../../src/samplers/tpe/index.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { createStudy } from '../../src/study/create.js';
import type { Sampler } from '../../src/policies/policies.js';
import { autoSamplerRule, numericOnlyRule } from './auto-rules.js';
import { trialNoise } from './discrete-problems.js';
import { wilcoxonSignedRank } from './paired.js';
import type { Problem, Suggest } from './problems.js';
import { PROBLEMS } from './problems.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Optuna's samplers per version: label prefix, the `make_sampler` kinds, and which problems each runs. */
interface OptunaVersion {
  readonly prefix: string;
  readonly pythonPath: string | undefined;
  readonly samplers: readonly { readonly kind: string; readonly runs: (p: Problem) => boolean }[];
}
const everywhere = (): boolean => true;
const OPTUNA3: OptunaVersion = {
  prefix: 'optuna',
  pythonPath: undefined,
  samplers: ['random', 'tpe', 'tpe-mv', 'cmaes'].map((kind) => ({ kind, runs: everywhere })),
};
const optuna5Path = process.env['SODATE_OPTUNA5_PATH'];
const OPTUNA5: OptunaVersion = {
  prefix: 'optuna5',
  pythonPath: optuna5Path,
  // GPSampler costs seconds per ask in Python: on the continuous problems it is built for.
  samplers: [
    { kind: 'tpe', runs: everywhere },
    { kind: 'gp', runs: (p: Problem) => p.continuous },
  ],
};
const PYTHON_WORKERS = 2;

const quick = process.argv.includes('--quick') || process.env['SODATE_BENCH_QUICK'] === '1';
const nSeeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? (quick ? 3 : 10));
const problemFilter = process.env['SODATE_BENCH_PROBLEMS']?.split(',');
const samplerFilter = process.env['SODATE_BENCH_SAMPLERS']?.split(',');
const suite = process.env['SODATE_BENCH_SUITE'];
const inSuite = (p: Problem): boolean => suite === undefined || (suite === 'discrete' ? p.noisy === true : suite === 'continuous' ? p.noisy !== true : true);
const problems = PROBLEMS.filter((p) => (problemFilter === undefined || problemFilter.includes(p.name)) && inSuite(p));
/** SODATE_BENCH_SEED_LIST=6,7,8,9: only these seeds (processes that fill one cache side by side split the seeds so). */
const seeds = process.env['SODATE_BENCH_SEED_LIST']?.split(',').map(Number) ?? Array.from({ length: nSeeds }, (_, i) => i);

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
    'sodate-auto': (seed) => new AutoSampler({ seed }),
    // The rules auto is measured against (test/bench/auto-rules.ts), on the same GP and TPE.
    'sodate-auto-numeric-only': (seed) => new AutoSampler({ seed, rule: numericOnlyRule }),
    'sodate-autosampler-rule': (seed) => new AutoSampler({ seed, rule: autoSamplerRule }),
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

/** A trial that answers every `suggest*` from fixed parameters: re-evaluates a chosen configuration. */
function fixedSuggest(params: Readonly<Record<string, unknown>>): Suggest {
  return {
    suggestFloat: (name) => params[name] as number,
    suggestInt: (name) => params[name] as number,
    suggestCategorical: (name) => params[name] as never,
  };
}

/** A hash of what a sodate result depends on: the samplers, the study, space and storage code, and the problems. */
function codeFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of ['samplers', 'space', 'study', 'storage']) walk(join(here, '../../src', dir));
  for (const file of ['problems.ts', 'discrete-problems.ts']) hash.update(readFileSync(join(here, file)));
  return hash.digest('hex').slice(0, 16);
}

/** sodate results of this code from earlier runs, and where this run adds its own. */
const sodateCacheDir = process.env['SODATE_BENCH_SODATE_CACHE'];
/** SODATE_BENCH_FINGERPRINT reads the results of an earlier state of the code (printed in the header, so a table says which). */
const fingerprint = sodateCacheDir === undefined ? '' : (process.env['SODATE_BENCH_FINGERPRINT'] ?? codeFingerprint());
const sodateCache = new Map<string, number>();
const ownCacheFile = sodateCacheDir === undefined ? undefined : join(sodateCacheDir, `${fingerprint}-${process.pid}.json`);
if (sodateCacheDir !== undefined) {
  mkdirSync(sodateCacheDir, { recursive: true });
  for (const file of readdirSync(sodateCacheDir).filter((f) => f.startsWith(`${fingerprint}-`))) {
    for (const [key, regret] of Object.entries(JSON.parse(readFileSync(join(sodateCacheDir, file), 'utf8')) as Record<string, number>)) sodateCache.set(key, regret);
  }
}
const ownResults: Record<string, number> = {};

/** With SODATE_BENCH_CACHED_ONLY=1 nothing runs: the tables show what the caches hold ('-' elsewhere). */
const cachedOnly = process.env['SODATE_BENCH_CACHED_ONLY'] === '1';

async function runSodateCached(problem: Problem, label: string, make: SamplerFactory, seed: number): Promise<Result | null> {
  const key = `${problem.name}/${label}/${seed}`;
  const cached = sodateCache.get(key);
  if (cached !== undefined) return { problem: problem.name, sampler: label, seed, regret: cached };
  if (cachedOnly) return null;
  const result = await runSodate(problem, label, make, seed);
  if (ownCacheFile !== undefined) {
    ownResults[key] = result.regret;
    writeFileSync(ownCacheFile, JSON.stringify(ownResults));
  }
  return result;
}

async function runSodate(problem: Problem, label: string, make: SamplerFactory, seed: number): Promise<Result> {
  const study = await createStudy({ sampler: make(seed), name: `${problem.name}-${label}-${seed}` });
  await study.optimize((trial) => problem.objective(trial, problem.noisy === true ? trialNoise(seed, trial.number) : 0), { nTrials: problem.budget });
  await study.close();
  const best = problem.noisy === true ? problem.objective(fixedSuggest(study.bestParams as Record<string, unknown>)) : (study.bestValue as number);
  return { problem: problem.name, sampler: label, seed, regret: best - problem.optimum };
}

interface OptunaJob {
  readonly problem: string;
  readonly sampler: string;
  readonly seed: number;
}

function pythonRequest(request: unknown, pythonPath: string | undefined): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const env = pythonPath === undefined ? process.env : { ...process.env, PYTHONPATH: pythonPath };
    const child = spawn(PYTHON, [join(here, 'optuna', 'samplers.py')], { stdio: ['pipe', 'pipe', 'inherit'], env });
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

/** The Optuna version importable with `pythonPath`, or null. */
function optunaVersion(pythonPath: string | undefined): string | null {
  if (!existsSync(PYTHON)) return null;
  const env = pythonPath === undefined ? process.env : { ...process.env, PYTHONPATH: pythonPath };
  const run = spawnSync(PYTHON, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8', env });
  return run.status === 0 ? run.stdout.trim() : null;
}

const cachePath = process.env['SODATE_BENCH_OPTUNA_CACHE'];
/** Optuna's best value per problem/sampler/seed: one object for every version's runs, so that none overwrites another's. */
const cache: Record<string, number> = cachePath !== undefined && existsSync(cachePath) ? (JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, number>) : {};

/** Jobs are labelled `<prefix>-<kind>` (optuna-tpe, optuna5-tpe); the cache keys by label. */
async function runOptuna(version: OptunaVersion, jobs: readonly OptunaJob[]): Promise<Result[]> {
  const key = (j: OptunaJob): string => `${j.problem}/${version.prefix}-${j.sampler}/${j.seed}`;
  const todo = cachedOnly ? [] : jobs.filter((j) => cache[key(j)] === undefined);
  const chunks: OptunaJob[][] = Array.from({ length: PYTHON_WORKERS }, () => []);
  todo.forEach((job, i) => (chunks[i % PYTHON_WORKERS] as OptunaJob[]).push(job));
  await Promise.all(
    chunks
      .filter((c) => c.length > 0)
      .map(async (c) => {
        for (const line of await pythonRequest({ mode: 'quality', jobs: c }, version.pythonPath)) {
          cache[key(line as unknown as OptunaJob)] = line['best'] as number;
          // Saved as each child finishes, merged with what other runs saved meanwhile.
          if (cachePath !== undefined) {
            const saved = existsSync(cachePath) ? (JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, number>) : {};
            writeFileSync(cachePath, JSON.stringify({ ...saved, ...cache }));
          }
        }
      }),
  );
  const optimum = new Map(PROBLEMS.map((p) => [p.name, p.optimum]));
  return jobs
    .filter((j) => cache[key(j)] !== undefined)
    .map((j) => ({ problem: j.problem, sampler: `${version.prefix}-${j.sampler}`, seed: j.seed, regret: (cache[key(j)] as number) - (optimum.get(j.problem) as number) }));
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

/** A sampler's regrets on a problem in seed order, or null unless every seed ran. */
function regretsBySeed(results: readonly Result[], problem: string, sampler: string): number[] | null {
  const out = seeds.map((seed) => results.find((r) => r.problem === problem && r.sampler === sampler && r.seed === seed)?.regret);
  return out.every((r) => r !== undefined) ? (out as number[]) : null;
}

/** The paired verdict of `a` against `b` over seeds: worse or better at p < 0.05 (exact Wilcoxon signed-rank), else level. */
function pairedVerdict(a: readonly number[], b: readonly number[]): { mark: string; p: number } {
  const p = wilcoxonSignedRank(a, b);
  if (p >= 0.05) return { mark: '', p };
  return { mark: median(a.map((x, i) => x - (b[i] as number))) > 0 ? ' ✗' : ' ✓', p };
}

/**
 * The auto rules (sodate-auto and the rules it is measured against, test/bench/auto-rules.ts)
 * against the better of TPE and GP per problem (the lower median): ✗ worse, ✓ better, over
 * the seeds by the exact Wilcoxon signed-rank test at p < 0.05; and the default rule
 * against each other rule where they differ.
 */
function printAutoCheck(results: readonly Result[], samplers: readonly string[]): void {
  const rules = samplers.filter((s) => s.startsWith('sodate-auto'));
  if (!samplers.includes('sodate-tpe') || !samplers.includes('sodate-gp') || rules.length === 0) return;
  console.log(`\nAuto rules against the better of TPE and GP (median regret; ✗ worse / ✓ better over ${seeds.length} seeds, exact Wilcoxon signed-rank, p < 0.05)\n`);
  const rows: string[][] = [];
  for (const p of problems) {
    const tpe = regretsBySeed(results, p.name, 'sodate-tpe');
    const gp = regretsBySeed(results, p.name, 'sodate-gp');
    if (tpe === null || gp === null) continue;
    const best = median(gp) < median(tpe) ? gp : tpe;
    const cells = rules.map((rule) => {
      const own = regretsBySeed(results, p.name, rule);
      if (own === null) return '-';
      const { mark } = pairedVerdict(own, best);
      return `${fmt(median(own))}${mark}`;
    });
    rows.push([p.name, fmt(median(tpe)), fmt(median(gp)), median(gp) < median(tpe) ? 'gp' : 'tpe', ...cells]);
  }
  console.log(table(['problem', 's:tpe', 's:gp', 'better', ...rules.map((r) => r.replace(/^sodate-/, 's:'))], rows));
  const others = rules.filter((r) => r !== 'sodate-auto');
  if (!rules.includes('sodate-auto') || others.length === 0) return;
  for (const other of others) {
    const verdicts = problems.flatMap((p) => {
      const own = regretsBySeed(results, p.name, 'sodate-auto');
      const theirs = regretsBySeed(results, p.name, other);
      if (own === null || theirs === null || own.every((x, i) => x === theirs[i])) return [];
      const { mark, p: pValue } = pairedVerdict(own, theirs);
      return [`${p.name}${mark === '' ? ' level' : mark === ' ✓' ? ' better' : ' worse'} (p ${pValue.toFixed(3)})`];
    });
    console.log(`s:auto vs ${other.replace(/^sodate-/, 's:')} where their regrets differ: ${verdicts.length === 0 ? 'nowhere' : verdicts.join(', ')}`);
  }
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

/** The Optuna jobs of one version that the filters keep, or none when that version is not importable. */
function optunaJobs(version: OptunaVersion): { jobs: OptunaJob[]; labels: string[]; note: string } {
  const wanted = version.samplers.filter((s) => samplerFilter === undefined || samplerFilter.includes(`${version.prefix}-${s.kind}`));
  if (wanted.length === 0) return { jobs: [], labels: [], note: `${version.prefix}: none selected` };
  if (version === OPTUNA5 && optuna5Path === undefined) return { jobs: [], labels: [], note: 'optuna5: skipped (set SODATE_OPTUNA5_PATH to Optuna 5 sources)' };
  const found = optunaVersion(version.pythonPath);
  if (found === null) return { jobs: [], labels: [], note: `${version.prefix}: not importable` };
  const jobs = problems.flatMap((p) => wanted.filter((s) => s.runs(p)).flatMap((s) => seeds.map((seed) => ({ problem: p.name, sampler: s.kind, seed }))));
  return { jobs, labels: wanted.map((s) => `${version.prefix}-${s.kind}`), note: `${version.prefix} ${found}: ${wanted.map((s) => s.kind).join(', ')}` };
}

async function main(): Promise<void> {
  const started = performance.now();
  const sodate = await sodateSamplers();
  const sodateLabels = Object.keys(sodate).filter((s) => samplerFilter === undefined || samplerFilter.includes(s));
  const versions = [OPTUNA3, OPTUNA5].map((v) => ({ version: v, ...optunaJobs(v) }));
  console.log(`${problems.length} problems × ${seeds.length} seeds; sodate: ${sodateLabels.join(', ')}; ${versions.map((v) => v.note).join('; ')}`);
  if (sodateCacheDir !== undefined) console.log(`sodate results cached under code fingerprint ${fingerprint}${fingerprint === codeFingerprint() ? ' (this code)' : ' (an earlier state of the code)'}`);
  const optunaRuns = versions.map((v) => (v.jobs.length > 0 ? runOptuna(v.version, v.jobs) : Promise.resolve([])));
  const results: Result[] = [];
  for (const problem of problems) {
    for (const label of sodateLabels) {
      const t0 = performance.now();
      for (const seed of seeds) {
        const result = await runSodateCached(problem, label, sodate[label] as SamplerFactory, seed);
        if (result !== null) results.push(result);
      }
      console.error(`  ${problem.name} ${label}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      // Let the Python children's pipes drain between runs.
      await new Promise((r) => setImmediate(r));
    }
  }
  const sodateSeconds = (performance.now() - started) / 1000;
  for (const run of optunaRuns) results.push(...(await run));
  const samplers = [...sodateLabels, ...versions.flatMap((v) => v.labels)];
  const short = (s: string): string => s.replace(/^sodate-/, 's:').replace(/^optuna5-/, 'o5:').replace(/^optuna-/, 'o3:');

  console.log(`\nMedian final regret over ${seeds.length} seeds (lower is better; noisy problems: noise-free value of the chosen trial)\n`);
  const rows = problems.map((p) => [
    `${p.name} (${p.dimension}d, ${p.budget})`,
    ...samplers.map((s) => {
      const regrets = results.filter((r) => r.problem === p.name && r.sampler === s).map((r) => r.regret);
      // A median over fewer seeds (cached results of an unfinished run) is marked with its count.
      return regrets.length === 0 ? '-' : regrets.length < seeds.length ? `${fmt(median(regrets))} (${regrets.length})` : fmt(median(regrets));
    }),
  ]);
  console.log(table(['problem', ...samplers.map(short)], rows));

  printAutoCheck(results, samplers);

  // Mean ranks among the samplers that ran every problem of the group (GP in Python runs only the continuous ones).
  const groups: { title: string; names: string[] }[] = [
    { title: 'all problems', names: problems.map((p) => p.name) },
    { title: 'continuous ≤10d', names: problems.filter((p) => p.continuous && p.dimension <= 10).map((p) => p.name) },
    { title: 'categorical/ordinal', names: problems.filter((p) => p.noisy === true).map((p) => p.name) },
  ].filter((g) => g.names.length > 0);
  const ranks = groups.map((g) => {
    const ran = samplers.filter((s) => g.names.every((n) => results.filter((r) => r.problem === n && r.sampler === s).length === seeds.length));
    return { ...g, ran, ranks: meanRanks(results, ran, g.names) };
  });
  console.log(`\nMean rank per sampler (1 = best; ranked per problem and seed among the samplers that ran every problem of the column)\n`);
  const rankRows = samplers
    .map((s) => [s, ...ranks.map((g) => (g.ranks.has(s) ? (g.ranks.get(s) as number).toFixed(2) : '-'))])
    .sort((a, b) => Number(a[1] === '-' ? Infinity : a[1]) - Number(b[1] === '-' ? Infinity : b[1]));
  console.log(table(['sampler', ...ranks.map((g) => `${g.title} (${g.ran.length})`)], rankRows));
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s (sodate runs ${sodateSeconds.toFixed(0)} s)`);
}

await main();
