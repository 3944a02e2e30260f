import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlotRunner } from '../../src/run/slots.js';
import type { Reporter } from '../../src/run/reporter.js';
import { runOrchestrator } from '../../src/run/orchestrator.js';
import type { OrchestratorOptions } from '../../src/run/orchestrator.js';
import type { ParamSpec } from '../../src/space/search-space.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { floatDistribution } from '../../src/space/distributions.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { createStudy } from '../../src/study/create.js';
import type { Pruner } from '../../src/policies/policies.js';
import type { Study } from '../../src/study/study.js';
import type { Slot } from '../../src/run/slots.js';
import { RandomSampler } from '../../src/samplers/random.js';

/** Objectives the slot tests run, as a real module on disk (each test gets a fresh folder). */
export const OBJECTIVES = `
import { existsSync, writeFileSync } from 'node:fs';
const DIR = process.env.SODATE_TEST_DIR ?? __DIR__;

export async function steps(trial) {
  for (let step = 0; step < 4; step++) await trial.report(step, trial.params.x);
  return trial.params.x;
}
export async function keepsReporting(trial) {
  // Catches the stop and reports again: those reports are refused with TrialPruned too.
  let caught = 0;
  for (let step = 0; step < 4; step++) {
    try { await trial.report(step, trial.params.x); } catch (e) { if (e.name !== 'TrialPruned') throw e; caught++; }
  }
  return caught;
}
export function defineByRun(trial) {
  const y = trial.suggestFloat('y', 10, 20);
  const again = trial.suggestFloat('y', 10, 20);
  const k = trial.suggestCategorical('k', ['a', 'b']);
  trial.setUserAttr('seen', { y, again, k });
  return trial.params.x + y;
}
export function crashOnce(trial) {
  const marker = DIR + '/crashed-' + trial.params.x;
  if (!existsSync(marker)) {
    writeFileSync(marker, '');
    if (process.env.SODATE_SLOT === undefined) process.exit(3); // a thread: ends the thread only
    process.kill(process.pid, 'SIGKILL');
  }
  return 1;
}
export function crashAlways() {
  if (process.env.SODATE_SLOT === undefined) process.exit(3);
  process.kill(process.pid, 'SIGKILL');
}
export function busyForever() { for (;;) {} }
export function sleepForever() { return new Promise(() => setInterval(() => {}, 1000)); }
export function throws() { throw new Error('boom: objective failed'); }
export function whereAmI(trial) {
  trial.setUserAttr('env', { cuda: process.env.CUDA_VISIBLE_DEVICES ?? null, device: process.env.SODATE_DEVICE ?? null, slot: process.env.SODATE_SLOT ?? null });
  trial.setUserAttr('trial', { device: trial.device, slot: trial.slot, number: trial.number });
  console.log('hello from trial ' + trial.number);
  return 0;
}
export function returnsText() { return 'not a number'; }
export async function folds(trial) {
  // Out of order, no return value: the trial's value is the mean over its folds.
  for (const fold of [1, 0, 3, 2]) await trial.reportFold(fold, trial.params.x + fold / 10);
}
export async function foldTwice(trial) {
  await trial.reportFold(0, trial.params.x);
  try { await trial.reportFold(0, trial.params.x); } catch (e) { console.log('caught: ' + e.message); }
  return trial.params.x;
}
`;

export function fixtureDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-run-'));
  writeFileSync(join(dir, 'objectives.mjs'), OBJECTIVES.replace('__DIR__', JSON.stringify(dir)));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Prunes a trial once it reported a value above `above` at step >= 1. */
export function thresholdPruner(above: number): Pruner {
  return {
    needsHistory: false,
    prune: (_study, trial) => {
      const steps = [...trial.intermediateValues.keys()];
      const last = Math.max(...steps);
      return last >= 1 && (trial.intermediateValues.get(last) as number) > above;
    },
  };
}

export const X_SPACE = compileSearchSpace([{ name: 'x', distribution: floatDistribution(0, 1), when: null } satisfies ParamSpec]);

export function cpuSlots(n: number): Slot[] {
  return Array.from({ length: n }, (_, i) => ({ name: `cpu#${i}`, device: 'cpu', gpu: null }));
}

export interface RunResult {
  study: Study;
  trials: readonly FrozenTrial[];
  notices: string[];
  started: { number: number; slot?: string; device?: string }[];
}

/** Run a study of `maxTrials` on `runner` in memory; the runner is closed afterwards. */
export async function runWith(
  runner: SlotRunner,
  options: Partial<OrchestratorOptions> & { maxTrials: number | undefined; pruner?: Pruner; enqueue?: Record<string, unknown>[]; study?: Study },
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-run-db-'));
  const study = options.study ?? (await createStudy({ storage: `sqlite:${join(dir, 'study.db')}`, sampler: new RandomSampler({ seed: 1 }), ...(options.pruner ? { pruner: options.pruner } : {}) }));
  for (const params of options.enqueue ?? []) await study.enqueueTrial(params as Record<string, string>);
  const notices: string[] = [];
  const started: RunResult['started'] = [];
  const reporter: Reporter = { notice: (m) => notices.push(m), trialStart: (t) => started.push({ number: t.number, ...(t.slot ? { slot: t.slot } : {}), ...(t.device ? { device: t.device } : {}) }) };
  try {
    await runOrchestrator({
      space: X_SPACE,
      slots: cpuSlots(2),
      timeoutSeconds: undefined,
      signal: new AbortController().signal,
      info: { metric: 'value', samplerName: 'random', prunerName: 'test' },
      heartbeatSeconds: 0.2,
      ...options,
      study,
      runner,
      reporter,
    });
  } finally {
    await runner.close();
  }
  const trials = await study.getTrials();
  if (options.study === undefined) await study.close();
  return { study, trials, notices, started };
}

export function byNumber(trials: readonly FrozenTrial[]): Map<number, FrozenTrial> {
  return new Map(trials.map((t) => [t.number, t]));
}
