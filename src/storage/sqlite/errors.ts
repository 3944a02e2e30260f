import { SodateError, StorageError, errorMessage } from '../../errors.js';

/**
 * SQLite's failures as one-line StorageErrors that name the file and the fix. better-sqlite3
 * throws `SqliteError` with an extended result code (`SQLITE_BUSY_SNAPSHOT`…) in `code`.
 */
export function translateSqliteError(error: unknown, file: string, busyTimeoutMs: number): unknown {
  if (error instanceof SodateError) return error;
  const code = sqliteCode(error);
  if (code === undefined) return error;
  const detail = oneLine(errorMessage(error));
  const base = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  switch (base) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StorageError(
        `${file} stayed locked by another process for more than ${busyTimeoutMs / 1000} s; wait for it to finish, or let the storage wait longer: --storage sqlite:${file}?timeout=${Math.max(60, Math.ceil(busyTimeoutMs / 500))} (seconds)`,
        'SODATE_STORAGE_BUSY',
      );
    case 'SQLITE_CANTOPEN':
      return new StorageError(`cannot open ${file} (${detail}); check that its folder exists and is writable`, 'SODATE_STORAGE_OPEN');
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new StorageError(
        `${file} is read-only (${detail}); make the file and its folder writable (chmod u+w), or copy it somewhere writable`,
        'SODATE_STORAGE_READONLY',
      );
    case 'SQLITE_NOTADB':
      return new StorageError(`${file} is not a SQLite database; point the storage at a study database or at a new file`, 'SODATE_STORAGE_SCHEMA');
    case 'SQLITE_CORRUPT':
      return new StorageError(`${file} is corrupt (${detail}); restore it from a copy`, 'SODATE_STORAGE_CORRUPT');
    case 'SQLITE_FULL':
      return new StorageError(`the disk holding ${file} is full; free some space and retry`, 'SODATE_STORAGE_FULL');
    case 'SQLITE_IOERR':
      return new StorageError(
        `I/O error on ${file} (${code}: ${detail}); check the disk, and keep SQLite studies off network file systems (use PostgreSQL to share a study between machines)`,
        'SODATE_STORAGE_IO',
      );
    default:
      return new StorageError(`${file}: ${detail} (${code})`, 'SODATE_STORAGE');
  }
}

/** A failure to create the folder a database goes in. */
export function folderError(error: unknown, file: string, folder: string): StorageError {
  const code = (error as { code?: unknown }).code;
  const why =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? 'a file is in the way'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'read-only file system'
          : typeof code === 'string'
            ? code
            : oneLine(String(error));
  return new StorageError(`cannot create the folder ${folder} for ${file} (${why}); pick a path in a writable folder`, 'SODATE_STORAGE_OPEN');
}

function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
