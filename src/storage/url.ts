import { homedir } from 'node:os';
import { join } from 'node:path';
import { OptionError, StorageError } from '../errors.js';
import { InMemoryStorage } from './memory.js';
import { redactUrl } from './postgres/errors.js';
import { PostgresStorage } from './postgres/postgres-storage.js';

/** A URL as messages show it: a PostgreSQL password replaced by ***. */
export { redactUrl };
import { SqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './storage.js';

const ACCEPTED =
  'memory:, sqlite:<path> (e.g. sqlite:studies/x.db), sqlite:///<relative path> or sqlite:////<absolute path> (as in Optuna), a path ending in .db, or postgresql://…';

/** The longest study name accepted: it becomes a file name. */
export const MAX_STUDY_NAME_LENGTH = 200;

/**
 * Open the storage a URL names:
 * - `memory:` — this process's memory;
 * - `sqlite:<path>` — a SQLite file, relative to the working directory unless absolute;
 *   `?timeout=S` waits up to S seconds (default 10) for a lock another process holds, as
 *   Python's sqlite3 (and so Optuna's URL) spells it;
 * - `sqlite:///<path>` (relative) and `sqlite:////<path>` (absolute) — SQLAlchemy's forms,
 *   so that an Optuna storage URL names the same file here;
 * - a bare path ending in `.db`, `.sqlite` or `.sqlite3`;
 * - `postgresql://user[:password]@host[:port]/database[?pool_size=N]` — a PostgreSQL
 *   database shared by several machines (also spelled `postgres://` and, as in SQLAlchemy,
 *   `postgresql+psycopg2://`); empty databases get the tables on first open.
 */
export async function openStorage(url: string): Promise<Storage> {
  const text = url.trim();
  if (text === 'memory:' || text === 'memory') return new InMemoryStorage();
  if (/^postgres(ql)?(\+\w+)?:/i.test(text)) return PostgresStorage.open(text);
  const file = sqlitePath(text);
  if (file !== undefined) {
    const timeout = sqliteLockTimeoutSeconds(text);
    return SqliteStorage.open(file, { url: text, ...(timeout === undefined ? {} : { busyTimeoutMs: Math.round(timeout * 1000) }) });
  }
  throw new StorageError(`unknown storage URL ${JSON.stringify(redactUrl(text))}; use one of: ${ACCEPTED}`, 'SODATE_STORAGE_URL');
}

/** A `sqlite:` URL's lock timeout, `?timeout=S` at its end; anything else after a '?' is part of the file name, as before. */
const SQLITE_TIMEOUT = /\?timeout=([^?]*)$/;
/** The longest wait SQLite takes (2³¹ − 1 ms). */
const MAX_LOCK_TIMEOUT_SECONDS = 2_147_483;

/** The `?timeout=` of a `sqlite:` URL in seconds, or undefined when it gives none. */
function sqliteLockTimeoutSeconds(url: string): number | undefined {
  const text = url.startsWith('sqlite:') ? SQLITE_TIMEOUT.exec(url)?.[1] : undefined;
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0.001 || seconds > MAX_LOCK_TIMEOUT_SECONDS) {
    throw new StorageError(`timeout in the SQLite URL ${JSON.stringify(url)} must be a number of seconds from 0.001 to ${MAX_LOCK_TIMEOUT_SECONDS}, got ${JSON.stringify(text)}`, 'SODATE_STORAGE_URL');
  }
  return seconds;
}

/** The file a SQLite URL names (without its `?timeout=`), or undefined when `url` is not a SQLite URL. */
export function sqlitePath(url: string): string | undefined {
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length).replace(SQLITE_TIMEOUT, '');
    if (rest === '' || rest === '//' || rest === ':memory:') return ':memory:';
    // SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db
    const path = rest.startsWith('///') ? rest.slice(3) : rest.startsWith('//') ? undefined : rest;
    if (path === undefined || path === '') return undefined;
    return expandHome(path);
  }
  if (/\.(db|sqlite|sqlite3)$/i.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return expandHome(url);
  return undefined;
}

/** Where a study lives when no storage is given: `sqlite:studies/<name>.db`. */
export function defaultStorageUrl(studyName: string): string {
  checkStudyName(studyName);
  return `sqlite:studies/${studyName}.db`;
}

/** Refuse names that cannot be a file name or that would reach outside `studies/`. */
export function checkStudyName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') throw new OptionError('a study name must not be empty');
  if (name.length > MAX_STUDY_NAME_LENGTH) {
    throw new OptionError(`study name "${name.slice(0, 40)}…" is ${name.length} characters long; use at most ${MAX_STUDY_NAME_LENGTH}`);
  }
  if (name.includes('\0')) throw new OptionError(`study name ${JSON.stringify(name)} must not contain a NUL character`);
  for (const bad of ['/', '\\', '..']) {
    if (name.includes(bad)) throw new OptionError(`study name "${name}" must not contain "${bad}"; use letters, digits, "-", "_" or "."`);
  }
}

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

