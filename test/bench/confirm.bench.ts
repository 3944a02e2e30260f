/**
 * Confirmation (issue #14): on noisy problems whose noise-free value is known, does the
 * configuration `sodate confirm` ranks first have a lower true value than the raw best trial?
 * Each run: a study of 40 trials (random or TPE) on value = f(x) + σ·N(0, 1), the normal drawn
 * from the trial's seed (trial.seed, as a command would from SODATE_TRIAL_SEED); then the top 5
 * distinct configurations re-run with 3 new seeds each, in-process through the Study API, and
 * ranked by the same code the CLI uses (src/analysis/confirm.ts). A win: confirm's first has
 * a lower true value than the raw best trial; a tie: the same configuration (the raw best
 * survives confirmation), which is the most common outcome at these noise levels.
 *
 *   npm run bench confirm                         40 seeds
 *   SODATE_BENCH_SEEDS=10 npm run bench confirm
 */
import { confirmCandidates, confirmationGroups, plannedConfirmations, rankConfirmations } from '../../src/analysis/confirm.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { Rng } from '../../src/samplers/rng.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import type { Sampler } from '../../src/policies/policies.js';
import { createStudy } from '../../src/study/create.js';
import type { Trial } from '../../src/study/objective-trial.js';
import { branin, hartmann6 } from './problems.js';
import { printTable } from './table.js';
import { CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR } from '../../src/storage/metadata.js';

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
const TOP = 5;
const SEEDS_PER_CONFIG = 3;

interface RunResult {
  readonly rawRegret: number;
  readonly confirmRegret: number;
  readonly outcome: 'win' | 'tie' | 'loss';
}

async function run(problem: NoisyProblem, sampler: (seed: number) => Sampler, seed: number): Promise<RunResult> {
  const study = await createStudy({ sampler: sampler(seed), systemAttrs: { 'sodate:seed': seed } });
  const truth = new Map<number, number>();
  const evaluate = async (): Promise<void> => {
    const trial = await study.ask();
    const value = problem.truth(trial);
    truth.set(trial.number, value);
    await study.tell(trial, value + problem.sigma * new Rng(trial.seed as number).normal());
  };
  for (let i = 0; i < TRIALS; i++) await evaluate();
  const candidates = confirmCandidates(await study.getTrials(), 'minimize', TOP);
  const planned = plannedConfirmations(study.trials, candidates, SEEDS_PER_CONFIG, seed);
  for (const p of planned) await study.enqueueTrial(p.params, { userAttrs: { [CONFIRM_OF_ATTR]: p.of, [CONFIRM_SEED_ATTR]: p.seed } });
  for (let i = 0; i < planned.length; i++) await evaluate();
  const rows = rankConfirmations(confirmationGroups(await study.getTrials(), candidates, SEEDS_PER_CONFIG, seed), 'minimize');
  const raw = candidates[0]?.number as number;
  const confirmed = rows[0]?.trial as number;
  const rawTrue = truth.get(raw) as number;
  const confirmTrue = truth.get(confirmed) as number;
  const outcome = confirmed === raw || confirmTrue === rawTrue ? 'tie' : confirmTrue < rawTrue ? 'win' : 'loss';
  return { rawRegret: rawTrue - problem.optimum, confirmRegret: confirmTrue - problem.optimum, outcome };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const seeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? 40);
console.log(`${TRIALS} trials, then the top ${TOP} configurations re-run with ${SEEDS_PER_CONFIG} seeds each; ${seeds} seeds per row`);
const rows: string[][] = [];
const total = { win: 0, tie: 0, loss: 0 };
for (const problem of PROBLEMS) {
  for (const sampler of SAMPLERS) {
    const results: RunResult[] = [];
    for (let seed = 0; seed < seeds; seed++) results.push(await run(problem, sampler.create, seed));
    const count = (o: RunResult['outcome']) => results.filter((r) => r.outcome === o).length;
    const [win, tie, loss] = [count('win'), count('tie'), count('loss')];
    total.win += win;
    total.tie += tie;
    total.loss += loss;
    rows.push([
      problem.name,
      sampler.name,
      `${win}/${tie}/${loss}`,
      `${Math.round((100 * win) / results.length)}%`,
      win + loss === 0 ? '-' : `${Math.round((100 * win) / (win + loss))}%`,
      median(results.map((r) => r.rawRegret)).toPrecision(3),
      median(results.map((r) => r.confirmRegret)).toPrecision(3),
    ]);
  }
}
printTable(['problem', 'sampler', 'win/tie/loss', 'win rate', 'of decided', 'median true regret: raw best', 'confirm #1'], rows);
const runs = total.win + total.tie + total.loss;
console.log(`all: ${total.win}/${total.tie}/${total.loss} (win rate ${Math.round((100 * total.win) / runs)}%, ${Math.round((100 * total.win) / Math.max(1, total.win + total.loss))}% of the decided runs)`);
