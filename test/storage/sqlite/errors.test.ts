import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { translateSqliteError } from '../../../src/storage/sqlite/errors.js';

function sqliteError(code: string, message = 'detail\nwith a second line'): Error {
  return Object.assign(new Error(message), { code });
}

describe('translateSqliteError', () => {
  const cases: [string, string, string][] = [
    ['SQLITE_BUSY', 'SODATE_STORAGE_BUSY', '?timeout=60 (seconds)'],
    ['SQLITE_BUSY_SNAPSHOT', 'SODATE_STORAGE_BUSY', 'locked by another process'],
    ['SQLITE_CANTOPEN', 'SODATE_STORAGE_OPEN', 'writable'],
    ['SQLITE_READONLY', 'SODATE_STORAGE_READONLY', 'chmod u+w'],
    ['SQLITE_READONLY_DBMOVED', 'SODATE_STORAGE_READONLY', 'read-only'],
    ['SQLITE_NOTADB', 'SODATE_STORAGE_SCHEMA', 'not a SQLite database'],
    ['SQLITE_CORRUPT', 'SODATE_STORAGE_CORRUPT', 'restore it'],
    ['SQLITE_FULL', 'SODATE_STORAGE_FULL', 'free some space'],
    ['SQLITE_IOERR_WRITE', 'SODATE_STORAGE_IO', 'network file systems'],
    ['SQLITE_MISUSE', 'SODATE_STORAGE', 'SQLITE_MISUSE'],
  ];
  for (const [sqlite, code, hint] of cases) {
    it(`turns ${sqlite} into a one-line ${code} naming the file`, () => {
      const error = translateSqliteError(sqliteError(sqlite), 'studies/x.db', 10_000);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code });
      const message = (error as Error).message;
      expect(message).toContain('studies/x.db');
      expect(message).toContain(hint);
      expect(message).not.toMatch(/\n/);
    });
  }

  it('passes other errors through unchanged', () => {
    const bug = new TypeError('a bug');
    expect(translateSqliteError(bug, 'x.db', 1)).toBe(bug);
    const ours = new StorageError('already ours');
    expect(translateSqliteError(ours, 'x.db', 1)).toBe(ours);
  });
});
