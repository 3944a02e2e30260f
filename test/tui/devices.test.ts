import { describe, expect, it } from 'vitest';
import { CachedStorage } from '../../src/storage/cached.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { TrialCursor } from '../../src/storage/records.js';
import { DevicePoller, TrialFeed, parseNvidiaSmi } from '../../src/tui/index.js';

describe('device panel readings', () => {
  it('parses nvidia-smi CSV without units', () => {
    expect(parseNvidiaSmi('0, 87, 12034, 24576\n1, 3, 400, 24576\n')).toEqual([
      { index: 0, utilization: 87, memoryUsedMiB: 12034, memoryTotalMiB: 24576 },
      { index: 1, utilization: 3, memoryUsedMiB: 400, memoryTotalMiB: 24576 },
    ]);
    expect(parseNvidiaSmi('[N/A], 1, 2, 3\n\n')).toEqual([]);
  });

  it('reads GPUs through nvidia-smi, with the query the issue names', async () => {
    const calls: string[][] = [];
    const poller = new DevicePoller({ run: async (cmd, args) => (calls.push([cmd, ...args]), '0, 50, 1024, 2048\n') });
    const reading = await poller.read();
    expect(reading.gpus).toEqual([{ index: 0, utilization: 50, memoryUsedMiB: 1024, memoryTotalMiB: 2048 }]);
    expect(calls[0]).toEqual(['nvidia-smi', '--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits']);
  });

  it('falls back to CPU and memory when nvidia-smi is missing, and stops trying it', async () => {
    let tries = 0;
    const poller = new DevicePoller({
      run: async () => {
        tries++;
        throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
      },
    });
    const first = await poller.read();
    const until = Date.now() + 120;
    while (Date.now() < until); // let the CPU counters tick
    const second = await poller.read();
    expect(first.gpus).toEqual([]);
    expect(first.cpuUtilization).toBeNull();
    expect(second.cpuUtilization).not.toBeNull();
    expect(second.memoryTotalBytes).toBeGreaterThan(second.memoryUsedBytes);
    expect(tries).toBe(1);
  });
});

describe('trial feed', () => {
  it('reads incrementally: after the first read, only what changed since the cursor', async () => {
    const inner = new InMemoryStorage();
    const cursors: TrialCursor[] = [];
    const trialsSince = inner.trialsSince.bind(inner);
    inner.trialsSince = (studyId, cursor) => (cursors.push(cursor), trialsSince(studyId, cursor));
    const storage = new CachedStorage(inner);
    const study = await storage.createStudy({ name: 's', direction: 'minimize' });
    for (let i = 0; i < 5; i++) {
      const t = await storage.createTrial(study.id);
      await storage.finishTrial(t?.id as number, 'COMPLETE', [i]);
    }
    const seen: number[] = [];
    const feed = new TrialFeed({ read: () => storage.allTrials(study.id), onTrials: (trials) => seen.push(trials.length) });
    await feed.refresh();
    const running = await storage.createTrial(study.id);
    await feed.refresh();
    await storage.report(running?.id as number, 0, 1);
    await feed.refresh();
    expect(seen).toEqual([5, 6, 6]);
    expect(cursors[0]?.lastTrialId).toBe(0);
    expect(cursors[1]?.lastTrialId).toBe(5);
    expect(cursors[2]).toEqual({ lastTrialId: 6, openTrialIds: [6] });
  });

  it('joins a read in flight instead of starting another, and reports errors without stopping', async () => {
    let reads = 0;
    const errors: unknown[] = [];
    const feed = new TrialFeed({
      read: async () => {
        reads++;
        await new Promise((r) => setTimeout(r, 10));
        if (reads === 2) throw new Error('database is locked');
        return [];
      },
      onTrials: () => undefined,
      onError: (e) => errors.push(e),
    });
    await Promise.all([feed.refresh(), feed.refresh(), feed.refresh()]);
    expect(reads).toBe(1);
    await feed.refresh();
    await feed.refresh();
    expect(reads).toBe(3);
    expect(errors).toHaveLength(1);
  });
});
