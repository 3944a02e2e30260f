import { readFileSync } from 'node:fs';
import type { JsonValue } from '../../src/json.js';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../src/space/distributions.js';
import type { FrozenTrial, StudyRecord, TrialState } from '../../src/storage/records.js';
import type { StudyHeader } from '../../src/tui/index.js';

/** A deterministic generator (mulberry32), so recorded studies are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SPACE: Record<string, Distribution> = {
  lr: floatDistribution(1e-5, 1e-2, { log: true }),
  batch_size: categoricalDistribution([16, 32, 64, 128]),
  warmup_epochs: intDistribution(0, 3),
  optimizer: categoricalDistribution(['adamw', 'sgd']),
};

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export interface SyntheticOptions {
  readonly trials: number;
  /** How many of the last trials are still running. */
  readonly running?: number;
  /** Intermediate values per trial. */
  readonly steps?: number;
  readonly seed?: number;
  /** Seconds each trial takes. */
  readonly seconds?: number;
}

/**
 * A study like a real one: loss curves that fall with the step and depend on lr (the
 * parameter that matters), some pruned and failed trials, the last ones running with a
 * slot, a device and an expected total of steps.
 */
export function syntheticTrials(options: SyntheticOptions): FrozenTrial[] {
  const rand = seeded(options.seed ?? 1);
  const steps = options.steps ?? 20;
  const seconds = options.seconds ?? 30;
  const running = options.running ?? 0;
  const out: FrozenTrial[] = [];
  for (let n = 0; n < options.trials; n++) {
    const params: Record<string, ParamValue> = {
      lr: 10 ** (-5 + 3 * rand()),
      batch_size: [16, 32, 64, 128][Math.floor(rand() * 4)] as number,
      warmup_epochs: Math.floor(rand() * 4),
      optimizer: rand() < 0.5 ? 'adamw' : 'sgd',
    };
    const internalParams: Record<string, number> = {};
    for (const [k, v] of Object.entries(params)) internalParams[k] = toInternal(SPACE[k] as Distribution, v);
    const quality = Math.abs(Math.log10(params['lr'] as number) + 3); // best near lr = 1e-3
    const isRunning = n >= options.trials - running;
    const roll = rand();
    let state: TrialState = isRunning ? 'RUNNING' : roll < 0.15 ? 'PRUNED' : roll < 0.2 ? 'FAIL' : 'COMPLETE';
    const reported = state === 'RUNNING' ? Math.floor(steps * (0.2 + 0.6 * rand())) : state === 'PRUNED' ? Math.floor(steps / 3) : state === 'FAIL' ? 2 : steps;
    const curve = new Map<number, number>();
    for (let s = 0; s < reported; s++) curve.set(s, 0.2 + quality * 0.5 + 2 / (s + 1) + 0.05 * rand());
    const start = T0 + n * seconds * 1000;
    const systemAttrs: Record<string, JsonValue> = {};
    if (state === 'RUNNING') {
      const slot = n % 2;
      systemAttrs['sodate:slot'] = `gpu${slot}#1`;
      systemAttrs['sodate:device'] = `cuda:${slot}`;
      systemAttrs['sodate:max_step'] = steps - 1;
    }
    if (state === 'FAIL') systemAttrs['fail_reason'] = 'CUDA out of memory. Tried to allocate 2.00 GiB';
    const last = curve.get(reported - 1);
    if (state === 'COMPLETE' && last === undefined) state = 'FAIL';
    out.push({
      id: n + 1,
      number: n,
      state,
      values: state === 'COMPLETE' || state === 'PRUNED' ? [last as number] : null,
      params,
      internalParams,
      distributions: SPACE,
      intermediateValues: curve,
      userAttrs: {},
      systemAttrs,
      datetimeStart: new Date(start),
      datetimeComplete: state === 'RUNNING' ? null : new Date(start + seconds * 1000 * (reported / steps)),
    });
  }
  return out;
}

export const HEADER: StudyHeader = {
  name: 'image-baseline',
  direction: 'minimize',
  metric: 'val_loss',
  sampler: 'tpe',
  pruner: 'median',
  maxTrials: 60,
};

interface RecordedTrial extends Omit<FrozenTrial, 'intermediateValues' | 'datetimeStart' | 'datetimeComplete'> {
  intermediateValues: [number, number][];
  datetimeStart: string | null;
  datetimeComplete: string | null;
}

/**
 * A study recorded from a real `sodate tune` run (3 CPU slots, median pruner, an
 * objective that fails for x > 0.85) while its last trial was running.
 */
export function recordedRunningStudy(): { study: StudyRecord; trials: FrozenTrial[]; recordedAt: number } {
  const raw = JSON.parse(readFileSync(new URL('./fixtures/running-study.json', import.meta.url), 'utf8')) as { study: StudyRecord; trials: RecordedTrial[]; recordedAt: string };
  const trials = raw.trials.map((t) => ({
    ...t,
    intermediateValues: new Map(t.intermediateValues),
    datetimeStart: t.datetimeStart === null ? null : new Date(t.datetimeStart),
    datetimeComplete: t.datetimeComplete === null ? null : new Date(t.datetimeComplete),
  }));
  return { study: raw.study, trials, recordedAt: Date.parse(raw.recordedAt) + 500 };
}

export const MO_HEADER: StudyHeader = {
  name: 'image-pareto',
  direction: 'minimize',
  metric: 'val_loss',
  directions: ['minimize', 'minimize'],
  metrics: ['val_loss', 'latency_ms'],
  sampler: 'nsga2',
  pruner: 'none',
  maxTrials: 60,
};

/**
 * A two-objective study on `syntheticTrials`' trials: val_loss as there, latency_ms falling
 * as val_loss rises (a trade-off), every fifth complete trial past its latency constraint.
 */
export function multiObjectiveTrials(options: SyntheticOptions): FrozenTrial[] {
  return syntheticTrials(options).map((t) => {
    if (t.state !== 'COMPLETE' || t.values === null) return t;
    const loss = t.values[0] as number;
    const latency = Number((12 / loss + 30 * (((t.number * 7919) % 13) / 13)).toFixed(3));
    return { ...t, values: [loss, latency], systemAttrs: { ...t.systemAttrs, 'constraints:memory_gb': t.number % 5 === 3 ? 2 : -1 } };
  });
}
