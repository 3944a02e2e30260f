import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StudyOwner } from '../../src/artifacts/owner.js';
import { ArtifactDirError, OWNER_FILE, claimStudyDir, foreignOwner, storageIdentity } from '../../src/artifacts/owner.js';

function root(): string {
  return mkdtempSync(join(tmpdir(), 'sodate-owner-'));
}

const A: StudyOwner = { study: 'demo', studyId: 1, storage: 'sqlite:/runs/exp-a.db' };
const B: StudyOwner = { study: 'demo', studyId: 1, storage: 'sqlite:/runs/exp-b.db' };

function refusal(run: () => void): ArtifactDirError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ArtifactDirError);
    return error as ArtifactDirError;
  }
  throw new Error('not refused');
}

describe('the storage a claim names', () => {
  it('is the real path of a SQLite file however it is reached, and the database of a PostgreSQL URL whatever the host (machines sharing a folder reach the server by addresses of their own)', () => {
    const dir = root();
    writeFileSync(join(dir, 'a.db'), '');
    symlinkSync(dir, join(dir, 'via-link'));
    const real = `sqlite:${join(realpathSync(dir), 'a.db')}`;
    expect(storageIdentity('sqlite:a.db', dir)).toBe(real);
    expect(storageIdentity(`sqlite:${join(dir, 'via-link', 'a.db')}?timeout=3`, '/')).toBe(real);
    expect(storageIdentity(`sqlite:////${join(dir, 'a.db').slice(1)}`, '/')).toBe(real);
    expect(storageIdentity('postgresql://me@db.lab:5432/sweeps')).toBe('postgresql:sweeps');
    expect(storageIdentity('postgres://me:pw@10.0.0.5/sweeps?pool_size=4')).toBe('postgresql:sweeps');
    expect(storageIdentity('memory:')).toBeUndefined();
    expect(storageIdentity('sqlite::memory:')).toBeUndefined();
  });
});

describe('claiming <root>/<study>/', () => {
  it('writes the owner file, and lets the same study in again', () => {
    const dir = root();
    claimStudyDir(dir, A);
    expect(JSON.parse(readFileSync(join(dir, 'demo', OWNER_FILE), 'utf8'))).toMatchObject({ study: 'demo', studyId: 1, storage: 'sqlite:/runs/exp-a.db' });
    expect(() => claimStudyDir(dir, A)).not.toThrow();
    expect(foreignOwner(join(dir, 'demo'), A)).toBeUndefined();
  });

  it('refuses a study of the same name in another storage, naming the folder, its owner and the fix', () => {
    const dir = root();
    claimStudyDir(dir, A);
    const error = refusal(() => claimStudyDir(dir, B));
    expect(error.code).toBe('SODATE_ARTIFACT_DIR');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `the artifact directory ${join(dir, 'demo')} belongs to study demo (id 1) of sqlite:/runs/exp-a.db, not to this study demo (id 1) of sqlite:/runs/exp-b.db; give this study a directory of its own (--artifact-dir, or artifacts.dir in the space file), or remove ${join(dir, 'demo')} if that study is gone`,
    );
    expect(foreignOwner(join(dir, 'demo'), B)).toBe('belongs to study demo (id 1) of sqlite:/runs/exp-a.db');
  });

  it('adopts a folder an earlier sodate made without an owner file', () => {
    const dir = root();
    mkdirSync(join(dir, 'demo', '0'), { recursive: true });
    expect(foreignOwner(join(dir, 'demo'), B)).toBeUndefined();
    claimStudyDir(dir, B);
    expect(JSON.parse(readFileSync(join(dir, 'demo', OWNER_FILE), 'utf8'))).toMatchObject(B);
  });

  it('takes over the folder of a deleted study of the same name in the same storage, and says so', () => {
    const dir = root();
    claimStudyDir(dir, A);
    const notices: string[] = [];
    claimStudyDir(dir, { ...A, studyId: 7 }, (text) => notices.push(text));
    expect(JSON.parse(readFileSync(join(dir, 'demo', OWNER_FILE), 'utf8'))).toMatchObject({ studyId: 7 });
    expect(notices).toEqual([expect.stringMatching(/belonged to study demo \(id 1\) of sqlite:\/runs\/exp-a\.db, which was deleted; it is now this study's \(id 7\)/)]);
  });

  it('never claims for a memory: study, but refuses it a folder another study claimed', () => {
    const dir = root();
    const memory: StudyOwner = { study: 'demo', studyId: 0, storage: undefined };
    claimStudyDir(dir, memory);
    expect(existsSync(join(dir, 'demo', OWNER_FILE))).toBe(false);
    claimStudyDir(dir, A);
    expect(refusal(() => claimStudyDir(dir, memory)).code).toBe('SODATE_ARTIFACT_DIR');
  });

  it('refuses a root under a regular file, or a study folder that is a file, in one line before anything runs', () => {
    const dir = root();
    writeFileSync(join(dir, 'file'), 'x');
    const under = refusal(() => claimStudyDir(join(dir, 'file', 'artifacts'), A));
    expect(under.code).toBe('SODATE_ARTIFACT_DIR_UNWRITABLE');
    expect(under.message).toBe(`cannot use the artifact directory ${join(dir, 'file', 'artifacts', 'demo')}: a part of its path is a file, not a directory; give the run a directory it can write (--artifact-dir, or artifacts.dir in the space file)`);
    writeFileSync(join(dir, 'demo'), 'x');
    expect(refusal(() => claimStudyDir(dir, A)).message).toMatch(/demo: it is a file, not a directory;/);
  });

  it('refuses an owner file it cannot read rather than guess whose the folder is', () => {
    const dir = root();
    mkdirSync(join(dir, 'demo'));
    writeFileSync(join(dir, 'demo', OWNER_FILE), 'not json');
    expect(refusal(() => claimStudyDir(dir, A)).message).toMatch(/is of no known study: its owner file .* does not name a study/);
    expect(foreignOwner(join(dir, 'demo'), A)).toMatch(/^is of no known study/);
  });
});
