import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactKeeper } from '../../src/artifacts/keeper.js';
import { createPruner } from '../../src/pruners/registry.js';
import { InlineSlots } from '../../src/run/inline-slots.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';
import type { RemoteTrial } from '../../src/run/remote-trial.js';
import { byNumber, cpuSlots, runWith } from './fixtures.js';

/** Trial 1 starts behind trial 0 and ends ahead; trials 2 and 3 stay behind. */
const CURVES = [
  [1, 0.9, 0.8, 0.7, 0.6],
  [2, 1.5, 0.5, 0.3, 0.1],
  [3, 3, 3, 3, 3],
  [4, 4, 4, 4, 4],
] as const;

describe('pausing and resuming a module objective', () => {
  it('hands a promoted trial its checkpoint (trial.resumeFrom, trial.resumeStep) and its reports go on after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-pause-'));
    const resumes: { number: number; from: string | undefined; step: number | undefined; read: string }[] = [];
    const objective = async (trial: RemoteTrial): Promise<number> => {
      const curve = CURVES[trial.number] as readonly number[];
      let start = 0;
      if (trial.resumeFrom !== undefined) {
        const read = readFileSync(trial.resumeFrom, 'utf8');
        resumes.push({ number: trial.number, from: trial.resumeFrom, step: trial.resumeStep, read });
        start = Number(read) + 1;
      }
      for (let step = start; step < curve.length; step++) {
        writeFileSync(join(trial.artifactDir as string, `ckpt-${step}`), String(step));
        trial.saveCheckpoint(`ckpt-${step}`, step);
        await trial.report(step, curve[step] as number);
      }
      return curve[curve.length - 1] as number;
    };
    const { trials, study } = await runWith(new InlineSlots(objective as never), {
      maxTrials: 4,
      slots: cpuSlots(1),
      pruner: createPruner('asha', { minResource: 1, reductionFactor: 2, pause: true }),
      artifacts: new ArtifactKeeper({ dir }),
    });
    const t = byNumber(trials);
    expect(trials.map((x) => x.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'PRUNED']);
    expect(resumes).toEqual([{ number: 1, from: join(dir, study.name, '1', 'ckpt-1'), step: 1, read: '1' }]);
    expect([...(t.get(1)?.intermediateValues ?? [])]).toEqual([[0, 2], [1, 1.5], [2, 0.5], [3, 0.3], [4, 0.1]]);
    expect(t.get(2)?.systemAttrs['sodate:paused']).toBe(true);
  });

  it('stops its own resumed run when a stale check (another process) put the trial back to paused, and resumes it again later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-pause-'));
    const pruner = createPruner('asha', { minResource: 1, reductionFactor: 2, pause: true });
    const study = await createStudy({ storage: `sqlite:${join(dir, 'study.db')}`, sampler: new RandomSampler({ seed: 1 }), pruner });
    let staleSaid = false;
    const objective = async (trial: RemoteTrial): Promise<number> => {
      const curve = CURVES[trial.number] as readonly number[];
      const start = trial.resumeFrom === undefined ? 0 : Number(readFileSync(trial.resumeFrom, 'utf8')) + 1;
      if (trial.resumeFrom !== undefined && !staleSaid) {
        // Another worker's stale check, as if this process had stalled past the grace period
        // (a grace below zero: heartbeats are stored to the second, the last one is this second's).
        staleSaid = true;
        await study.storage.failStaleTrials(study.id, -5);
        await new Promise((r) => setTimeout(r, 800));
      }
      for (let step = start; step < curve.length; step++) {
        writeFileSync(join(trial.artifactDir as string, `ckpt-${step}`), String(step));
        trial.saveCheckpoint(`ckpt-${step}`, step);
        await trial.report(step, curve[step] as number);
      }
      return curve[curve.length - 1] as number;
    };
    const { trials, notices } = await runWith(new InlineSlots(objective as never), { study, maxTrials: 4, slots: cpuSlots(1), pruner, artifacts: new ArtifactKeeper({ dir: join(dir, 'artifacts') }) });
    await study.close();
    expect(notices.filter((n) => n.startsWith('trial 1 '))).toEqual([
      'trial 1 paused at step 1 (checkpoint at step 1); a promotion resumes it',
      'trial 1 promoted: resumed from its checkpoint at step 1',
      'trial 1 was put back to paused (no heartbeat for 30s); its run here stops',
      'trial 1 promoted: resumed from its checkpoint at step 1',
    ]);
    const t = byNumber(trials);
    expect(t.get(1)?.state).toBe('COMPLETE');
    expect(t.get(1)?.systemAttrs['sodate:resumes']).toBe(2);
  });

  it('puts a resumed trial a second Ctrl-C stops back to paused, its checkpoint kept, as a dead process would leave it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-pause-'));
    const pruner = createPruner('asha', { minResource: 1, reductionFactor: 2, pause: true });
    const [first, second] = [new AbortController(), new AbortController()];
    const objective = async (trial: RemoteTrial): Promise<number> => {
      const curve = CURVES[trial.number] as readonly number[];
      const start = trial.resumeFrom === undefined ? 0 : Number(readFileSync(trial.resumeFrom, 'utf8')) + 1;
      if (trial.resumeFrom !== undefined) {
        first.abort();
        second.abort();
        await new Promise((r) => setTimeout(r, 200));
      }
      for (let step = start; step < curve.length; step++) {
        writeFileSync(join(trial.artifactDir as string, `ckpt-${step}`), String(step));
        trial.saveCheckpoint(`ckpt-${step}`, step);
        await trial.report(step, curve[step] as number);
      }
      return curve[curve.length - 1] as number;
    };
    const artifacts = join(dir, 'artifacts');
    const { trials, notices, study } = await runWith(new InlineSlots(objective as never), { maxTrials: 4, slots: cpuSlots(1), pruner, artifacts: new ArtifactKeeper({ dir: artifacts }), signal: first.signal, stopSignal: second.signal });
    expect(notices).toContain('trial 1 interrupted: paused again at its checkpoint (step 1); a later run resumes it');
    const t = byNumber(trials);
    expect(t.get(1)?.state).toBe('PRUNED');
    expect(t.get(1)?.systemAttrs['sodate:paused']).toBe(true);
    expect(readFileSync(join(artifacts, study.name, '1', 'ckpt-1'), 'utf8')).toBe('1');
  });

  it('says once that a paused trial whose checkpoint is not here cannot be resumed, and leaves it paused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-pause-'));
    const pruner = createPruner('asha', { minResource: 1, reductionFactor: 2, pause: true });
    const study = await createStudy({ storage: `sqlite:${join(dir, 'study.db')}`, sampler: new RandomSampler({ seed: 1 }), pruner });
    const objective = async (trial: RemoteTrial): Promise<number> => {
      const curve = CURVES[trial.number % CURVES.length] as readonly number[];
      for (let step = 0; step < curve.length; step++) {
        writeFileSync(join(trial.artifactDir as string, `ckpt-${step}`), String(step));
        trial.saveCheckpoint(`ckpt-${step}`, step);
        await trial.report(step, curve[step] as number);
      }
      return curve[curve.length - 1] as number;
    };
    const artifacts = join(dir, 'artifacts');
    await runWith(new InlineSlots(objective as never), { study, maxTrials: 4, slots: cpuSlots(1), pruner, artifacts: new ArtifactKeeper({ dir: artifacts }) });
    const paused = study.trials.filter((t) => t.systemAttrs['sodate:paused'] === true).map((t) => t.number);
    expect(paused.length).toBeGreaterThan(0);
    for (const n of paused) rmSync(join(artifacts, study.name, String(n)), { recursive: true });
    const { notices } = await runWith(new InlineSlots(objective as never), { study, maxTrials: 6, slots: cpuSlots(1), pruner, artifacts: new ArtifactKeeper({ dir: artifacts }) });
    await study.close();
    const said = notices.filter((n) => / is paused but cannot be resumed here: /.test(n));
    expect(said.length).toBeGreaterThan(0);
    expect(new Set(said).size).toBe(said.length);
    expect(said[0]).toMatch(/checkpoint \S+ckpt-\d is missing \(run where its checkpoint is, or with the --artifact-dir it ran with\); it stays paused$/);
  });

  it('fails a trial that names a checkpoint outside its directory when its pruner pauses, with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-pause-'));
    const objective = async (trial: RemoteTrial): Promise<number> => {
      trial.saveCheckpoint('../elsewhere.pt', 0);
      await trial.report(0, 1);
      return 1;
    };
    const { trials } = await runWith(new InlineSlots(objective as never), { maxTrials: 1, slots: cpuSlots(1), pruner: createPruner('asha', { pause: true }), artifacts: new ArtifactKeeper({ dir }) });
    expect(trials[0]?.state).toBe('FAIL');
    expect(trials[0]?.systemAttrs['fail_reason']).toMatch(/checkpoint \.\.\/elsewhere\.pt is outside the trial's directory .*; save it under SODATE_TRIAL_DIR \(trial\.artifactDir\)/);
  });

  it('only notes a checkpoint outside the directory when nothing pauses: the trial completes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-pause-'));
    const objective = async (trial: RemoteTrial): Promise<number> => {
      trial.saveCheckpoint('../elsewhere.pt', 0);
      await trial.report(0, 1);
      return 1;
    };
    const { trials } = await runWith(new InlineSlots(objective as never), { maxTrials: 1, slots: cpuSlots(1), artifacts: new ArtifactKeeper({ dir }) });
    expect(trials[0]?.state).toBe('COMPLETE');
    expect(trials[0]?.systemAttrs['sodate:checkpoint']).toBeUndefined();
    expect(String(trials[0]?.systemAttrs['sodate:log_tail'] ?? '')).toMatch(/checkpoint \.\.\/elsewhere\.pt ignored: .*outside the trial's directory/);
  });
});
