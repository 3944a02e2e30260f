/**
 * Sampler overhead: milliseconds per ask + tell on a 10-parameter mixed space once the
 * study holds 100, 1000 and 3000 finished trials, in memory and in SQLite, for sodate's
 * random and TPE samplers and, in the same run, Optuna 3.1's and Optuna 5's default TPE
 * (multivariate, constant liar; its sources at SODATE_OPTUNA5_PATH, skipped when unset).
 *
 *   npm run bench overhead
 *   SODATE_BENCH_TIMED=50 npm run bench overhead       ask+tell pairs timed per size (default 20, after 25 untimed)
 *   npm run bench overhead -- --quick                   sizes 100 and 1000 only
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CategoricalChoice, Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution, toExternal } from '../../src/space/distributions.js';
import { sampleUniform } from '../../src/samplers/random.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { Rng } from '../../src/samplers/rng.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { createStudy } from '../../src/study/create.js';
import type { Sampler } from '../../src/policies/policies.js';
import type { Trial } from '../../src/study/objective-trial.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const quick = process.argv.includes('--quick') || process.env['SODATE_BENCH_QUICK'] === '1';
const SIZES = quick ? [100, 1000] : [100, 1000, 3000];
const TIMED = Number(process.env['SODATE_BENCH_TIMED'] ?? 20);
/**
 * Untimed asks after each jump in size, on both sides. A study never gains 900 trials at once
 * but the benchmark does: the first ~20 asks after a jump still pay for V8 re-optimising the
 * sampler for the new array sizes and for collecting the prefill's garbage (about 2–3 ms
 * instead of 1.2–1.5 ms at 1,000 trials), which is not the steady cost per trial.
 */
const WARMUP = 25;

/** The same 10 parameters as `overhead_space` in optuna/samplers.py. */
const SPACE: readonly [string, Distribution][] = [
  ['lr', floatDistribution(1e-5, 1e-1, { log: true })],
  ['weight_decay', floatDistribution(1e-6, 1e-1, { log: true })],
  ['eps', floatDistribution(1e-9, 1e-6, { log: true })],
  ['beta2', floatDistribution(0.9, 0.9999, { log: true })],
  ['label_smoothing', floatDistribution(0, 0.2)],
  ['mixup', floatDistribution(0, 1)],
  ['drop_path_rate', floatDistribution(0, 0.3, { step: 0.05 })],
  ['warmup_epochs', intDistribution(0, 5)],
  ['batch_size', categoricalDistribution([16, 32, 64, 128])],
  ['optimizer', categoricalDistribution(['adamw', 'sgd', 'lamb'])],
];

function valueOf(params: Record<string, unknown>): number {
  let s = 0;
  for (const v of Object.values(params)) if (typeof v === 'number') s += Math.abs(v);
  return s % 1;
}

function suggestAll(trial: Trial): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, dist] of SPACE) params[name] = trial.suggest(name, dist);
  return params;
}

async function sodateOverhead(storageUrl: string, make: () => Sampler): Promise<number[]> {
  const study = await createStudy({ storage: storageUrl, sampler: make(), name: `overhead-${Math.random().toString(36).slice(2, 8)}` });
  const rng = new Rng(0);
  const out: number[] = [];
  let done = 0;
  for (const size of SIZES) {
    // Prefill through the storage directly: no sampler, no objective.
    while (done < size) {
      const params: Record<string, { internal: number; distribution: Distribution }> = {};
      const external: Record<string, unknown> = {};
      for (const [name, dist] of SPACE) {
        const internal = sampleUniform(rng, dist);
        params[name] = { internal, distribution: dist };
        external[name] = toExternal(dist, internal) as CategoricalChoice;
      }
      const record = await study.storage.createTrial(study.id, { params });
      if (record === null) throw new Error('createTrial refused');
      await study.storage.finishTrial(record.id, 'COMPLETE', [valueOf(external)]);
      done++;
    }
    await study.refresh();
    // A few untimed asks first, so that the JIT has compiled the sampler's hot loops.
    for (let i = 0; i < WARMUP; i++) {
      const trial = await study.ask();
      await study.tell(trial, valueOf(suggestAll(trial)));
    }
    done += WARMUP;
    const start = performance.now();
    for (let i = 0; i < TIMED; i++) {
      const trial = await study.ask();
      const params = suggestAll(trial);
      await study.tell(trial, valueOf(params));
    }
    out.push((performance.now() - start) / TIMED);
    done += TIMED;
  }
  await study.close();
  return out;
}

const optuna5Path = process.env['SODATE_OPTUNA5_PATH'];

function optunaOverhead(storage: string, sampler: string, pythonPath?: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const env = pythonPath === undefined ? process.env : { ...process.env, PYTHONPATH: pythonPath };
    const child = spawn(PYTHON, [join(here, 'optuna', 'samplers.py')], { stdio: ['pipe', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`optuna runner exited with ${code}`));
      resolve(out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { ms: number }).ms));
    });
    child.stdin.end(JSON.stringify({ mode: 'overhead', storage, sampler, sizes: SIZES, timed: TIMED, warmup: WARMUP }));
  });
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-overhead-'));
  const withOptuna = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
  console.log(`ms per ask+tell (mean of ${TIMED}), 10-parameter mixed space, after N finished trials${withOptuna ? '' : '; Optuna not available'}\n`);
  const rows: string[][] = [];
  const row = (label: string, ms: number[]): void => {
    rows.push([label, ...ms.map((v) => v.toFixed(v < 10 ? 2 : 1))]);
  };
  const samplers: [string, () => Sampler][] = [
    ['sodate random', () => new RandomSampler({ seed: 0 })],
    ['sodate tpe (multivariate)', () => new TPESampler({ seed: 0 })],
    ['sodate tpe (univariate)', () => new TPESampler({ seed: 0, multivariate: false })],
  ];
  for (const [label, make] of samplers) row(`${label}, memory`, await sodateOverhead('memory:', make));
  for (const [label, make] of samplers) row(`${label}, sqlite`, await sodateOverhead(`sqlite:${join(dir, `${label.replace(/\W+/g, '-')}.db`)}`, make));
  if (withOptuna) {
    // After sodate, not beside it, so that neither steals the other's core while timed.
    const configs: [string, string, string, string?][] = [
      ['optuna 3.1 random', 'memory', 'random'],
      ['optuna 3.1 tpe', 'memory', 'tpe'],
      ['optuna 3.1 tpe (multivariate)', 'memory', 'tpe-mv'],
      ['optuna 3.1 random', `sqlite:///${join(dir, 'optuna-random.db')}`, 'random'],
      ['optuna 3.1 tpe', `sqlite:///${join(dir, 'optuna-tpe.db')}`, 'tpe'],
    ];
    if (optuna5Path !== undefined) {
      configs.push(['optuna 5 tpe (default)', 'memory', 'tpe', optuna5Path], ['optuna 5 tpe (default)', `sqlite:///${join(dir, 'optuna5-tpe.db')}`, 'tpe', optuna5Path]);
    } else {
      console.log('Optuna 5 skipped: set SODATE_OPTUNA5_PATH to its sources\n');
    }
    for (const [label, storage, sampler, pythonPath] of configs) {
      const name = `${label}, ${storage === 'memory' ? 'memory' : 'sqlite'}`;
      try {
        row(name, await optunaOverhead(storage, sampler, pythonPath));
      } catch (error) {
        rows.push([`${name}: failed (${(error as Error).message})`]);
      }
    }
  }
  console.log(table(['sampler, storage', ...SIZES.map((n) => `N=${n}`)], rows));
  rmSync(dir, { recursive: true, force: true });
}

await main();
