import { SodateError, StorageError, errorMessage } from '../../errors.js';

/**
 * PostgreSQL's failures as one-line StorageErrors that name the server and database
 * (never the password) and the fix, and the test for which failures are worth a retry.
 * node-postgres puts SQLSTATE codes (`40001`, `57P01`…) in `code` for server errors and
 * Node's codes (`ECONNREFUSED`…) for socket errors; a socket closed mid-query comes as a
 * plain Error ("Connection terminated unexpectedly").
 */

/** Where a storage points, for messages: `postgres@127.0.0.1:5432/test`. */
export interface PgTarget {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export function describeTarget(t: PgTarget): string {
  return `PostgreSQL ${t.user}@${t.host}:${t.port}/${t.database}`;
}

/**
 * A URL without its password, for messages. The password runs from the user's ':' to the
 * last '@' before the path: one typed without percent-encoding may hold '/', '@' or ':'
 * itself. Without an '@' there (a URL cut short), everything after the user's ':' goes.
 */
export function redactUrl(url: string): string {
  const start = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:/i.exec(url);
  if (start === null) return url;
  const rest = url.slice(start[0].length);
  const queryAt = rest.search(/[?#]/);
  const authority = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const at = authority.lastIndexOf('@');
  return at < 0 ? `${start[0]}***` : `${start[0]}***${rest.slice(at)}`;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const CONNECTION_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|terminating connection/i;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The connection (or the server behind it) went away: the socket failed, the server shut
 * down or restarted (57P01 admin shutdown, 57P02 crash, 57P03 starting up), or a
 * connection-class SQLSTATE (08xxx). The transaction did not commit, unless the failure
 * hit its COMMIT: that case is ambiguous and resolved by the caller.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof SodateError) return false;
  const code = codeOf(error);
  if (code !== undefined) {
    if (CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return false;
  }
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message);
}

/** Serialization failure or deadlock: the transaction was rolled back and may simply run again. */
export function isSerializationError(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40001' || code === '40P01';
}

/** Too many connections right now (53300): waiting helps. */
function isOverloaded(error: unknown): boolean {
  return codeOf(error) === '53300';
}

export function isRetryable(error: unknown): boolean {
  return isConnectionError(error) || isSerializationError(error) || isOverloaded(error);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function startHint(): string {
  return 'is PostgreSQL running? start it with `pg_ctlcluster <version> main start` (or `systemctl start postgresql`), and check the host and port in the URL';
}

/**
 * A failure as a StorageError. `gaveUpAfterMs` is set when retries ran out, so the message
 * says how long the store kept trying.
 */
export function translatePgError(error: unknown, target: PgTarget, gaveUpAfterMs?: number): unknown {
  if (error instanceof SodateError) return error;
  const where = describeTarget(target);
  const code = codeOf(error);
  const detail = oneLine(errorMessage(error));
  const tried = gaveUpAfterMs === undefined ? '' : ` (still failing after ${Math.round(gaveUpAfterMs / 1000)} s of retries)`;
  if (isConnectionError(error)) {
    return new StorageError(`cannot reach ${where}${tried}: ${code ?? detail}; ${startHint()}`, 'SODATE_STORAGE_UNREACHABLE');
  }
  switch (code) {
    case '3D000':
      return new StorageError(
        `${where}: database "${target.database}" does not exist; create it with \`createdb -h ${target.host} -p ${target.port} -U ${target.user} ${target.database}\``,
        'SODATE_STORAGE_OPEN',
      );
    case '28P01':
    case '28000':
      return new StorageError(
        `${where}: authentication failed for user "${target.user}" (${detail}); check the user and password in the URL, or the server's pg_hba.conf`,
        'SODATE_STORAGE_AUTH',
      );
    case '42501':
      return new StorageError(`${where}: permission denied (${detail}); grant the user rights on the database, or use its owner`, 'SODATE_STORAGE_READONLY');
    case '25006':
      return new StorageError(`${where} is read-only (${detail}); point the storage at the primary server`, 'SODATE_STORAGE_READONLY');
    case '57014':
      return new StorageError(`${where}: a statement ran past the statement timeout (${detail}); raise statementTimeoutMs or check the server's load`, 'SODATE_STORAGE_BUSY');
    case '53300':
      return new StorageError(`${where} has too many connections${tried}; lower the workers' pool_size or raise max_connections`, 'SODATE_STORAGE_BUSY');
    case '53100':
      return new StorageError(`the disk of ${where} is full; free some space and retry`, 'SODATE_STORAGE_FULL');
    case '40001':
    case '40P01':
      return new StorageError(`${where}: transactions kept conflicting${tried} (${detail}); retry later`, 'SODATE_STORAGE_BUSY');
    default:
      if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return new StorageError(`${where}: ${detail} (SQLSTATE ${code})`, 'SODATE_STORAGE');
      return error;
  }
}
