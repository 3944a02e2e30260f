import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { checkStudyName, defaultStorageUrl, openStorage, sqlitePath } from '../../src/storage/url.js';
import { tempDir } from './helpers.js';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('openStorage', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    temp = await tempDir();
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('opens memory: in this process', async () => {
    const storage = await openStorage('memory:');
    expect(storage).toBeInstanceOf(InMemoryStorage);
    expect(storage.url).toBe('memory:');
  });

  for (const [label, url] of [
    ['sqlite:<path>', (f: string) => `sqlite:${f}`],
    ["SQLAlchemy's sqlite:////<absolute path>", (f: string) => `sqlite:///${f}`],
    ['a bare path ending in .db', (f: string) => f],
  ] as const) {
    it(`opens ${label} as a SQLite file, keeping the URL for messages`, async () => {
      const file = join(temp.dir, 'sub', 'x.db');
      const storage = await openStorage(url(file));
      expect(storage).toBeInstanceOf(SqliteStorage);
      expect((storage as SqliteStorage).file).toBe(file);
      expect(storage.url).toBe(url(file));
      await storage.createStudy({ name: 's', direction: 'minimize' });
      await storage.close();
      const again = SqliteStorage.open(file);
      expect(await again.loadStudy('s')).not.toBeNull();
      await again.close();
    });
  }

  it('waits for another process\'s lock as long as ?timeout= says, then says so in one line naming the option', async () => {
    const file = join(temp.dir, 'locked.db');
    (await openStorage(`sqlite:${file}`)).close();
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const storage = await openStorage(`sqlite:${file}?timeout=0.3`);
      expect((storage as SqliteStorage).file).toBe(file);
      const started = Date.now();
      const error = await failure(storage.createStudy({ name: 's', direction: 'minimize' }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(error.message).toBe(`${file} stayed locked by another process for more than 0.3 s; wait for it to finish, or let the storage wait longer: --storage sqlite:${file}?timeout=60 (seconds)`);
      await storage.close();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(sqlitePath(`sqlite:${file}?timeout=30`)).toBe(file);
  });

  it.each([
    ['sqlite:x.db?timeout=0', /^timeout in the SQLite URL "sqlite:x\.db\?timeout=0" must be a number of seconds from 0\.001 to 2147483, got "0"$/],
    ['sqlite:x.db?timeout=soon', /must be a number of seconds from 0\.001 to 2147483, got "soon"$/],
    ['sqlite:x.db?timeout=3000000', /must be a number of seconds from 0\.001 to 2147483, got "3000000"$/],
  ])('refuses %s in one line', async (url, expected) => {
    expect((await failure(openStorage(url))).message).toMatch(expected);
  });

  it('reads ?timeout= only at the end of a sqlite: URL: another "?" is part of the file name, as before', () => {
    expect(sqlitePath('sqlite:runs/what?.db')).toBe('runs/what?.db');
    expect(sqlitePath('sqlite:runs/what?.db?timeout=5')).toBe('runs/what?.db');
    expect(sqlitePath('sqlite:///x.db?timeout=1.0001')).toBe('x.db');
  });

  it('opens sqlite::memory: as a private in-memory SQLite database', async () => {
    const storage = await openStorage('sqlite::memory:');
    expect(storage).toBeInstanceOf(SqliteStorage);
    const study = await storage.createStudy({ name: 's', direction: 'minimize' });
    expect((await storage.createTrial(study.id))?.number).toBe(0);
    await storage.close();
  });

  it('opens PostgreSQL URLs, and says in one line, without the password, when the server is not there', async () => {
    // Port 1 on the loopback refuses at once: nothing listens there.
    const error = await failure(openStorage('postgresql://me:s3cret@127.0.0.1:1/sodate'));
    expect(error).toMatchObject({ code: 'SODATE_STORAGE_UNREACHABLE', message: expect.stringContaining('me@127.0.0.1:1/sodate') });
    expect(error.message).toContain('is PostgreSQL running?');
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toMatch(/\n/);
  }, 30_000);

  for (const url of ['mysql://x/y', 'studies/x.txt', 'redis:', '', 'sqlite://host/x.db']) {
    it(`refuses ${JSON.stringify(url)} with one line listing the accepted forms`, async () => {
      const error = await failure(openStorage(url));
      expect(error).toMatchObject({ code: 'SODATE_STORAGE_URL' });
      expect(error.message).not.toMatch(/\n/);
      for (const form of ['memory:', 'sqlite:', '.db', 'postgresql://']) expect(error.message).toContain(form);
    });
  }
});

describe('sqlitePath', () => {
  it.each([
    ['sqlite:studies/x.db', 'studies/x.db'],
    ['sqlite:/abs/x.db', '/abs/x.db'],
    ['sqlite:///rel/x.db', 'rel/x.db'],
    ['sqlite:////abs/x.db', '/abs/x.db'],
    ['sqlite:~/x.db', join(homedir(), 'x.db')],
    ['sqlite::memory:', ':memory:'],
    ['x.db', 'x.db'],
    ['/abs/y.sqlite3', '/abs/y.sqlite3'],
  ])('maps %s to %s', (url, path) => {
    expect(sqlitePath(url)).toBe(path);
  });

  it.each(['memory:', 'x.txt', 'sqlite://host/x.db', 'http://example.com/x.db'])('does not take %s', (url) => {
    expect(sqlitePath(url)).toBeUndefined();
  });
});

describe('study names', () => {
  it('puts a study in studies/<name>.db by default', () => {
    expect(defaultStorageUrl('image-baseline')).toBe('sqlite:studies/image-baseline.db');
    expect(() => defaultStorageUrl('../etc')).toThrow();
  });

  it.each(['image-baseline', 'a.b_c', '育て', 'x'.repeat(200), 'with space'])('accepts %s', (name) => {
    expect(() => checkStudyName(name)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['a/b', '"/"'],
    ['a\\b', '"\\"'],
    ['..', '".."'],
    ['a..b', '".."'],
    ['a\0b', 'NUL'],
    ['x'.repeat(201), 'at most 200'],
  ])('refuses %j: %s', (name, why) => {
    let error: (Error & { code?: string }) | undefined;
    try {
      checkStudyName(name);
    } catch (e) {
      error = e as Error & { code?: string };
    }
    expect(error?.code).toBe('SODATE_OPTION_INVALID');
    expect(error?.message).toContain(why);
    expect(error?.message).not.toMatch(/\n/);
  });

  it('accepts exactly the names without separators, "..", NUL, blanks only, or more than 200 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 220 }), (name) => {
        const bad = name.trim() === '' || name.length > 200 || /[/\\\0]|\.\./.test(name);
        let threw = false;
        try {
          checkStudyName(name);
        } catch {
          threw = true;
        }
        expect(threw).toBe(bad);
      }),
    );
  });
});
