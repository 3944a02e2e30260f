/**
 * Why the warm-start bench's hartmann6 pairs miss on some seeds: which basin each study
 * ends in. On the slice (the default) the old problem is hartmann6 with x5 fixed at 0.3 and
 * x0…x4 shifted by 0.05; with x5 = 0.3, the basin around hartmann6's second minimum
 * (x1 ≈ 0.86, −3.203 over all six: regret 0.119) is deeper (−1.291) than the one around its
 * global minimum (x1 ≈ 0.15, −1.225), so an old study may end in either. On hartmann6+1
 * (`SODATE_BENCH_PAIR=hartmann6+1`) the old problem is hartmann6 shifted by 0.05, the new one
 * hartmann6 plus 2·(x6 − 0.7)²: the same two basins, the global one deeper in both. A new
 * study whose best regret is below 0.119 has found the global minimum's basin (no point of
 * the other gets there).
 *
 * Per seed (the warm-start bench's: old study seed 1000 + s, new studies seed s, 100 trials
 * each; TPE, or `SODATE_BENCH_SAMPLER=auto`, the default sampler as that bench runs it):
 * the basin of the old study's best (by x1), whether the cold and the warm study are below
 * 0.119 after 50 and 100 trials, and, by the basin the cold study ends in, how many warm
 * studies match their cold study's regret after 100 trials within 50 (the warm-start
 * bench's "to cold@100" ≤ 50).
 *
 *   SODATE_BENCH_SEEDS=30 npm run bench -- warm-start-basins            seeds 0…29
 *   SODATE_BENCH_SEED_BASE=100 SODATE_BENCH_SEEDS=20 npm run bench -- warm-start-basins
 *   SODATE_BENCH_PAIR=hartmann6+1 SODATE_BENCH_SAMPLER=auto npm run bench -- warm-start-basins
 */
import { floatDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { TPESampler } from '../../src/samplers/tpe/index.js';
import { AutoSampler } from '../../src/samplers/auto.js';
import type { Sampler } from '../../src/policies/policies.js';
import type { Storage } from '../../src/storage/storage.js';
import { createStudy } from '../../src/study/create.js';
import type { Suggest } from './problems.js';
import { hartmann6 } from './problems.js';
import { printTable } from './table.js';
// study.optimize runs on the orchestrator, which the package root plugs in.
import '../../src/index.js';

const OPTIMUM = -3.3223680114155147;
/** Regret at hartmann6's second minimum: below it, a study is in the global minimum's basin. */
const SECOND_FLOOR = -3.2031617427596886 - OPTIMUM;
const PAIR = process.env['SODATE_BENCH_PAIR'] ?? 'slice';
const SAMPLER = process.env['SODATE_BENCH_SAMPLER'] ?? 'tpe';
if (PAIR !== 'slice' && PAIR !== 'hartmann6+1') throw new Error(`SODATE_BENCH_PAIR must be slice or hartmann6+1, got ${PAIR}`);
if (SAMPLER !== 'tpe' && SAMPLER !== 'auto') throw new Error(`SODATE_BENCH_SAMPLER must be tpe or auto, got ${SAMPLER}`);
const names = PAIR === 'slice' ? ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'] : ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6'];
const space = compileSearchSpace(names.map((name) => ({ name, distribution: floatDistribution(0, 1), when: null })));
/** x0…x(n−1) as suggested, minus `shift`. */
const coordinates = (t: Suggest, n: number, shift = 0) => Array.from({ length: n }, (_, i) => t.suggestFloat(`x${i}`, 0, 1) - shift);
// The slice's old study never suggests x5 (the knob did not exist yet).
const oldObjective = PAIR === 'slice' ? (t: Suggest) => hartmann6([...coordinates(t, 5, 0.05), 0.3]) : (t: Suggest) => hartmann6(coordinates(t, 6, 0.05));
const newObjective = PAIR === 'slice' ? (t: Suggest) => hartmann6(coordinates(t, 6)) : (t: Suggest) => hartmann6(coordinates(t, 6)) + 2 * (t.suggestFloat('x6', 0, 1) - 0.7) ** 2;
// As the warm-start bench creates them (GP told the objective is deterministic).
const sampler = (seed: number): Sampler => (SAMPLER === 'tpe' ? new TPESampler({ seed }) : new AutoSampler({ seed, gp: { deterministicObjective: true } }));

async function bestRegrets(storage: Storage, name: string, seed: number, warm: boolean): Promise<number[]> {
  const study = await createStudy({ name, storage, sampler: sampler(seed), ...(warm ? { warmStart: { from: 'old', space } } : {}) });
  await study.optimize((t) => newObjective(t), { nTrials: 100 });
  let best = Infinity;
  return study.trials.map((t) => (best = Math.min(best, t.values?.[0] ?? Infinity)) - OPTIMUM);
}

const seeds = Number(process.env['SODATE_BENCH_SEEDS'] ?? 30);
const base = Number(process.env['SODATE_BENCH_SEED_BASE'] ?? 0);
type Basin = 'global' | 'second';
const rows: Record<Basin, number[]> = { global: [0, 0, 0, 0, 0], second: [0, 0, 0, 0, 0] };
/**
 * By the old best's basin and the cold study's after 100 trials (global: below 0.119; second:
 * not below it): seeds, and warm studies matching the cold regret after 100 within 50 trials.
 */
const reach: Record<Basin, Record<Basin, { seeds: number; within: number }>> = {
  global: { global: { seeds: 0, within: 0 }, second: { seeds: 0, within: 0 } },
  second: { global: { seeds: 0, within: 0 }, second: { seeds: 0, within: 0 } },
};
for (let s = base; s < base + seeds; s++) {
  const storage = new InMemoryStorage();
  const old = await createStudy({ name: 'old', storage, sampler: sampler(1000 + s) });
  await old.optimize((t) => oldObjective(t), { nTrials: 100 });
  const x1 = old.bestTrial?.params['x1'] as number;
  // Old coordinates are the new ones + 0.05: the global basin's x1 ≈ 0.20, the second's ≈ 0.91 (slice) or 0.93 (hartmann6+1).
  const oldBasin: Basin = Math.abs(x1 - 0.2) < Math.abs(x1 - 0.91) ? 'global' : 'second';
  const row = rows[oldBasin];
  const cold = await bestRegrets(storage, 'cold', s, false);
  const warm = await bestRegrets(storage, 'warm', s, true);
  row[0] = (row[0] as number) + 1;
  [cold[49], cold[99], warm[49], warm[99]].forEach((r, i) => {
    if ((r as number) < SECOND_FLOOR) (row[i + 1] as number)++;
  });
  const cell = reach[oldBasin][(cold[99] as number) < SECOND_FLOOR ? 'global' : 'second'];
  cell.seeds++;
  if (warm.slice(0, 50).some((r) => r <= (cold[99] as number))) cell.within++;
}
console.log(`hartmann6 ${PAIR === 'slice' ? 'slice' : '+1'}, ${SAMPLER}, seeds ${base}…${base + seeds - 1}: studies below regret ${SECOND_FLOOR.toFixed(3)} (in the global minimum's basin), by the basin of the old study's best`);
printTable(
  ['old best in', 'seeds', 'cold @50', 'cold @100', 'warm @50', 'warm @100'],
  Object.entries(rows).map(([basin, r]) => [basin === 'global' ? "global minimum's basin" : "second minimum's basin", ...r.map(String)]),
);
console.log(`\nwarm studies that match their cold study's regret after 100 trials within 50, by basin`);
const basins: readonly Basin[] = ['global', 'second'];
printTable(
  ['old best in', 'cold @100', 'seeds', 'warm within 50'],
  basins.flatMap((old) =>
    basins.map((cold) => [`${old === 'global' ? "global minimum's" : "second minimum's"} basin`, cold === 'global' ? 'below 0.119 (global basin)' : 'not below 0.119', String(reach[old][cold].seeds), String(reach[old][cold].within)]),
  ),
);
