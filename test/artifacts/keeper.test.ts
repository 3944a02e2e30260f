import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactKeeper } from '../../src/artifacts/keeper.js';
import { artifactEntries } from '../../src/artifacts/listing.js';
import { keptTrialNumbers } from '../../src/artifacts/retention.js';
import type { RemoteTrial } from '../../src/run/remote-trial.js';
import { InlineSlots } from '../../src/run/inline-slots.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';
import { runWith } from '../run/fixtures.js';
import { ARTIFACTS_DELETED_ATTR, ARTIFACT_DIR_ATTR } from '../../src/storage/metadata.js';

function root(): string {
  return mkdtempSync(join(tmpdir(), 'sodate-keeper-'));
}

describe('artifact directories in the orchestrator', () => {
  it('gives every trial its directory, records what it wrote and keeps only the best one with keep: 1', async () => {
    const dir = root();
    const artifacts = new ArtifactKeeper({ dir, keep: 1 });
    const seen: string[] = [];
    const objective = (trial: RemoteTrial) => {
      seen.push(trial.artifactDir as string);
      writeFileSync(join(trial.artifactDir as string, 'x.txt'), String(trial.params['x']));
      return trial.params['x'] as number;
    };
    const { trials, study } = await runWith(new InlineSlots(objective as never), { maxTrials: 5, artifacts, slots: [{ name: 'cpu#0', device: 'cpu', gpu: null }] });
    expect(seen).toEqual(trials.map((t) => join(dir, study.name, String(t.number))));
    const best = [...trials].sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number))[0];
    expect(readdirSync(join(dir, study.name))).toEqual([String(best?.number)]);
    for (const t of trials) {
      expect(t.systemAttrs[ARTIFACT_DIR_ATTR]).toBe(join(dir, study.name, String(t.number)));
      expect(artifactEntries(t).map((e) => [e.name, e.status])).toEqual([['x.txt', t.number === best?.number ? 'present' : 'deleted']]);
      expect(t.systemAttrs[ARTIFACTS_DELETED_ATTR] !== undefined).toBe(t.number !== best?.number);
    }
  });

  it("deletes a failed trial's directory, and writes one log line for a link out of it", async () => {
    const dir = root();
    const outside = join(root(), 'elsewhere.txt');
    writeFileSync(outside, 'x');
    const artifacts = new ArtifactKeeper({ dir });
    const logs = root();
    const objective = (trial: RemoteTrial) => {
      symlinkSync(outside, join(trial.artifactDir as string, 'escape.txt'));
      if (trial.number === 1) throw new Error('boom');
      return 1;
    };
    const { trials, study } = await runWith(new InlineSlots(objective as never), { maxTrials: 2, artifacts, logDir: logs, slots: [{ name: 'cpu#0', device: 'cpu', gpu: null }] });
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL']);
    expect(existsSync(join(dir, study.name, '0', 'escape.txt'))).toBe(true);
    expect(existsSync(join(dir, study.name, '1'))).toBe(false);
    expect(existsSync(outside)).toBe(true);
    const log = readFileSync(join(logs, study.name, '0.log'), 'utf8');
    expect(log.split('\n').filter((l) => /symbolic link/.test(l))).toHaveLength(1);
    expect(log).toMatch(/escape\.txt" is a symbolic link to .*elsewhere\.txt, outside the trial's directory/);
    expect(String(trials[0]?.systemAttrs['sodate:log_tail'])).toMatch(/not recorded/);
  });

  it('sweeping after every trial leaves what one decision over the whole study keeps (single and several objectives)', async () => {
    for (const directions of [['maximize'], ['minimize', 'maximize']] as const) {
      const dir = root();
      const study = await createStudy({ name: 's', storage: `sqlite:${join(root(), 's.db')}`, directions: [...directions], sampler: new RandomSampler({ seed: 1 }) });
      const keeper = new ArtifactKeeper({ dir, keep: 3 });
      let seed = 7;
      const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let i = 0; i < 40; i++) {
        const t = await study.ask();
        writeFileSync(join(keeper.prepare('s', t), 'f'), 'x');
        await keeper.record(join(dir, 's', String(t.number)), 's', t, () => undefined);
        if (i % 7 === 3) await study.tell(t, { state: 'pruned' });
        else await study.tell(t, directions.length === 1 ? next() : [next(), next()]);
        await keeper.sweep(study);
      }
      const kept = [...(keptTrialNumbers(study.trials, study.directions, 3) ?? [])].sort((a, b) => a - b);
      expect(kept.length).toBeGreaterThanOrEqual(directions.length === 1 ? 3 : 1);
      expect(readdirSync(join(dir, 's')).map(Number).sort((a, b) => a - b)).toEqual(kept);
      await study.close();
    }
  });

  it('deletes the directory of a trial killed before its path was stored', async () => {
    const dir = root();
    const study = await createStudy({ name: 's', storage: `sqlite:${join(root(), 's.db')}`, sampler: new RandomSampler({ seed: 1 }) });
    const t = await study.ask();
    mkdirSync(join(dir, 's', '0'), { recursive: true });
    await study.tell(t, { state: 'fail', error: new Error('killed') });
    await new ArtifactKeeper({ dir }).sweep(study);
    expect(existsSync(join(dir, 's', '0'))).toBe(false);
    await study.close();
  });

  it('never deletes a RUNNING trial, and finishes pending deletions on a later sweep (as after a kill -9)', async () => {
    const dir = root();
    const db = join(root(), 's.db');
    const study = await createStudy({ name: 's', storage: `sqlite:${db}`, sampler: new RandomSampler({ seed: 1 }) });
    const keeper = new ArtifactKeeper({ dir, keep: 1 });
    const running = await study.ask();
    const path = keeper.prepare('s', running);
    writeFileSync(join(path, 'ckpt'), 'half');
    await running.flush();
    const done: number[] = [];
    for (const value of [3, 1, 2]) {
      const t = await study.ask();
      keeper.prepare('s', t);
      await study.tell(t, value);
      done.push(t.number);
    }
    // The process "died" before any sweep: every directory is still there.
    expect(readdirSync(join(dir, 's')).sort()).toEqual(['0', '1', '2', '3']);
    await new ArtifactKeeper({ dir, keep: 1 }).sweep(study);
    expect(readdirSync(join(dir, 's')).sort()).toEqual(['0', '2']);
    // Idempotent: a second sweep changes nothing.
    await new ArtifactKeeper({ dir, keep: 1 }).sweep(study);
    expect(readdirSync(join(dir, 's')).sort()).toEqual(['0', '2']);
    await study.close();
  });
});
