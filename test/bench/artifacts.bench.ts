/**
 * What keeping trial artifacts costs (#15: ≤ 1 ms per trial on SQLite). The same study runs
 * through the orchestrator on a SQLite file with inline slots, its objective writing two small
 * files per trial (a "checkpoint" of 64 KiB and a 1 KiB "predictions" file): without an
 * ArtifactKeeper (the objective writes into a directory of its own, so the file writes cost
 * the same), with one that keeps every trial's files, and with `keep: 3` (retention deletes
 * the beaten trials' directories as the study goes). Rounds interleave the arms so that a
 * noisy neighbour hits them alike; the table gives the median per-trial time of each arm and
 * its difference from the arm without artifacts.
 *
 *   npm run bench -- artifacts                    300 trials, 5 rounds
 *   SODATE_BENCH_QUICK=1 npm run bench -- artifacts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactKeeper } from '../../src/artifacts/keeper.js';
import { InlineSlots } from '../../src/run/inline-slots.js';
import { runOrchestrator } from '../../src/run/orchestrator.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { floatDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { createStudy } from '../../src/study/create.js';
import { median } from './curves/paired.js';
import { printTable } from './table.js';

const quick = process.env['SODATE_BENCH_QUICK'] === '1';
const TRIALS = quick ? 100 : 300;
const ROUNDS = quick ? 2 : 5;
const root = mkdtempSync(join(tmpdir(), 'sodate-bench-artifacts-'));
const space = compileSearchSpace([{ name: 'x', distribution: floatDistribution(0, 1), when: null }]);
const checkpoint = Buffer.alloc(64 * 1024, 7);
const predictions = Buffer.alloc(1024, 3);

type Arm = 'no artifacts' | 'artifacts, keep all' | 'artifacts, keep: 3';
const ARMS: readonly Arm[] = ['no artifacts', 'artifacts, keep all', 'artifacts, keep: 3'];

/** Wall-clock and CPU (user + system, every thread of the process) milliseconds per trial of one study of `TRIALS` trials. */
async function run(arm: Arm, round: number): Promise<{ wall: number; cpu: number }> {
  const dir = join(root, `${round}-${ARMS.indexOf(arm)}`);
  mkdirSync(dir, { recursive: true });
  const study = await createStudy({ name: 'bench', storage: `sqlite:${join(dir, 'study.db')}`, sampler: new RandomSampler({ seed: round + 1 }) });
  const own = join(dir, 'own');
  // Inline slots hand the objective a RemoteTrial, which carries the trial's directory.
  const objective = (trial: { params: Record<string, unknown>; number: number; artifactDir?: string | undefined }): number => {
    const x = trial.params['x'] as number;
    // Without a keeper the objective still writes its files, so both arms pay for the writes.
    const target = trial.artifactDir ?? join(own, String(trial.number));
    if (trial.artifactDir === undefined) mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'checkpoint.bin'), checkpoint);
    writeFileSync(join(target, 'predictions.csv'), predictions);
    return (x - 0.3) ** 2;
  };
  const artifacts = arm === 'no artifacts' ? undefined : new ArtifactKeeper({ dir: join(dir, 'artifacts'), ...(arm === 'artifacts, keep: 3' ? { keep: 3 } : {}) });
  const runner = new InlineSlots(objective as never);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  await runOrchestrator({
    study,
    space,
    runner,
    slots: [{ name: 'cpu#0', device: 'cpu', gpu: null }],
    reporter: {},
    maxTrials: TRIALS,
    timeoutSeconds: undefined,
    signal: new AbortController().signal,
    info: { metric: 'value', samplerName: 'random', prunerName: 'none' },
    artifacts,
  });
  const wall = (performance.now() - started) / TRIALS;
  const cpu = process.cpuUsage(cpuStart);
  await runner.close();
  await study.close();
  return { wall, cpu: (cpu.user + cpu.system) / 1000 / TRIALS };
}

const times = new Map<Arm, { wall: number; cpu: number }[]>(ARMS.map((a) => [a, []]));
await run('no artifacts', -1); // warm-up: module loading, JIT
for (let round = 0; round < ROUNDS; round++) {
  for (const arm of round % 2 === 0 ? ARMS : [...ARMS].reverse()) times.get(arm)?.push(await run(arm, round));
}
rmSync(root, { recursive: true, force: true });

// Wall time is what a study waits; CPU time (this process's threads, deletions included) is
// the part a loaded machine's scheduler does not inflate, so both are shown.
const medianOf = (arm: Arm, key: 'wall' | 'cpu'): number => median((times.get(arm) ?? []).map((t) => t[key]));
console.log(`${TRIALS} trials × ${ROUNDS} rounds on SQLite, inline slots, two files per trial (64 KiB + 1 KiB)`);
printTable(
  ['arm', 'wall ms/trial (median)', 'rounds', 'added wall ms', 'cpu ms/trial (median)', 'added cpu ms'],
  ARMS.map((arm) => {
    const wall = medianOf(arm, 'wall');
    const cpu = medianOf(arm, 'cpu');
    const base = arm === 'no artifacts';
    return [arm, wall.toFixed(2), (times.get(arm) ?? []).map((t) => t.wall.toFixed(2)).join(' '), base ? '-' : (wall - medianOf('no artifacts', 'wall')).toFixed(2), cpu.toFixed(2), base ? '-' : (cpu - medianOf('no artifacts', 'cpu')).toFixed(2)];
  }),
);
console.log('target (#15): recording artifacts adds ≤ 1 ms per trial');
