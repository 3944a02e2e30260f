import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { isConnectionError, isRetryable, redactUrl, translatePgError } from '../../../src/storage/postgres/errors.js';
import { parsePostgresUrl } from '../../../src/storage/postgres/url.js';

const target = { user: 'ml', host: 'db.lab', port: 5433, database: 'studies' };
const pgError = (code: string, message = 'detail\nwith a second line') => Object.assign(new Error(message), { code });

describe('translatePgError', () => {
  const cases: [string, string, string][] = [
    ['ECONNREFUSED', 'SODATE_STORAGE_UNREACHABLE', 'is PostgreSQL running?'],
    ['57P01', 'SODATE_STORAGE_UNREACHABLE', 'pg_ctlcluster'],
    ['08006', 'SODATE_STORAGE_UNREACHABLE', 'check the host and port'],
    ['3D000', 'SODATE_STORAGE_OPEN', 'createdb -h db.lab -p 5433 -U ml studies'],
    ['28P01', 'SODATE_STORAGE_AUTH', 'pg_hba.conf'],
    ['42501', 'SODATE_STORAGE_READONLY', 'grant'],
    ['57014', 'SODATE_STORAGE_BUSY', 'statementTimeoutMs'],
    ['53300', 'SODATE_STORAGE_BUSY', 'pool_size'],
    ['40001', 'SODATE_STORAGE_BUSY', 'retry later'],
    ['22P02', 'SODATE_STORAGE', 'SQLSTATE 22P02'],
  ];
  for (const [code, ours, hint] of cases) {
    it(`turns ${code} into a one-line ${ours} naming the server`, () => {
      const error = translatePgError(pgError(code), target);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: ours });
      const message = (error as Error).message;
      expect(message).toContain('ml@db.lab:5433/studies');
      expect(message).toContain(hint);
      expect(message).not.toMatch(/\n/);
    });
  }

  it('says how long it retried when it gave up', () => {
    expect((translatePgError(pgError('ECONNRESET'), target, 120_000) as Error).message).toContain('after 120 s of retries');
  });

  it('passes other errors through unchanged', () => {
    const bug = new TypeError('a bug');
    expect(translatePgError(bug, target)).toBe(bug);
    const ours = new StorageError('already ours');
    expect(translatePgError(ours, target)).toBe(ours);
  });
});

describe('which failures are retried', () => {
  it('retries lost connections, server restarts, conflicts and deadlocks', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '40001', '40P01', '53300']) {
      expect(isRetryable(pgError(code)), code).toBe(true);
    }
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not retry mistakes, missing databases or sodate errors', () => {
    for (const code of ['23505', '3D000', '28P01', '42P01', '22P02']) expect(isRetryable(pgError(code)), code).toBe(false);
    expect(isRetryable(new StorageError('connection error in the message only'))).toBe(false);
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgresql://ml:s3cret@db.lab:5433/studies?pool_size=8', 'postgresql://ml:***@db.lab:5433/studies?pool_size=8'],
    // Typed without percent-encoding: a '/', '@' or ':' in the password.
    ['postgresql://u:se/cret@127.0.0.1:1/db', 'postgresql://u:***@127.0.0.1:1/db'],
    ['postgresql://u:p@ss@127.0.0.1:1/db?pool_size=x', 'postgresql://u:***@127.0.0.1:1/db?pool_size=x'],
    ['postgresql://u:a:b@h/db', 'postgresql://u:***@h/db'],
    // Cut short before the host: everything after the user's ':' goes.
    ['postgresql://u:secret', 'postgresql://u:***'],
    ['postgresql://postgres@127.0.0.1:5432/test', 'postgresql://postgres@127.0.0.1:5432/test'],
    ['sqlite:x.db', 'sqlite:x.db'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('parsePostgresUrl', () => {
  it('reads user, host, port and database, hides the password and drops pool_size', () => {
    const parsed = parsePostgresUrl('postgresql://ml:s3cret@db.lab:5433/studies?pool_size=8');
    expect(parsed.target).toEqual(target);
    expect(parsed.poolSize).toBe(8);
    expect(parsed.display).toBe('postgresql://ml:***@db.lab:5433/studies?pool_size=8');
    expect(parsed.connectionString).toBe('postgresql://ml:s3cret@db.lab:5433/studies');
  });

  it('takes SQLAlchemy spellings, so an Optuna storage URL works as is', () => {
    for (const url of ['postgres://ml@db.lab:5433/studies', 'postgresql+psycopg2://ml@db.lab:5433/studies']) {
      expect(parsePostgresUrl(url).connectionString).toBe('postgresql://ml@db.lab:5433/studies');
    }
  });

  it('reads synchronous_commit=off and leaves it out of the connection string', () => {
    const parsed = parsePostgresUrl('postgresql://ml@db.lab:5433/studies?synchronous_commit=off');
    expect(parsed.synchronousCommit).toBe('off');
    expect(parsed.connectionString).toBe('postgresql://ml@db.lab:5433/studies');
    expect(parsePostgresUrl('postgresql://ml@db.lab/x').synchronousCommit).toBeUndefined();
  });

  it('refuses a bad pool_size or synchronous_commit', () => {
    expect(() => parsePostgresUrl('postgresql://db.lab/x?pool_size=0')).toThrow(/pool_size/);
    expect(() => parsePostgresUrl('postgresql://db.lab/x?synchronous_commit=maybe')).toThrow(/synchronous_commit/);
  });
});
