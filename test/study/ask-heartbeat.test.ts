import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createStudy } from '../../src/study/create.js';

describe('askWithin with heartbeat', () => {
  it('beats the new trial before sampling, so a process killed then leaves a trial the stale check finds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-ask-beat-'));
    const study = await createStudy({ storage: `sqlite:${join(dir, 's.db')}` });
    const beaten = await study.askWithin(undefined, { heartbeat: true });
    const plain = await study.askWithin();
    await sleep(20);
    // Only trials with a heartbeat can be stale: an API caller that never beats is left alone.
    const stale = await study.storage.failStaleTrials(study.id, 0.001);
    expect(stale.map((t) => t.number)).toEqual([beaten?.number]);
    expect(plain?.number).toBe(1);
    await study.close();
  });
});
