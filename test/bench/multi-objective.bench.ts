/**
 * Multi-objective quality and overhead (issue #13). Every sampler on every problem of
 * test/bench/multi-objective-problems.ts (ZDT1, ZDT2, DTLZ2, C2-DTLZ2) for several seeds:
 * the median hypervolume of the feasible non-dominated trials after each checkpoint
 * (100 and 300 trials), as a fraction of the true front's, and per problem the ratio of
 * sodate's best sampler to Optuna's best non-random one (NSGA-II, MOTPE, and NSGA-III on
 * three objectives). sodate's samplers come from src/samplers/registry.ts by kind
 * (random, tpe, nsga2, nsga3 on three objectives, auto; gp when named); a kind not registered, or one that
 * fails on a multi-objective study, is skipped with a note. Optuna 3.1 (Debian's
 * python3-optuna) and Optuna 5 (its sources at SODATE_OPTUNA5_PATH; skipped when unset)
 * run the same problems in test/bench/optuna/multi_objective.py, in parallel child
 * processes beside the sodate runs. Then the overhead table: ask+tell milliseconds per
 * trial over trials 900–1000 of a 2-objective ZDT1 study with 10 variables, in memory,
 * for sodate's nsga2 and tpe and Optuna's NSGA-II and TPE, run one after another.
 *
 *   npm run bench multi-objective                   10 seeds, 100 and 300 trials
 *   npm run bench multi-objective -- --quick        (or SODATE_BENCH_QUICK=1) 3 seeds, 50 and 100 trials; overhead at 300 (timed 200–300)
 *   SODATE_BENCH_SEEDS=5 SODATE_BENCH_TRIALS=100,300 SODATE_BENCH_PROBLEMS=zdt1,dtlz2
 *   SODATE_BENCH_SAMPLERS=sodate-nsga2,optuna5-nsga2,…     only these rows (sodate-gp runs only when named here)
 *   SODATE_BENCH_OPTUNA=0                                  sodate only
 *   SODATE_OPTUNA5_PATH=/path/to/optuna5                   Optuna 5 sources (e.g. `git archive HEAD optuna` of github.com/optuna/optuna)
 *   SODATE_BENCH_OPTUNA3_TPE_SEEDS=3                       Optuna 3.1's MOTPE costs ~3 min per 300-trial run on 2 cores:
 *       it runs the first 3 seeds only by default (its medians show their count); set 10 for all
 *   SODATE_BENCH_OPTUNA_CACHE=/tmp/mo-optuna.json          reuse Optuna results between runs (keyed by a hash of multi_objective.py)
 *   SODATE_BENCH_OPTUNA_CACHED_ONLY=1                      run no Optuna study: its rows show what the cache holds
 *   SODATE_BENCH_SODATE_CACHE=/tmp/mo-sodate.json          reuse sodate results of the same code (keyed by a hash of
 *       src/{samplers,study,storage,multi-objective} and the problems file)
 *   SODATE_BENCH_OVERHEAD=0 | only                         skip the overhead table, or print only it
 *   SODATE_BENCH_OVERHEAD_OPTUNA3_TPE=1                    time Optuna 3.1's MOTPE too (skipped by default: tens of minutes)
 *   SODATE_BENCH_WORKERS=2                                 Python processes at a time
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hypervolume } from '../../src/multi-objective/hypervolume.js';
import { paretoFrontIndices } from '../../src/multi-objective/dominance.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import type * as Registry from '../../src/samplers/registry.js';
import type { Sampler } from '../../src/policies/policies.js';
import type { MultiObjectiveProblem } from './multi-objective-problems.js';
import { MULTI_OBJECTIVE_PROBLEMS, variableNames, zdt1 } from './multi-objective-problems.js';
import { printTable, ratio } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const RUNNER = join(here, 'optuna', 'multi_objective.py');

const quick = process.argv.includes('--quick') || process.env['SODATE_BENCH_QUICK'] === '1';
const nSeeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? (quick ? 3 : 10));
const seeds = Array.from({ length: nSeeds }, (_, i) => i);
const checkpoints = (process.env['SODATE_BENCH_TRIALS'] ?? (quick ? '50,100' : '100,300')).split(',').map(Number);
const maxTrials = Math.max(...checkpoints);
const problemFilter = process.env['SODATE_BENCH_PROBLEMS']?.split(',');
const samplerFilter = process.env['SODATE_BENCH_SAMPLERS']?.split(',');
const problems = MULTI_OBJECTIVE_PROBLEMS.filter((p) => problemFilter === undefined || problemFilter.includes(p.name));
const withOptuna = process.env['SODATE_BENCH_OPTUNA'] !== '0';
const optuna5Path = process.env['SODATE_OPTUNA5_PATH'];
const optuna3TpeSeeds = Number(process.env['SODATE_BENCH_OPTUNA3_TPE_SEEDS'] ?? 3);
const overheadMode = process.env['SODATE_BENCH_OVERHEAD'] ?? '1';
const workers = Number(process.env['SODATE_BENCH_WORKERS'] ?? 2);
const OVERHEAD_VARIABLES = 10;
const OVERHEAD_TRIALS = quick ? 300 : 1000;
const OVERHEAD_FROM = OVERHEAD_TRIALS - 100;

const selected = (label: string): boolean => samplerFilter === undefined || samplerFilter.includes(label);
/** NSGA-III is built for three or more objectives: it runs on those problems only, on both sides. */
const runsOn = (kind: string, problem: MultiObjectiveProblem): boolean => kind !== 'nsga3' || problem.nObjectives >= 3;

// --- sodate ---------------------------------------------------------------------------

type SamplerFactory = (seed: number) => Sampler;
/** Imported when the benchmark starts, so that a registry broken mid-edit costs the sodate rows only. */
type Registry = typeof Registry;
const SODATE_KINDS = ['random', 'tpe', 'nsga2', 'nsga3', 'auto', 'gp'];
/** GP costs minutes per run here (one GP per objective; 3-objective DTLZ2, 100 trials: ~9 min vs TPE's 5 s on a loaded machine): only when named. */
const OPT_IN_KINDS = new Set(['gp']);

/**
 * sodate's samplers by kind, through the registry. Other kinds are landing while this
 * benchmark is written: each kind present is tried on a small 2-objective study first,
 * and one missing or failing there is left out with a note.
 */
async function sodateSamplers(notes: string[]): Promise<Map<string, SamplerFactory>> {
  const found = new Map<string, SamplerFactory>();
  let registry: Registry;
  try {
    registry = await import('../../src/samplers/registry.js');
  } catch (error) {
    notes.push(`sodate: the sampler registry does not load (${(error as Error).message}); no sodate rows`);
    return found;
  }
  const registered = new Set(registry.SAMPLERS.map((e) => e.kind));
  for (const kind of SODATE_KINDS) {
    if (!selected(`sodate-${kind}`) || (OPT_IN_KINDS.has(kind) && samplerFilter === undefined)) continue;
    if (!registered.has(kind)) {
      notes.push(`sodate-${kind}: not registered yet, skipped`);
      continue;
    }
    const make: SamplerFactory = (seed) => registry.createSampler(kind, { seed });
    try {
      const study = await createStudy({ storage: new InMemoryStorage(), sampler: make(0), directions: ['minimize', 'minimize'] });
      for (let i = 0; i < 12; i++) {
        const trial = await study.ask();
        const x = [trial.suggestFloat('x0', 0, 1), trial.suggestFloat('x1', 0, 1)];
        await study.tell(trial, zdt1(x));
      }
      await study.close();
      found.set(`sodate-${kind}`, make);
    } catch (error) {
      notes.push(`sodate-${kind}: fails on a 2-objective study (${(error as Error).message}), skipped`);
    }
  }
  return found;
}

/** Hypervolume per checkpoint ("100" → hv) of one run. */
type Checkpoints = Record<string, number>;

interface Result {
  readonly problem: string;
  readonly sampler: string;
  readonly seed: number;
  readonly hv: Checkpoints;
}

/** Keeps the feasible points seen so far, thinned to their non-dominated set now and then. */
class FeasibleFront {
  private points: number[][] = [];

  add(values: number[]): void {
    this.points.push(values);
    if (this.points.length > 64) this.points = paretoFrontIndices(this.points).map((i) => this.points[i] as number[]);
  }

  hypervolume(reference: readonly number[]): number {
    return hypervolume(this.points, reference);
  }
}

let bestTrialsMismatch = 0;

async function runSodate(problem: MultiObjectiveProblem, label: string, make: SamplerFactory, seed: number): Promise<Result> {
  const study = await createStudy({
    storage: new InMemoryStorage(),
    sampler: make(seed),
    directions: Array.from({ length: problem.nObjectives }, () => 'minimize' as const),
    name: `${problem.name}-${label}-${seed}`,
  });
  const names = variableNames(problem);
  const front = new FeasibleFront();
  const hv: Checkpoints = {};
  for (let n = 1; n <= maxTrials; n++) {
    const trial = await study.ask();
    const x = names.map((name) => trial.suggestFloat(name, 0, 1));
    const { values, constraints } = problem.evaluate(x);
    constraints.forEach((c, i) => trial.setConstraint(`c${i + 1}`, c));
    await study.tell(trial, values);
    if (constraints.every((c) => c <= 0)) front.add(values);
    if (checkpoints.includes(n)) hv[String(n)] = front.hypervolume(problem.reference);
  }
  // The study's own feasible Pareto front must hold the same hypervolume. bestTrials is as
  // of the last refresh, which an ask+tell loop leaves one trial behind: refresh first.
  await study.refresh();
  const fromStudy = hypervolume(
    study.bestTrials.map((t) => t.values as number[]),
    problem.reference,
  );
  if (Math.abs(fromStudy - (hv[String(maxTrials)] as number)) > 1e-12) bestTrialsMismatch++;
  await study.close();
  return { problem: problem.name, sampler: label, seed, hv };
}

/** A hash of what a sodate result depends on, so that a cache never serves another state of the code. */
function codeFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of ['samplers', 'study', 'storage', 'multi-objective']) walk(join(here, '../../src', dir));
  hash.update(readFileSync(join(here, 'multi-objective-problems.ts')));
  return hash.digest('hex').slice(0, 16);
}

// --- Optuna ---------------------------------------------------------------------------

interface OptunaVersion {
  readonly prefix: 'optuna' | 'optuna5';
  readonly pythonPath: string | undefined;
  readonly kinds: readonly string[];
}

interface OptunaJob {
  readonly problem: string;
  readonly sampler: string;
  readonly seed: number;
}

function pythonEnv(pythonPath: string | undefined): NodeJS.ProcessEnv {
  return pythonPath === undefined ? process.env : { ...process.env, PYTHONPATH: pythonPath };
}

function pythonRequest(request: unknown, pythonPath: string | undefined, onLine: (line: Record<string, unknown>) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [RUNNER], { stdio: ['pipe', 'pipe', 'inherit'], env: pythonEnv(pythonPath) });
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(JSON.parse(line) as Record<string, unknown>);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`optuna runner exited with ${code}`))));
    child.stdin.end(JSON.stringify(request));
  });
}

/** The Optuna version importable with `pythonPath`, and whether it has NSGAIIISampler; null when none. */
function optunaVersion(pythonPath: string | undefined): { version: string; nsga3: boolean } | null {
  if (!existsSync(PYTHON)) return null;
  const run = spawnSync(PYTHON, ['-c', 'import optuna; print(optuna.__version__, hasattr(optuna.samplers, "NSGAIIISampler"))'], { encoding: 'utf8', env: pythonEnv(pythonPath) });
  if (run.status !== 0) return null;
  const [version, nsga3] = run.stdout.trim().split(' ');
  return { version: version as string, nsga3: nsga3 === 'True' };
}

const optunaCachePath = process.env['SODATE_BENCH_OPTUNA_CACHE'];
/** Optuna results are keyed by the runner's contents too: a changed problem or reference point there never reads old ones. */
const runnerHash = createHash('sha256').update(readFileSync(RUNNER)).digest('hex').slice(0, 8);
const sodateCachePath = process.env['SODATE_BENCH_SODATE_CACHE'];
const readJson = (path: string | undefined): Record<string, Checkpoints> => (path !== undefined && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Checkpoints>) : {});
/** A cached run counts only when it holds every checkpoint asked for. */
const complete = (hv: Checkpoints | undefined): hv is Checkpoints => hv !== undefined && checkpoints.every((c) => hv[String(c)] !== undefined);

/** Saves `entries` into the JSON file at `path`, merged with what other runs saved meanwhile. */
function saveMerged(path: string | undefined, entries: Record<string, Checkpoints>): void {
  if (path === undefined) return;
  writeFileSync(path, JSON.stringify({ ...readJson(path), ...entries }));
}

/** Runs the jobs not in the cache, a (version, sampler, problem) batch per Python process, `workers` at a time. */
async function runOptuna(batches: { version: OptunaVersion; jobs: OptunaJob[] }[], cache: Record<string, Checkpoints>): Promise<void> {
  const key = (prefix: string, j: OptunaJob): string => `${runnerHash}/${j.problem}/${prefix}-${j.sampler}/${j.seed}`;
  const cachedOnly = process.env['SODATE_BENCH_OPTUNA_CACHED_ONLY'] === '1';
  const queue = cachedOnly ? [] : batches.map((b) => ({ ...b, jobs: b.jobs.filter((j) => !complete(cache[key(b.version.prefix, j)])) })).filter((b) => b.jobs.length > 0);
  const next = async (): Promise<void> => {
    for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
      const { version, jobs } = batch;
      try {
        await pythonRequest({ mode: 'quality', checkpoints, jobs }, version.pythonPath, (line) => {
          const k = key(version.prefix, line as unknown as OptunaJob);
          cache[k] = line['hv'] as Checkpoints;
          saveMerged(optunaCachePath, { [k]: cache[k] });
        });
      } catch (error) {
        console.error(`  ${version.prefix} ${jobs[0]?.sampler} on ${jobs[0]?.problem}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, next));
}

// --- Tables ---------------------------------------------------------------------------

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : 0.5 * ((s[mid - 1] as number) + (s[mid] as number));
}

const short = (s: string): string => s.replace(/^sodate-/, 's:').replace(/^optuna5-/, 'o5:').replace(/^optuna-/, 'o3:');

function fmt(x: number): string {
  return x === 0 ? '0' : x.toFixed(4);
}

// --- Overhead -------------------------------------------------------------------------

async function sodateOverhead(make: SamplerFactory): Promise<number> {
  const study = await createStudy({ storage: new InMemoryStorage(), sampler: make(0), directions: ['minimize', 'minimize'] });
  const names = Array.from({ length: OVERHEAD_VARIABLES }, (_, i) => `x${i}`);
  let start = 0;
  for (let n = 0; n < OVERHEAD_TRIALS; n++) {
    if (n === OVERHEAD_FROM) start = performance.now();
    const trial = await study.ask();
    await study.tell(trial, zdt1(names.map((name) => trial.suggestFloat(name, 0, 1))));
  }
  const ms = (performance.now() - start) / (OVERHEAD_TRIALS - OVERHEAD_FROM);
  await study.close();
  return ms;
}

async function optunaOverhead(sampler: string, pythonPath: string | undefined): Promise<number> {
  let ms = NaN;
  await pythonRequest({ mode: 'overhead', sampler, variables: OVERHEAD_VARIABLES, trials: OVERHEAD_TRIALS, from: OVERHEAD_FROM }, pythonPath, (line) => (ms = line['ms'] as number));
  return ms;
}

async function overheadTable(sodate: Map<string, SamplerFactory>, versions: { version: OptunaVersion; label: string }[]): Promise<void> {
  console.log(`\nOverhead: ms per ask+tell over trials ${OVERHEAD_FROM}–${OVERHEAD_TRIALS}, ZDT1 with ${OVERHEAD_VARIABLES} variables (2 objectives), in memory, seed 0; run one after another\n`);
  const ms = new Map<string, number>();
  const notes: string[] = [];
  for (const kind of ['nsga2', 'tpe']) {
    const make = sodate.get(`sodate-${kind}`);
    if (make === undefined) notes.push(`sodate-${kind}: not available`);
    else ms.set(`sodate-${kind}`, await sodateOverhead(make));
  }
  for (const { version } of versions) {
    for (const kind of ['nsga2', 'tpe']) {
      if (version.prefix === 'optuna' && kind === 'tpe' && process.env['SODATE_BENCH_OVERHEAD_OPTUNA3_TPE'] !== '1') {
        notes.push('optuna-tpe: skipped (Optuna 3.1 MOTPE already averages ~0.6 s per trial over the first 300 of ZDT1; SODATE_BENCH_OVERHEAD_OPTUNA3_TPE=1 times it)');
        continue;
      }
      try {
        ms.set(`${version.prefix}-${kind}`, await optunaOverhead(kind, version.pythonPath));
      } catch (error) {
        notes.push(`${version.prefix}-${kind}: ${(error as Error).message}`);
      }
    }
  }
  const rows = [...ms].map(([label, v]) => {
    const kind = label.replace(/^[a-z0-9]+-/, '');
    const own = ms.get(`sodate-${kind}`);
    return [short(label), v.toFixed(v < 10 ? 2 : 1), label.startsWith('sodate-') ? '' : ratio(v, own)];
  });
  printTable(['sampler', 'ms/trial', 'Optuna / sodate (same algorithm)'], rows);
  for (const note of notes) console.log(`  ${note}`);
}

// --- Main -----------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const notes: string[] = [];
  const sodate = await sodateSamplers(notes);
  const versions: { version: OptunaVersion; label: string }[] = [];
  if (withOptuna) {
    for (const [prefix, pythonPath] of [
      ['optuna', undefined],
      ['optuna5', optuna5Path],
    ] as const) {
      if (prefix === 'optuna5' && pythonPath === undefined) {
        notes.push('optuna5: skipped (set SODATE_OPTUNA5_PATH to Optuna 5 sources)');
        continue;
      }
      const found = optunaVersion(pythonPath);
      if (found === null) {
        notes.push(`${prefix}: not importable`);
        continue;
      }
      const kinds = ['random', 'tpe', 'nsga2', ...(found.nsga3 ? ['nsga3'] : [])].filter((k) => selected(`${prefix}-${k}`));
      if (!found.nsga3) notes.push(`${prefix} ${found.version}: no NSGAIIISampler`);
      versions.push({ version: { prefix, pythonPath, kinds }, label: `${prefix} ${found.version}` });
    }
  } else {
    notes.push('Optuna: skipped (SODATE_BENCH_OPTUNA=0)');
  }
  const sodateLabels = [...sodate.keys()];
  const optunaLabels = versions.flatMap((v) => v.version.kinds.map((k) => `${v.version.prefix}-${k}`));
  console.log(`${problems.length} problems × ${seeds.length} seeds, hypervolume after ${checkpoints.join(' and ')} trials; sodate: ${sodateLabels.join(', ') || 'none'}; ${versions.map((v) => `${v.label}: ${v.version.kinds.join(', ')}`).join('; ')}`);
  for (const note of notes) console.log(`  ${note}`);

  if (overheadMode !== 'only') {
    const optunaCache = readJson(optunaCachePath);
    const batches = versions.flatMap(({ version }) =>
      problems.flatMap((p) =>
        version.kinds
          .filter((kind) => runsOn(kind, p))
          .map((kind) => {
            const few = version.prefix === 'optuna' && kind === 'tpe';
            return { version, jobs: seeds.filter((s) => !few || s < optuna3TpeSeeds).map((seed) => ({ problem: p.name, sampler: kind, seed })) };
          }),
      ),
    );
    // Cheap samplers first, so that their rows are there even when a slow TPE batch is cut short.
    batches.sort((a, b) => Number(a.jobs[0]?.sampler === 'tpe') - Number(b.jobs[0]?.sampler === 'tpe'));
    const optunaRun = runOptuna(batches, optunaCache);

    const fingerprint = sodateCachePath === undefined ? '' : codeFingerprint();
    const sodateCache = readJson(sodateCachePath);
    const results: Result[] = [];
    for (const problem of problems) {
      for (const label of sodateLabels) {
        if (!runsOn(label.replace(/^sodate-/, ''), problem)) continue;
        const t0 = performance.now();
        for (const seed of seeds) {
          const key = `${fingerprint}/${problem.name}/${label}/${seed}`;
          const cached = sodateCache[key];
          if (complete(cached)) {
            results.push({ problem: problem.name, sampler: label, seed, hv: cached });
            continue;
          }
          const result = await runSodate(problem, label, sodate.get(label) as SamplerFactory, seed);
          results.push(result);
          saveMerged(sodateCachePath, { [key]: result.hv });
          // Let the Python children's pipes drain between runs.
          await new Promise((r) => setImmediate(r));
        }
        console.error(`  ${problem.name} ${label}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
    const sodateSeconds = (performance.now() - started) / 1000;
    await optunaRun;
    for (const [key, hv] of Object.entries(optunaCache)) {
      const [hash, problem, sampler, seed] = key.split('/') as [string, string, string, string];
      if (hash === runnerHash && complete(hv) && seeds.includes(Number(seed)) && problems.some((p) => p.name === problem) && optunaLabels.includes(sampler)) results.push({ problem, sampler, seed: Number(seed), hv });
    }
    if (bestTrialsMismatch > 0) console.log(`\n!! ${bestTrialsMismatch} sodate run(s): the hypervolume of study.bestTrials differs from that of the feasible non-dominated trials`);

    const medianOf = (problem: string, sampler: string, c: number): { value: number; count: number } | undefined => {
      const values = results.filter((r) => r.problem === problem && r.sampler === sampler).map((r) => r.hv[String(c)] as number);
      return values.length === 0 ? undefined : { value: median(values), count: values.length };
    };
    const cell = (m: { value: number; count: number } | undefined): string => (m === undefined ? '-' : m.count < seeds.length ? `${fmt(m.value)} (${m.count})` : fmt(m.value));

    console.log(`\nMedian hypervolume over ${seeds.length} seeds (higher is better; "(n)": over n seeds), and as a fraction of the true front's\n`);
    const samplers = [...sodateLabels, ...optunaLabels];
    for (const problem of problems) {
      console.log(`${problem.name}: ${problem.nObjectives} objectives, ${problem.nVariables} variables, reference [${problem.reference.join(', ')}], true front ${problem.trueHypervolume.toFixed(5)} (${problem.trueHypervolumeNote})`);
      const rows = samplers
        .filter((s) => runsOn(s.replace(/^[a-z0-9]+-/, ''), problem))
        .map((s) => [
          short(s),
          ...checkpoints.flatMap((c) => {
            const m = medianOf(problem.name, s, c);
            return [cell(m), m === undefined ? '-' : (m.value / problem.trueHypervolume).toFixed(3)];
          }),
        ]);
      printTable(['sampler', ...checkpoints.flatMap((c) => [`HV@${c}`, 'of true'])], rows);
      console.log('');
    }

    // sodate's best sampler against Optuna's best non-random one, per problem and checkpoint.
    console.log(`sodate's best sampler ÷ Optuna's best non-random sampler (median hypervolumes; > 1: sodate ahead)\n`);
    const best = (problem: string, labels: readonly string[], c: number): { label: string; value: number } | undefined => {
      let top: { label: string; value: number } | undefined;
      for (const label of labels) {
        const m = medianOf(problem, label, c);
        if (m !== undefined && (top === undefined || m.value > top.value)) top = { label, value: m.value };
      }
      return top;
    };
    const nonRandom = (prefix: string): string[] => optunaLabels.filter((l) => l.startsWith(`${prefix}-`) && !l.endsWith('-random'));
    const vsRows: string[][] = [];
    for (const problem of problems) {
      for (const c of checkpoints) {
        const s = best(problem.name, sodateLabels, c);
        const o3 = best(problem.name, nonRandom('optuna'), c);
        const o5 = best(problem.name, nonRandom('optuna5'), c);
        const either = [o3, o5].filter((o) => o !== undefined).sort((a, b) => b.value - a.value)[0];
        const show = (b: { label: string; value: number } | undefined): string => (b === undefined ? '-' : `${short(b.label)} ${fmt(b.value)}`);
        const r = (a: { value: number } | undefined, b: { value: number } | undefined): string => (a === undefined || b === undefined || b.value === 0 ? '-' : (a.value / b.value).toFixed(3));
        vsRows.push([problem.name, String(c), show(s), show(o3), show(o5), r(s, o3), r(s, o5), r(s, either)]);
      }
    }
    printTable(['problem', 'trials', 'sodate best', 'Optuna 3.1 best', 'Optuna 5 best', '÷ o3', '÷ o5', '÷ best of both'], vsRows);
    console.log(`\nquality: wall time ${((performance.now() - started) / 1000).toFixed(0)} s (sodate runs ${sodateSeconds.toFixed(0)} s)${fingerprint === '' ? '' : `; sodate cache under code fingerprint ${fingerprint}`}`);
  }
  if (overheadMode !== '0') await overheadTable(sodate, versions);
}

await main();
