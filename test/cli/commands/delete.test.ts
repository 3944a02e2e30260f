import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/index.js';
import type { CliIo } from '../../../src/cli/io.js';
import { openStorage } from '../../../src/storage/url.js';
import { createStudy } from '../../../src/study/create.js';

/** A SQLite study `live` holding one RUNNING trial whose heartbeat was beaten `ageSeconds` ago, as a running `sodate tune` leaves it. */
async function liveStudy(ageSeconds: number): Promise<string> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sodate-delete-')), 'live.db')}`;
  const study = await createStudy({ name: 'live', storage: url });
  await study.ask().then((t) => study.tell(t, 1));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() - ageSeconds * 1000);
  await study.askWithin(undefined, { heartbeat: true });
  vi.useRealTimers();
  await study.close();
  return url;
}

async function deleteLive(url: string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (text: string) => (out += text) }, err: { write: (text: string) => (err += text) }, cwd: tmpdir() };
  const code = await main(['delete', 'live', '--storage', url, ...flags], io);
  return { code, out, err };
}

/** The states of study `live`'s trials in `url`, or null when the study is gone. */
async function storedStates(url: string): Promise<string[] | null> {
  const storage = await openStorage(url);
  try {
    const study = await storage.loadStudy('live');
    if (study === null) return null;
    return (await storage.trialsSince(study.id, { lastTrialId: 0, openTrialIds: [] })).trials.map((t) => t.state);
  } finally {
    await storage.close();
  }
}

describe('sodate delete', () => {
  afterEach(() => vi.useRealTimers());

  it('refuses in one line, keeping every trial, while a trial is RUNNING with a fresh heartbeat', async () => {
    const url = await liveStudy(1);
    const { code, out, err } = await deleteLive(url);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('sodate delete: study live has 1 trial (#1) RUNNING with a fresh heartbeat or none (another process is working on it, or another tool left it open); stop that run and try again (a dead process\'s trials are failed after 30s without a heartbeat), or pass --force to delete it anyway\n');
    expect(await storedStates(url)).toEqual(['COMPLETE', 'RUNNING']);
  });

  it('deletes a study with a fresh RUNNING trial when given --force', async () => {
    const url = await liveStudy(1);
    const { code, out } = await deleteLive(url, '--force');
    expect(code).toBe(0);
    expect(out).toMatch(/^deleted study live \(2 trials\)/);
    expect(await storedStates(url)).toBeNull();
  });

  it('deletes without --force a study whose RUNNING trial has a stale heartbeat (its process died)', async () => {
    const url = await liveStudy(60);
    const { code, out } = await deleteLive(url);
    expect(code).toBe(0);
    expect(out).toMatch(/^deleted study live \(2 trials\)/);
    expect(await storedStates(url)).toBeNull();
  });

  it('names --force in its help', async () => {
    let out = '';
    await main(['delete', '--help'], { out: { write: (text: string) => (out += text) }, err: { write: () => true }, cwd: tmpdir() });
    expect(out).toContain('[--force]');
  });
});
