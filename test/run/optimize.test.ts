import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';

describe('study.optimize on the orchestrator', () => {
  it('runs nJobs trials at once in inline slots and returns the ones it ran', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    let running = 0;
    let most = 0;
    const finished = await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat('x', 0, 1);
        most = Math.max(most, ++running);
        await sleep(20);
        running--;
        return x;
      },
      { nTrials: 7, nJobs: 3 },
    );
    expect(most).toBe(3);
    expect(finished).toHaveLength(7);
    expect(study.trials.map((t) => t.state)).toEqual(Array(7).fill('COMPLETE'));
    expect(new Set(study.trials.map((t) => t.systemAttrs['sodate:slot']))).toEqual(new Set(['inline#0', 'inline#1', 'inline#2']));
  });

  it('records a trial past trialTimeoutSeconds as FAIL and goes on', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(async (trial) => (trial.number === 0 ? sleep(2000).then(() => 1) : 2), { nTrials: 2, trialTimeoutSeconds: 0.2 });
    expect(study.trials.map((t) => t.state)).toEqual(['FAIL', 'COMPLETE']);
    expect(study.trials[0]?.systemAttrs['fail_reason']).toBe('timed out after 0.2s');
  });

  it('beats a heartbeat for its running trials, so another process can fail them if this one dies', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    let stale: number[] = [];
    await study.optimize(
      async () => {
        await sleep(20);
        // What another process's stale check sees with a grace shorter than the time since the last beat.
        stale = (await study.storage.failStaleTrials(study.id, 0.001)).map((t) => t.number);
        return 1;
      },
      { nTrials: 1 },
    );
    expect(stale).toEqual([0]);
  });

  it('rejects with the error of a callback that throws and asks no further trial', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const run = study.optimize(() => 1, {
      nTrials: 5,
      callbacks: [
        (_, trial) => {
          if (trial.number === 1) throw new Error('stop here');
        },
      ],
    });
    await expect(run).rejects.toThrow('stop here');
    expect(study.trials.map((t) => t.number)).toEqual([0, 1]);
  });

  it('refuses an nJobs that is not a positive integer, naming it', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await expect(study.optimize(() => 1, { nJobs: 0 })).rejects.toThrow('nJobs must be a positive integer, got 0');
  });
});
