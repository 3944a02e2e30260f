import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyArtifacts } from '../../src/artifacts/copy.js';
import { artifactEntries } from '../../src/artifacts/listing.js';
import { artifactAttrs, artifactId, guessMimeType, recordedArtifacts, scanArtifacts } from '../../src/artifacts/record.js';
import { makeTrial } from '../helpers/trials.js';
import { ARTIFACTS_DELETED_ATTR, ARTIFACT_DIR_ATTR } from '../../src/storage/metadata.js';

function trialDir(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'sodate-artifacts-'));
  const dir = join(root, 'study', '0');
  mkdirSync(dir, { recursive: true });
  return { root, dir };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('recording a trial directory', () => {
  it('records every regular file, nested ones by their relative name, with size and sha256', async () => {
    const { dir } = trialDir();
    writeFileSync(join(dir, 'model.bin'), 'weights');
    mkdirSync(join(dir, 'preds'));
    writeFileSync(join(dir, 'preds', 'oof.csv'), 'a,b\n1,2\n');
    const scan = await scanArtifacts(dir);
    expect(scan.refused).toEqual([]);
    expect(scan.files).toEqual([
      { name: 'model.bin', size: 7, sha256: sha256('weights') },
      { name: 'preds/oof.csv', size: 8, sha256: sha256('a,b\n1,2\n') },
    ]);
  });

  it('refuses a symbolic link pointing outside the directory with one line, and never reads it', async () => {
    const { root, dir } = trialDir();
    writeFileSync(join(root, 'secret.txt'), 'do not record');
    symlinkSync(join(root, 'secret.txt'), join(dir, 'leak.txt'));
    symlinkSync('../../..', join(dir, 'up'));
    writeFileSync(join(dir, 'ok.txt'), 'fine');
    const scan = await scanArtifacts(dir);
    expect(scan.files.map((f) => f.name)).toEqual(['ok.txt']);
    expect(scan.refused).toHaveLength(2);
    expect(scan.refused[0]).toMatch(/^artifact "leak.txt" is a symbolic link to .*secret\.txt, outside the trial's directory .*; not recorded/);
    expect(scan.refused[1]).toMatch(/^artifact "up" is a symbolic link to .*, outside the trial's directory/);
  });

  it('does not record a symbolic link that stays inside either (its target is recorded under its own name)', async () => {
    const { dir } = trialDir();
    writeFileSync(join(dir, 'best.pt'), 'w');
    symlinkSync('best.pt', join(dir, 'latest.pt'));
    const scan = await scanArtifacts(dir);
    expect(scan.files.map((f) => f.name)).toEqual(['best.pt']);
    expect(scan.refused).toEqual(['artifact "latest.pt" is a symbolic link; not recorded (its target is recorded under its own name)']);
  });

  it('refuses a trial directory that was replaced by a link, and finds nothing in a missing one', async () => {
    const { root, dir } = trialDir();
    rmSync(dir, { recursive: true });
    symlinkSync(root, dir);
    expect((await scanArtifacts(dir)).refused[0]).toMatch(/is a symbolic link; nothing in it was recorded/);
    expect(await scanArtifacts(join(root, 'nope'))).toEqual({ files: [], refused: [] });
  });

  it("stores one artifacts:<id> attribute per file in Optuna's layout (a JSON string with artifact_id, filename, mimetype, encoding)", () => {
    const attrs = artifactAttrs('s', 3, [{ name: 'preds/oof.csv.gz', size: 10, sha256: 'ab' }], new Date('2025-01-01T00:00:00Z'));
    const id = artifactId('s', 3, 'preds/oof.csv.gz');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(JSON.parse(attrs[`artifacts:${id}`] as string)).toEqual({ artifact_id: id, filename: 'preds/oof.csv.gz', mimetype: 'text/csv', encoding: 'gzip', size: 10, sha256: 'ab' });
    expect(attrs['sodate:artifacts_recorded']).toEqual({ at: '2025-01-01T00:00:00.000Z', files: 1, bytes: 10 });
    expect(recordedArtifacts({ systemAttrs: attrs })).toEqual([{ name: 'preds/oof.csv.gz', size: 10, sha256: 'ab' }]);
  });

  it('gives the same id to the same file of the same trial, and another to another trial', () => {
    expect(artifactId('s', 1, 'a')).toBe(artifactId('s', 1, 'a'));
    expect(artifactId('s', 1, 'a')).not.toBe(artifactId('s', 2, 'a'));
    expect(guessMimeType('model.pt')).toEqual({ mimetype: 'application/octet-stream', encoding: null });
  });
});

describe('reading recorded artifacts back', () => {
  it('says present, missing (gone or a different size) and deleted', async () => {
    const { dir } = trialDir();
    writeFileSync(join(dir, 'a.txt'), 'aaa');
    writeFileSync(join(dir, 'b.txt'), 'bbb');
    writeFileSync(join(dir, 'c.txt'), 'ccc');
    const attrs = artifactAttrs('study', 0, (await scanArtifacts(dir)).files);
    rmSync(join(dir, 'b.txt'));
    writeFileSync(join(dir, 'c.txt'), 'changed');
    const trial = makeTrial({ number: 0, value: 1, systemAttrs: { ...attrs, [ARTIFACT_DIR_ATTR]: dir } });
    expect(artifactEntries(trial).map((e) => [e.name, e.status])).toEqual([
      ['a.txt', 'present'],
      ['b.txt', 'missing'],
      ['c.txt', 'missing'],
    ]);
    const deleted = makeTrial({ number: 0, value: 1, systemAttrs: { ...attrs, [ARTIFACT_DIR_ATTR]: dir, [ARTIFACTS_DELETED_ATTR]: 'now' } });
    expect(artifactEntries(deleted).map((e) => e.status)).toEqual(['deleted', 'deleted', 'deleted']);
  });

  it('copies the present files, keeping sub-folders, and skips the others', async () => {
    const { root, dir } = trialDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'a.txt'), 'aaa');
    writeFileSync(join(dir, 'b.txt'), 'bbb');
    const attrs = artifactAttrs('study', 0, (await scanArtifacts(dir)).files);
    rmSync(join(dir, 'b.txt'));
    const trial = makeTrial({ number: 0, value: 1, systemAttrs: { ...attrs, [ARTIFACT_DIR_ATTR]: dir } });
    const { copied, skipped } = await copyArtifacts(trial, join(root, 'out'));
    expect(copied.map((e) => e.name)).toEqual(['sub/a.txt']);
    expect(skipped.map((e) => e.name)).toEqual(['b.txt']);
    expect(artifactEntries(makeTrial({ number: 0, value: 1, systemAttrs: { ...attrs, [ARTIFACT_DIR_ATTR]: join(root, 'out') } }))[1]?.status).toBe('present');
  });

  it('never resolves a recorded name that leaves the trial directory', () => {
    const { dir } = trialDir();
    const evil = { [`artifacts:x`]: JSON.stringify({ artifact_id: 'x', filename: '../../../etc/passwd', mimetype: 'text/plain', encoding: null, size: -1, sha256: '' }) };
    const trial = makeTrial({ number: 0, value: 1, systemAttrs: { ...evil, [ARTIFACT_DIR_ATTR]: dir } });
    expect(artifactEntries(trial)[0]).toMatchObject({ path: undefined, status: 'missing' });
  });
});
