/**
 * Which Hartmann-6 basin a GP study ends in, by where its first 10 points came from: sodate's
 * GP from its own Sobol' startup, from Optuna 5 GPSampler's startup points (its RandomSampler:
 * NumPy's RandomState(seed).uniform, drawn here by /usr/bin/python3) and from other NumPy
 * draws (RandomState(1000 + seed)); one worker, 60 trials. Optuna 5 itself on the same seeds
 * comes from `gp.bench.ts` (GP_BENCH_PARALLEL_SEEDS).
 * `node --import tsx test/bench/gp-startup.bench.ts`; GP_STARTUP_SEEDS=0-63 (default 0-15).
 */
import { spawnSync } from 'node:child_process';
import { GPSampler } from '../../src/samplers/gp/index.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { hartmann6, run } from './gp.bench.js';

const STARTUP = 10;
const TRIALS = 60;

/** 10 × 6 uniform points from NumPy's RandomState(seed), the stream Optuna's RandomSampler(seed) draws. */
function numpyStarts(seeds: readonly number[], offset: number): Map<number, number[][]> {
  const script = `import json, sys, numpy as np\nprint(json.dumps({s: np.random.RandomState(s + ${offset}).uniform(size=(${STARTUP}, 6)).tolist() for s in json.loads(sys.argv[1])}))`;
  const out = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(seeds)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`numpy draws failed: ${out.stderr}`);
  return new Map(Object.entries(JSON.parse(out.stdout) as Record<string, number[][]>).map(([s, p]) => [Number(s), p]));
}

function asTrials(points: readonly number[][]): FrozenTrial[] {
  return points.map((point, number) => {
    const params = Object.fromEntries(point.map((v, i) => [`x${i}`, v]));
    return {
      id: number + 1, number, state: 'COMPLETE', values: [hartmann6.f(params)], params, internalParams: params, distributions: hartmann6.space,
      intermediateValues: new Map(), userAttrs: {}, systemAttrs: {}, datetimeStart: new Date(0), datetimeComplete: new Date(0),
    };
  });
}

function regretFrom(seed: number, starts: readonly number[][] | null): number {
  if (starts === null) return run(new GPSampler({ seed }), hartmann6, TRIALS).best - hartmann6.optimum;
  const prefill = asTrials(starts);
  const { best } = run(new GPSampler({ seed }), hartmann6, TRIALS - STARTUP, prefill);
  return Math.min(best, ...prefill.map((t) => (t.values as number[])[0] as number)) - hartmann6.optimum;
}

const [from, to] = (process.env['GP_STARTUP_SEEDS'] ?? '0-15').split('-').map(Number) as [number, number];
const seeds = Array.from({ length: to - from + 1 }, (_, i) => from + i);
const optunaStarts = numpyStarts(seeds, 0);
const otherStarts = numpyStarts(seeds, 1000);
console.log(`Hartmann-6, sodate GP, 1 worker, ${TRIALS} trials, seeds ${from}-${to}: seeds within 0.05 of the optimum, median (mean) regret`);
console.log('| startup points | near | median | mean |');
console.log('| --- | --- | --- | --- |');
for (const [label, starts] of [['sodate Sobol\'', null], ['Optuna 5 GPSampler\'s (NumPy RandomState(seed))', optunaStarts], ['other NumPy draws (RandomState(1000 + seed))', otherStarts]] as const) {
  const regrets = seeds.map((seed) => regretFrom(seed, starts === null ? null : (starts.get(seed) as number[][])));
  const sorted = [...regrets].sort((a, b) => a - b);
  const median = ((sorted[(sorted.length - 1) >> 1] as number) + (sorted[sorted.length >> 1] as number)) / 2;
  const mean = regrets.reduce((a, b) => a + b, 0) / regrets.length;
  console.log(`| ${label} | ${regrets.filter((r) => r < 0.05).length}/${regrets.length} | ${median.toExponential(2)} | ${mean.toFixed(3)} |`);
}
