/**
 * Issue #2's overhead benchmark: what sodate itself costs per trial (ask + suggest + tell)
 * and per intermediate report, with the random sampler, on SQLite and in memory, beside
 * Debian's Optuna 3.1 doing the same work in the same run.
 *
 *   npm run bench -- core
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';
import type { Trial } from '../../src/study/objective-trial.js';
import { printTable, ratio } from './table.js';

const TRIALS = 2000;
const REPORTS = 5000;
const OPTUNA_TRIALS = 100;
const OPTUNA_REPORTS = 300;

function suggest(trial: Trial): number {
  trial.suggestFloat('lr', 1e-5, 1e-2, { log: true });
  trial.suggestFloat('weight_decay', 1e-5, 1e-2, { log: true });
  trial.suggestFloat('drop_path', 0, 0.3, { step: 0.05 });
  trial.suggestInt('warmup', 0, 5);
  trial.suggestCategorical('batch_size', [16, 32, 64, 128]);
  if (trial.suggestCategorical('optimizer', ['adamw', 'sgd']) === 'sgd') trial.suggestFloat('momentum', 0.8, 0.99);
  return 0.5;
}

async function measure(storage: string, trials: number, reports: number): Promise<{ trialMs: number; reportMs: number }> {
  const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 0 }) });
  for (let i = 0; i < 20; i++) {
    const t = await study.ask();
    await study.tell(t, suggest(t));
  }
  let start = performance.now();
  for (let i = 0; i < trials; i++) {
    const t = await study.ask();
    await study.tell(t, suggest(t));
  }
  const trialMs = (performance.now() - start) / trials;
  const t = await study.ask();
  suggest(t);
  start = performance.now();
  for (let step = 0; step < reports; step++) await t.report(step, 0.5 / (step + 1));
  const reportMs = (performance.now() - start) / reports;
  await study.tell(t, 0.1);
  await study.close();
  return { trialMs, reportMs };
}

function optuna(): { version: string; sqlite: { trial_ms: number; report_ms: number }; memory: { trial_ms: number; report_ms: number } } | null {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'optuna/core.py');
  const result = spawnSync('/usr/bin/python3', [script, String(OPTUNA_TRIALS), String(OPTUNA_REPORTS)], { encoding: 'utf8' });
  if (result.status !== 0) {
    console.log(`Optuna not run (${(result.stderr || result.error?.message || 'unknown').trim().split('\n').pop()}); install python3-optuna`);
    return null;
  }
  return JSON.parse(result.stdout.trim().split('\n').pop() as string);
}

const dir = mkdtempSync(join(tmpdir(), 'sodate-bench-core-'));
try {
  const sqlite = await measure(`sqlite:${join(dir, 'bench.db')}`, TRIALS, REPORTS);
  const memory = await measure('memory:', TRIALS * 5, REPORTS * 5);
  const peer = optuna();
  const fmt = (ms: number | undefined) => (ms === undefined ? '-' : ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(3)} ms`);
  console.log(`per-operation cost, random sampler, 7-parameter mixed space (sodate ${TRIALS} trials / ${REPORTS} reports; Optuna ${peer?.version ?? '-'} ${OPTUNA_TRIALS} / ${OPTUNA_REPORTS})`);
  printTable(
    ['operation', 'storage', 'sodate', 'Optuna', 'Optuna / sodate'],
    [
      ['ask + suggest + tell', 'SQLite', fmt(sqlite.trialMs), fmt(peer?.sqlite.trial_ms), ratio(peer?.sqlite.trial_ms, sqlite.trialMs)],
      ['report (+ prune check)', 'SQLite', fmt(sqlite.reportMs), fmt(peer?.sqlite.report_ms), ratio(peer?.sqlite.report_ms, sqlite.reportMs)],
      ['ask + suggest + tell', 'memory', fmt(memory.trialMs), fmt(peer?.memory.trial_ms), ratio(peer?.memory.trial_ms, memory.trialMs)],
      ['report (+ prune check)', 'memory', fmt(memory.reportMs), fmt(peer?.memory.report_ms), ratio(peer?.memory.report_ms, memory.reportMs)],
    ],
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
