import { userInfo } from 'node:os';
import { StorageError } from '../../errors.js';
import type { PgTarget } from './errors.js';
import { redactUrl } from './errors.js';

export interface ParsedPostgresUrl {
  /** What node-postgres connects with: the URL without the driver suffix and sodate's own parameters. */
  readonly connectionString: string;
  /** The URL to show: password hidden. */
  readonly display: string;
  readonly target: PgTarget;
  /** `?pool_size=N`, when given. */
  readonly poolSize: number | undefined;
  /** `?synchronous_commit=off`: commits return before the server flushes them (faster, not crash-safe). */
  readonly synchronousCommit: 'on' | 'off' | undefined;
}

/**
 * Read `postgresql://user[:password]@host[:port]/database[?pool_size=N&synchronous_commit=off]`. SQLAlchemy's
 * spellings (`postgres://`, `postgresql+psycopg2://`) name the same database, so an Optuna
 * storage URL works as is. Missing parts default as libpq does (PGUSER, PGHOST…).
 */
export function parsePostgresUrl(url: string): ParsedPostgresUrl {
  const text = url.trim().replace(/^postgres(?:ql)?(?:\+\w+)?:\/\//i, 'postgresql://');
  if (!text.startsWith('postgresql://')) {
    throw new StorageError(`${JSON.stringify(redactUrl(url))} is not a PostgreSQL URL; write postgresql://user@host:5432/database`, 'SODATE_STORAGE_URL');
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new StorageError(`cannot read the PostgreSQL URL ${JSON.stringify(redactUrl(url))}; write postgresql://user@host:5432/database`, 'SODATE_STORAGE_URL');
  }
  let poolSize: number | undefined;
  const poolText = parsed.searchParams.get('pool_size');
  if (poolText !== null) {
    poolSize = Number(poolText);
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new StorageError(`pool_size in ${redactUrl(url)} must be a whole number of connections ≥ 1, got ${JSON.stringify(poolText)}`, 'SODATE_STORAGE_URL');
    }
    parsed.searchParams.delete('pool_size');
  }
  const syncText = parsed.searchParams.get('synchronous_commit');
  let synchronousCommit: 'on' | 'off' | undefined;
  if (syncText !== null) {
    if (syncText !== 'on' && syncText !== 'off') {
      throw new StorageError(`synchronous_commit in ${redactUrl(url)} must be on or off, got ${JSON.stringify(syncText)}`, 'SODATE_STORAGE_URL');
    }
    synchronousCommit = syncText;
    parsed.searchParams.delete('synchronous_commit');
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(parsed.username) || process.env['PGUSER'] || safeUser();
  const host = (parsed.hostname.replace(/^\[|\]$/g, '') || parsed.searchParams.get('host')) ?? process.env['PGHOST'] ?? 'localhost';
  const port = Number(parsed.port || process.env['PGPORT'] || 5432);
  const database = decode(parsed.pathname.replace(/^\//, '')) || process.env['PGDATABASE'] || user;
  const connectionString = parsed.toString();
  return { connectionString, display: redactUrl(url.trim()), target: { user, host, port, database }, poolSize, synchronousCommit };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}
