/**
 * GP sampler timing and a quick quality check: ask time (ms) at the 100th and 300th trial
 * on a Hartmann-6-like 6-D space, plus the best value reached on Branin and Hartmann-6.
 * `node --import tsx test/bench/gp.bench.ts [trials]`; GP_BENCH_PROBLEMS=hartmann6 GP_BENCH_SEEDS=0,1 to narrow.
 */
import { performance } from 'node:perf_hooks';
import type { Distribution } from '../../src/space/distributions.js';
import { floatDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import type { Sampler, StudyView } from '../../src/study/policies.js';
import { GPSampler } from '../../src/samplers/gp/index.js';
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

/** Run `trials` sequential asks; returns the best value and the ask time of every trial. */
export function run(sampler: Sampler, problem: Problem, trials: number): { best: number; askMs: number[]; cpuMs: number[] } {
  const history: FrozenTrial[] = [];
  const view: StudyView = {
    name: 'bench',
    direction: 'minimize',
    getTrials: (states) => (states === undefined ? history : history.filter((t) => states.includes(t.state))),
    setTrialSystemAttr: () => undefined,
  };
  let best = Infinity;
  const askMs: number[] = [];
  const cpuMs: number[] = [];
  for (let number = 0; number < trials; number++) {
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
}
