/**
 * Per-operation timings of SqliteStorage on a temporary file:
 *   node --import tsx test/storage/bench.ts [trials]
 * Each figure is the best of several rounds, so that other load on the machine
 * disturbs it less; the median round is printed next to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floatDistribution } from '../../src/space/distributions.js';
import { START_CURSOR } from '../../src/storage/records.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';

const trials = Number(process.argv[2] ?? 2000);
const ROUNDS = 7;
const dir = mkdtempSync(join(tmpdir(), 'sodate-bench-'));
const storage = SqliteStorage.open(join(dir, 'bench.db'));
const dist = floatDistribution(0, 1);

/** Best and median µs per operation over ROUNDS rounds of `n` operations. */
async function measure(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const perOp: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await op(round * n + i);
    perOp.push(Number(process.hrtime.bigint() - start) / 1000 / n);
  }
  perOp.sort((a, b) => a - b);
  const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(1)} µs`);
  console.log(`${label}: ${fmt(perOp[0] ?? NaN)} best, ${fmt(perOp[Math.floor(ROUNDS / 2)] ?? NaN)} median`);
}

try {
  const study = await storage.createStudy({ name: 'bench', direction: 'minimize' });
  const perRound = Math.max(1, Math.floor(trials / ROUNDS));

  await measure(`createTrial + 10 setParam + finishTrial (${perRound} trials a round)`, perRound, async () => {
    const t = await storage.createTrial(study.id);
    if (t === null) throw new Error('no trial');
    for (let p = 0; p < 10; p++) await storage.setParam(t.id, `p${p}`, Math.random(), dist);
    await storage.finishTrial(t.id, 'COMPLETE', [Math.random()]);
  });

  const running = await storage.createTrial(study.id);
  if (running === null) throw new Error('no trial');
  await measure('report', 1000, (i) => storage.report(running.id, i, Math.random()));
  await measure('heartbeat', 1000, () => storage.heartbeat(running.id));
  await storage.finishTrial(running.id, 'COMPLETE', [0]);

  const small = await storage.createTrial(study.id);
  if (small === null) throw new Error('no trial');
  for (let p = 0; p < 10; p++) await storage.setParam(small.id, `p${p}`, Math.random(), dist);
  for (let step = 0; step < 20; step++) await storage.report(small.id, step, Math.random());
  await measure('getTrial (10 params, 20 reports)', 200, () => storage.getTrial(small.id));

  const all = await storage.trialsSince(study.id, START_CURSOR);
  await measure(`trialsSince(START_CURSOR): ${all.trials.length} trials × 10 params`, 1, () => storage.trialsSince(study.id, START_CURSOR));
  await measure('trialsSince(cursor), one open trial (10 params, 20 reports)', 100, () => storage.trialsSince(study.id, all.cursor));
  await measure('listStudies', 20, () => storage.listStudies());
  await measure('countTrials', 20, () => storage.countTrials(study.id));
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
