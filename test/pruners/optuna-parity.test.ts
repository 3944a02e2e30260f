import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prunerFromSpec } from '../../src/pruners/index.js';
import type { Reports } from './replay.js';
import { replay } from './replay.js';

/**
 * The classic rules are Optuna 3.1's, decision for decision: random sequential studies
 * (ties, NaN, trials of different lengths, both directions) are replayed here and by
 * Optuna itself (test/pruners/optuna-oracle.py), and every check must agree.
 */
const here = dirname(fileURLToPath(import.meta.url));
const probe = spawnSync('/usr/bin/python3', ['-c', 'import optuna; assert optuna.__version__.startswith("3.")'], { encoding: 'utf8' });
const haveOptuna = probe.status === 0;

interface Case {
  name: string;
  direction: 'minimize' | 'maximize';
  /** snake_case options for Optuna, camelCase for sodate. */
  optuna: Record<string, unknown>;
  sodate: Record<string, unknown>;
  trials: Reports[];
}

const SPECS: readonly { optuna: Record<string, unknown>; sodate: Record<string, unknown> }[] = [
  { optuna: { kind: 'median' }, sodate: { kind: 'median' } },
  { optuna: { kind: 'median', n_startup_trials: 2, n_warmup_steps: 2, interval_steps: 2 }, sodate: { kind: 'median', nStartupTrials: 2, nWarmupSteps: 2, intervalSteps: 2 } },
  { optuna: { kind: 'median', n_startup_trials: 1, n_min_trials: 3 }, sodate: { kind: 'median', nStartupTrials: 1, nMinTrials: 3 } },
  { optuna: { kind: 'percentile', percentile: 25, n_startup_trials: 2 }, sodate: { kind: 'percentile', percentile: 25, nStartupTrials: 2 } },
  { optuna: { kind: 'percentile', percentile: 80, n_startup_trials: 0, interval_steps: 3 }, sodate: { kind: 'percentile', percentile: 80, nStartupTrials: 0, intervalSteps: 3 } },
  { optuna: { kind: 'asha' }, sodate: { kind: 'asha' } },
  { optuna: { kind: 'asha', min_resource: 1, reduction_factor: 2 }, sodate: { kind: 'asha', minResource: 1, reductionFactor: 2 } },
  { optuna: { kind: 'asha', min_resource: 2, reduction_factor: 3, min_early_stopping_rate: 1, bootstrap_count: 2 }, sodate: { kind: 'asha', minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1, bootstrapCount: 2 } },
  { optuna: { kind: 'hyperband' }, sodate: { kind: 'hyperband' } },
  { optuna: { kind: 'hyperband', min_resource: 1, max_resource: 9, reduction_factor: 2 }, sodate: { kind: 'hyperband', minResource: 1, maxResource: 9, reductionFactor: 2 } },
  { optuna: { kind: 'threshold', lower: 0.2, upper: 0.8, n_warmup_steps: 1 }, sodate: { kind: 'threshold', lower: 0.2, upper: 0.8, nWarmupSteps: 1 } },
  { optuna: { kind: 'patient', patience: 2 }, sodate: { kind: 'patient', patience: 2 } },
  { optuna: { kind: 'patient', patience: 1, min_delta: 0.05, wrapped: { kind: 'median', n_startup_trials: 2 } }, sodate: { kind: 'patient', patience: 1, minDelta: 0.05, wrapped: { kind: 'median', nStartupTrials: 2 } } },
];

/** A study of 6–14 trials, each reporting steps 0..n−1 (n from 1 to 10), values on a coarse grid so ties happen, some NaN. */
const studyArb = fc.array(
  fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc.array(fc.oneof({ weight: 30, arbitrary: fc.integer({ min: 0, max: 20 }).map((v) => v / 20) }, { weight: 1, arbitrary: fc.constant(null) }), { minLength: n, maxLength: n }),
  ),
  { minLength: 6, maxLength: 14 },
);

function cases(): Case[] {
  const out: Case[] = [];
  const studies = fc.sample(studyArb, { seed: 20240611, numRuns: 12 });
  let k = 0;
  for (const spec of SPECS) {
    for (const [i, values] of studies.entries()) {
      const trials = values.map((vs) => vs.map((v, step) => [step, v] as const));
      out.push({ name: `parity-${k++}`, direction: i % 3 === 2 ? 'maximize' : 'minimize', optuna: spec.optuna, sodate: spec.sodate, trials });
    }
  }
  return out;
}

describe.skipIf(!haveOptuna)('classic pruners decide as Optuna 3.1 does', () => {
  const all = cases();
  const result = spawnSync('/usr/bin/python3', [join(here, 'optuna-oracle.py')], {
    input: JSON.stringify(all.map((c) => ({ name: c.name, direction: c.direction, pruner: c.optuna, trials: c.trials }))),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const expected = result.status === 0 ? (JSON.parse(result.stdout) as [number, boolean][][][]) : [];

  it('runs the oracle', () => {
    expect(result.status, result.stderr).toBe(0);
    expect(expected).toHaveLength(all.length);
  });

  for (const spec of SPECS) {
    it(`${JSON.stringify(spec.sodate)} matches on every check of 12 random studies`, () => {
      for (const [i, c] of all.entries()) {
        if (c.sodate !== spec.sodate) continue;
        const actual = replay(prunerFromSpec(c.sodate), c.trials, c.direction, c.name);
        expect({ case: c.name, log: actual }).toEqual({ case: c.name, log: expected[i] });
      }
    });
  }
});
