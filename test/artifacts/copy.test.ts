import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANGED_SINCE_RECORDED, copyArtifacts } from '../../src/artifacts/copy.js';
import { artifactEntries } from '../../src/artifacts/listing.js';
import { ArtifactCopyError } from '../../src/artifacts/local-files.js';
import { OwnerCheck, claimStudyDir } from '../../src/artifacts/owner.js';
import { artifactAttrs, scanArtifacts } from '../../src/artifacts/record.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { ARTIFACT_DIR_ATTR, ARTIFACT_REMOTE_ATTR } from '../../src/storage/metadata.js';
import { makeTrial } from '../helpers/trials.js';

/** A trial of study `demo` under a fresh root, its files written and recorded. */
async function recordedTrial(files: Record<string, string>, extra: Record<string, string | Record<string, string>> = {}): Promise<{ root: string; dir: string; trial: FrozenTrial }> {
  const root = mkdtempSync(join(tmpdir(), 'sodate-copy-'));
  const dir = join(root, 'demo', '0');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const attrs = artifactAttrs('demo', 0, (await scanArtifacts(dir)).files);
  return { root, dir, trial: makeTrial({ number: 0, value: 1, systemAttrs: { ...attrs, [ARTIFACT_DIR_ATTR]: dir, ...extra } }) };
}

function copyError(error: unknown): ArtifactCopyError {
  expect(error).toBeInstanceOf(ArtifactCopyError);
  return error as ArtifactCopyError;
}

describe('--copy-to checks what it copies', () => {
  it('does not copy a file changed since it was recorded at the same size (the listing, by size, still says present)', async () => {
    const { root, dir, trial } = await recordedTrial({ 'model.txt': 'weights-1', 'notes.txt': 'ok' });
    writeFileSync(join(dir, 'model.txt'), 'weights-2');
    expect(artifactEntries(trial).map((e) => e.status)).toEqual(['present', 'present']);
    const { copied, skipped } = await copyArtifacts(trial, join(root, 'out'));
    expect(copied.map((e) => e.name)).toEqual(['notes.txt']);
    expect(skipped.map((e) => [e.name, e.why])).toEqual([['model.txt', CHANGED_SINCE_RECORDED]]);
    expect(existsSync(join(root, 'out', 'model.txt'))).toBe(false);
    expect(readFileSync(join(root, 'out', 'notes.txt'), 'utf8')).toBe('ok');
  });

  it('leaves no folder behind when the only file changed', async () => {
    const { root, dir, trial } = await recordedTrial({ 'model.txt': 'weights-1' });
    writeFileSync(join(dir, 'model.txt'), 'weights-2');
    expect((await copyArtifacts(trial, join(root, 'out', 'best'))).copied).toEqual([]);
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('refuses a target that is a file, or lies under one, in one line naming it, before copying anything', async () => {
    const { root, trial } = await recordedTrial({ 'model.txt': 'w' });
    const file = join(root, 'taken');
    writeFileSync(file, 'x');
    const isFile = copyError(await copyArtifacts(trial, file).catch((e: unknown) => e));
    expect(isFile.code).toBe('SODATE_ARTIFACT_COPY');
    expect(isFile.exitCode).toBe(2);
    expect(isFile.message).toBe(`cannot copy into ${file}: it is a file, not a directory; give --copy-to a directory you can write (it is created if missing)`);
    const under = copyError(await copyArtifacts(trial, join(file, 'sub', 'best')).catch((e: unknown) => e));
    expect(under.message).toBe(`cannot copy into ${join(file, 'sub', 'best')}: it lies under the file ${file}; give --copy-to a directory you can write (it is created if missing)`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses, naming the file, when a directory of the target is in the way of one file', async () => {
    const { root, trial } = await recordedTrial({ 'model.txt': 'w' });
    mkdirSync(join(root, 'out', 'model.txt'), { recursive: true });
    const error = copyError(await copyArtifacts(trial, join(root, 'out')).catch((e: unknown) => e));
    expect(error.message).toBe(`cannot copy into ${join(root, 'out')}: ${join(root, 'out', 'model.txt')}: a directory is in the way; give --copy-to a directory you can write (it is created if missing)`);
  });
});

describe('listing a trial whose folder another study claims, or whose upload waits', () => {
  it('says missing, and why, rather than list the other study’s files as this one’s', async () => {
    const { root, trial } = await recordedTrial({ 'model.txt': 'w' });
    const mine = { study: 'demo', studyId: 1, storage: 'sqlite:/runs/exp-a.db' };
    expect(artifactEntries(trial, new OwnerCheck(mine)).map((e) => e.status)).toEqual(['present']);
    claimStudyDir(root, { ...mine, storage: 'sqlite:/runs/exp-b.db' });
    const [entry] = artifactEntries(trial, new OwnerCheck(mine));
    expect(entry).toMatchObject({ status: 'missing', why: `${join(root, 'demo')} belongs to study demo (id 1) of sqlite:/runs/exp-b.db` });
  });

  it('lists a file not uploaded yet at its local staging path, without the URL it will have', async () => {
    const { dir, trial: plain } = await recordedTrial({ 'model.txt': 'w' });
    const attrs = artifactAttrs('demo', 0, (await scanArtifacts(dir)).files, new Date(), (name) => `s3://bucket/runs/demo/0/${name}`);
    const trial = makeTrial({ number: 0, value: 1, systemAttrs: { ...plain.systemAttrs, ...attrs, [ARTIFACT_REMOTE_ATTR]: { url: 's3://bucket/runs/demo/0/' } } });
    const [entry] = artifactEntries(trial);
    expect(entry).toMatchObject({ status: 'present', path: join(dir, 'model.txt') });
    expect(entry?.url).toBeUndefined();
  });
});
