import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MedianPruner, prunerFromSpec } from '../../src/pruners/index.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { createStudy } from '../../src/study/create.js';
import { TrialPruned } from '../../src/study/trial-pruned.js';
import { makeStudyView, makeTrial } from '../helpers/trials.js';
import { replay } from './replay.js';

const SPECS = [
  { kind: 'median', nStartupTrials: 2 },
  { kind: 'percentile', percentile: 30, nStartupTrials: 1 },
  { kind: 'asha', minResource: 1, reductionFactor: 2 },
  { kind: 'hyperband', maxResource: 8 },
  { kind: 'threshold', upper: 0.8 },
  { kind: 'patient', patience: 1, wrapped: { kind: 'median', nStartupTrials: 1 } },
  { kind: 'curve-rank', nStartupTrials: 2, minGoodTrials: 1 },
  { kind: 'outlook', nStartupTrials: 2, minEvidence: 2, minChance: 0.4, confidence: 0.6 },
] as const;

const specArb = fc.constantFrom(...SPECS);
const curveArb = fc.array(fc.oneof({ weight: 20, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(null) }), { minLength: 1, maxLength: 12 });
const studyArb = fc.array(curveArb, { minLength: 1, maxLength: 10 });

describe('pruners are deterministic functions of the history', () => {
  it('the same study replayed with fresh pruners gives the same decisions', () => {
    fc.assert(
      fc.property(specArb, studyArb, fc.constantFrom('minimize' as const, 'maximize' as const), (spec, curves, direction) => {
        const trials = curves.map((c) => c.map((v, step) => [step, v] as const));
        const a = replay(prunerFromSpec(spec), trials, direction);
        const b = replay(prunerFromSpec(spec), trials, direction);
        expect(a).toEqual(b);
      }),
      { numRuns: 150 },
    );
  });
  it('one pruner object asked about two equal histories answers the same (no private state)', () => {
    fc.assert(
      fc.property(specArb, studyArb, (spec, curves) => {
        const pruner = prunerFromSpec(spec);
        const trials = curves.map((c) => c.map((v, step) => [step, v] as const));
        const first = replay(pruner, trials);
        const second = replay(pruner, trials);
        expect(second).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });
});

describe('unaligned steps', () => {
  // Decreasing straight lines: interpolation between any reported steps is exact, so a
  // study whose trials report every 1, 2 or 3 steps must decide as if all reported every step.
  const lineArb = fc.record({ start: fc.double({ min: 1, max: 2, noNaN: true }), slope: fc.double({ min: 0, max: 0.1, noNaN: true }) });
  it('the median rule decides on the curves, not on which steps were reported', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(lineArb, fc.constantFrom(1, 2, 3)), { minLength: 3, maxLength: 8 }), lineArb, fc.integer({ min: 3, max: 12 }), (others, current, step) => {
        const line = (l: { start: number; slope: number }, s: number): number => l.start - l.slope * s;
        const gridded = others.map(([l, every], number) => {
          const steps = Array.from({ length: 13 }, (_, s) => s).filter((s) => s % every === 0 || s === 12);
          return makeTrial({ number, value: line(l, 12), intermediate: steps.map((s) => [s, line(l, s)] as const) });
        });
        const aligned = others.map(([l], number) => makeTrial({ number, value: line(l, 12), intermediate: Array.from({ length: 13 }, (_, s) => [s, line(l, s)] as const) }));
        const trial = makeTrial({ number: others.length, intermediate: [[step, line(current, step)]] });
        const pruner = new MedianPruner({ nStartupTrials: 1 });
        const withGrid = pruner.prune(makeStudyView([...gridded, trial]), trial);
        const withAll = pruner.prune(makeStudyView([...aligned, trial]), trial);
        // Interpolation rounding can only matter at an exact tie; skip those.
        const values = aligned.map((t) => t.intermediateValues.get(step) as number).sort((a, b) => a - b);
        fc.pre(!values.some((v) => Math.abs(v - line(current, step)) < 1e-9));
        expect(withGrid).toBe(withAll);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a pruned trial never resumes', () => {
  it('in a real study, a PRUNED trial stops at the step that threw and cannot be told again', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, studyArb, async (spec, curves) => {
        const study = await createStudy({ storage: new InMemoryStorage(), pruner: prunerFromSpec(spec) });
        const thrownAt = new Map<number, number>();
        let index = 0;
        await study.optimize(
          async (trial) => {
            const curve = curves[index++ % curves.length] as (number | null)[];
            let last = 0;
            for (const [step, v] of curve.entries()) {
              last = v ?? NaN;
              try {
                await trial.report(step, last);
              } catch (error) {
                if (error instanceof TrialPruned) thrownAt.set(trial.number, step);
                throw error;
              }
            }
            return Number.isNaN(last) ? 0 : last;
          },
          { nTrials: curves.length },
        );
        for (const t of study.trials as FrozenTrial[]) {
          const pruned = t.state === 'PRUNED';
          expect(thrownAt.has(t.number)).toBe(pruned);
          if (!pruned) continue;
          expect(Math.max(...t.intermediateValues.keys())).toBe(thrownAt.get(t.number));
          await expect(study.tell(t.number, 1)).rejects.toMatchObject({ code: 'SODATE_TRIAL_FINISHED' });
        }
      }),
      { numRuns: 40 },
    );
  });
});
