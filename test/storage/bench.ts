/**
 * Per-operation timings of SqliteStorage on a temporary file:
 *   node --import tsx test/storage/bench.ts [trials]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floatDistribution } from '../../src/space/distributions.js';
import { START_CURSOR } from '../../src/storage/records.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';

const trials = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'sodate-bench-'));
const storage = SqliteStorage.open(join(dir, 'bench.db'));
const dist = floatDistribution(0, 1);

function micros(start: bigint, n: number): string {
  return (Number(process.hrtime.bigint() - start) / 1000 / n).toFixed(1);
}

try {
  const study = await storage.createStudy({ name: 'bench', direction: 'minimize' });
  // warm up
  for (let i = 0; i < 50; i++) {
    const t = await storage.createTrial(study.id);
    if (t === null) throw new Error('no trial');
    await storage.finishTrial(t.id, 'COMPLETE', [i]);
  }

  let start = process.hrtime.bigint();
  for (let i = 0; i < trials; i++) {
    const t = await storage.createTrial(study.id);
    if (t === null) throw new Error('no trial');
    for (let p = 0; p < 10; p++) await storage.setParam(t.id, `p${p}`, Math.random(), dist);
    await storage.finishTrial(t.id, 'COMPLETE', [Math.random()]);
  }
  console.log(`createTrial + 10 setParam + finishTrial: ${micros(start, trials)} µs per trial (${trials} trials)`);

  const running = await storage.createTrial(study.id);
  if (running === null) throw new Error('no trial');
  const reports = trials * 5;
  start = process.hrtime.bigint();
  for (let i = 0; i < reports; i++) await storage.report(running.id, i, Math.random());
  console.log(`report: ${micros(start, reports)} µs per call (${reports} reports)`);

  start = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) await storage.heartbeat(running.id);
  console.log(`heartbeat: ${micros(start, 1000)} µs per call`);

  const small = await storage.createTrial(study.id);
  if (small === null) throw new Error('no trial');
  for (let p = 0; p < 10; p++) await storage.setParam(small.id, `p${p}`, Math.random(), dist);
  for (let step = 0; step < 20; step++) await storage.report(small.id, step, Math.random());
  start = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) await storage.getTrial(small.id);
  console.log(`getTrial (10 params, 20 reports): ${micros(start, 1000)} µs per call`);
  await storage.finishTrial(running.id, 'COMPLETE', [0]);

  start = process.hrtime.bigint();
  const all = await storage.trialsSince(study.id, START_CURSOR);
  console.log(`trialsSince(start) of ${all.trials.length} trials × 10 params: ${micros(start, 1)} µs`);

  start = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) await storage.trialsSince(study.id, all.cursor);
  console.log(`trialsSince(cursor) with 1 open trial (10 params, 20 reports): ${micros(start, 100)} µs per call`);

  start = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) await storage.listStudies();
  console.log(`listStudies: ${micros(start, 100)} µs per call`);

  start = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) await storage.countTrials(study.id);
  console.log(`countTrials: ${micros(start, 100)} µs per call`);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
