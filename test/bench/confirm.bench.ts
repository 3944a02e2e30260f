/**
 * Confirmation (issue #14): on noisy problems whose noise-free value is known, does the
 * configuration `sodate confirm` ranks first have a lower true value than the raw best trial?
 * Each run: a study of 40 trials (random or TPE) on value = f(x) + σ·N(0, 1), the normal drawn
 * from the trial's seed (trial.seed, as a command would from SODATE_TRIAL_SEED); then the top 5
 * distinct configurations re-run with 3 new seeds each, in-process through the Study API, and
 * ranked by the same code the CLI uses (src/analysis/confirm.ts), once per way of choosing
 * and ranking: 'model' (the CLI's default: the raw best, the model's proposal, a configuration
 * no trial ran, and the GP's best tried ones, ranked by the GP's posterior mean), 'model,
 * tried only' (`--no-propose`) and 'mean' (the 5 best values, ranked by their plain mean). A win: confirm's
 * first has a lower true value than the raw best trial; a tie: the same configuration (the
 * raw best survives confirmation); a loss: a worse one. The win rate is wins over all runs
 * (a tie is no win). "ceiling": the win rate a ranker that knew the true values would reach
 * among the same candidates (the runs where some candidate is truly better than the raw best).
 * "true gain": the raw best's true value minus confirm's first's (positive: confirm helped).
 *
 *   npm run bench confirm                                        40 seeds (0…39)
 *   SODATE_BENCH_SEEDS=10 SODATE_BENCH_FIRST_SEED=100 npm run bench confirm    seeds 100…109
 *   SODATE_BENCH_TOP=8 SODATE_BENCH_CONFIRM_SEEDS=2 …               8 configurations × 2 seeds (default 5 × 3)
 */
import type { ConfirmBy, ConfirmCandidate } from '../../src/analysis/confirm.js';
import { confirmCandidates, confirmationGroups, plannedConfirmations, rankConfirmations } from '../../src/analysis/confirm.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { Rng } from '../../src/samplers/rng.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import type { Sampler } from '../../src/policies/policies.js';
import { createStudy } from '../../src/study/create.js';
import type { Trial } from '../../src/study/objective-trial.js';
import { branin, hartmann6 } from './problems.js';
import { printTable } from './table.js';

interface NoisyProblem {
  readonly name: string;
  readonly optimum: number;
  /** Standard deviation of the noise. */
  readonly sigma: number;
  /** The noise-free value of the trial's parameters (it suggests them). */
  readonly truth: (trial: Trial) => number;
}

const PROBLEMS: readonly NoisyProblem[] = [
  { name: 'branin σ=2', optimum: 0.39788735772973816, sigma: 2, truth: (t) => branin(t.suggestFloat('x0', -5, 10), t.suggestFloat('x1', 0, 15)) },
  { name: 'hartmann6 σ=0.3', optimum: -3.3223680114155147, sigma: 0.3, truth: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))) },
  { name: 'hartmann6 σ=0.6', optimum: -3.3223680114155147, sigma: 0.6, truth: (t) => hartmann6(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))) },
];

const SAMPLERS: readonly { name: string; create: (seed: number) => Sampler }[] = [
  { name: 'random', create: (seed) => new RandomSampler({ seed }) },
  { name: 'tpe', create: (seed) => new TPESampler({ seed }) },
];

const TRIALS = 40;
const TOP = Number(process.env['SODATE_BENCH_TOP'] ?? 5);
const SEEDS_PER_CONFIG = Number(process.env['SODATE_BENCH_CONFIRM_SEEDS'] ?? 3);

interface RunResult {
  readonly rawRegret: number;
  readonly confirmRegret: number;
  readonly outcome: 'win' | 'tie' | 'loss';
  /** Some candidate is truly better than the raw best. */
  readonly winnable: boolean;
}

interface Mode {
  readonly label: string;
  readonly by: ConfirmBy;
  readonly propose: boolean;
}

async function run(problem: NoisyProblem, sampler: (seed: number) => Sampler, seed: number, mode: Mode): Promise<RunResult> {
  const { by } = mode;
  const study = await createStudy({ sampler: sampler(seed), systemAttrs: { 'sodate:seed': seed } });
  const truth = new Map<number, number>();
  const truthByParams = new Map<string, number>();
  const evaluate = async (): Promise<void> => {
    const trial = await study.ask();
    const value = problem.truth(trial);
    truth.set(trial.number, value);
    truthByParams.set(JSON.stringify(trial.params), value);
    await study.tell(trial, value + problem.sigma * new Rng(trial.seed as number).normal());
  };
  for (let i = 0; i < TRIALS; i++) await evaluate();
  const tuning = await study.getTrials();
  const raw = confirmCandidates(tuning, 'minimize', 1)[0]?.number as number;
  const candidates = confirmCandidates(tuning, 'minimize', TOP, by, mode.propose ? { seed } : undefined);
  const planned = plannedConfirmations(study.trials, candidates, SEEDS_PER_CONFIG, seed);
  for (const p of planned) await study.enqueueTrial(p.params, { userAttrs: { ...p.userAttrs } });
  for (let i = 0; i < planned.length; i++) await evaluate();
  const all = await study.getTrials();
  const rows = rankConfirmations(confirmationGroups(all, candidates, SEEDS_PER_CONFIG, seed), 'minimize', by, all);
  // The proposal's true value is its re-runs' (they fix its parameters).
  const trueOf = (c: Pick<ConfirmCandidate, 'number' | 'params'>) => (c.number === null ? (truthByParams.get(JSON.stringify(c.params)) as number) : (truth.get(c.number) as number));
  const first = rows[0] as (typeof rows)[number];
  const confirmed = first.trial;
  const rawTrue = truth.get(raw) as number;
  const confirmTrue = trueOf({ number: confirmed, params: first.params });
  const outcome = confirmed === raw || confirmTrue === rawTrue ? 'tie' : confirmTrue < rawTrue ? 'win' : 'loss';
  const winnable = candidates.some((c) => trueOf(c) < rawTrue);
  return { rawRegret: rawTrue - problem.optimum, confirmRegret: confirmTrue - problem.optimum, outcome, winnable };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const seeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? 40);
const firstSeed = Number(process.env['SODATE_BENCH_FIRST_SEED'] ?? 0);
const MODES: readonly Mode[] = [
  { label: 'mean', by: 'mean', propose: false },
  { label: 'model, tried only', by: 'model', propose: false },
  { label: 'model', by: 'model', propose: true },
];
console.log(`${TRIALS} trials, then ${TOP} configurations re-run with ${SEEDS_PER_CONFIG} seeds each; seeds ${firstSeed}…${firstSeed + seeds - 1}`);
const rows: string[][] = [];
const totals = new Map<string, { win: number; tie: number; loss: number; winnable: number; gains: number[] }>(MODES.map((m) => [m.label, { win: 0, tie: 0, loss: 0, winnable: 0, gains: [] }]));
const pct = (a: number, b: number) => (b === 0 ? '-' : `${Math.round((100 * a) / b)}%`);
for (const problem of PROBLEMS) {
  for (const sampler of SAMPLERS) {
    for (const mode of MODES) {
      const results: RunResult[] = [];
      for (let seed = firstSeed; seed < firstSeed + seeds; seed++) results.push(await run(problem, sampler.create, seed, mode));
      const count = (o: RunResult['outcome']) => results.filter((r) => r.outcome === o).length;
      const [win, tie, loss] = [count('win'), count('tie'), count('loss')];
      const winnable = results.filter((r) => r.winnable).length;
      const total = totals.get(mode.label) as { win: number; tie: number; loss: number; winnable: number; gains: number[] };
      total.gains.push(...results.map((r) => r.rawRegret - r.confirmRegret));
      total.win += win;
      total.tie += tie;
      total.loss += loss;
      total.winnable += winnable;
      rows.push([
        problem.name,
        sampler.name,
        mode.label,
        `${win}/${tie}/${loss}`,
        pct(win, results.length),
        pct(win, win + loss),
        pct(winnable, results.length),
        median(results.map((r) => r.rawRegret)).toPrecision(3),
        median(results.map((r) => r.confirmRegret)).toPrecision(3),
        (results.reduce((a, r) => a + r.rawRegret - r.confirmRegret, 0) / results.length).toPrecision(3),
      ]);
    }
  }
}
printTable(['problem', 'sampler', 'by', 'win/tie/loss', 'win rate', 'of decided', 'ceiling', 'median true regret: raw best', 'confirm #1', 'mean true gain'], rows);
for (const [by, t] of totals) {
  const runs = t.win + t.tie + t.loss;
  const meanGain = t.gains.reduce((a, b) => a + b, 0) / t.gains.length;
  console.log(`${by}: ${t.win}/${t.tie}/${t.loss} over ${runs} runs: win rate ${pct(t.win, runs)} (${pct(t.win, t.win + t.loss)} of the runs where confirm's first differs from the raw best); ceiling ${pct(t.winnable, runs)}; true gain over the raw best: median ${median(t.gains).toPrecision(3)}, mean ${meanGain.toPrecision(3)}`);
}
