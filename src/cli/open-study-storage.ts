import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { NotFoundError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { defaultStorageUrl, openStorage, sqlitePath } from '../storage/url.js';
import type { CliIo } from './io.js';

/** The storage URL a command uses: --storage, else the study's default SQLite file. */
export function storageUrlFor(study: string, flag: string | boolean | undefined): string {
  return typeof flag === 'string' ? flag : defaultStorageUrl(study);
}

/** Removes a SQLite file with its write-ahead log and shared-memory index. */
export function removeSqliteFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * The storage a reading command opens: --storage, else the study's default SQLite file, else
 * (for a stage's study `<study>.<stage>`, which lives with its staged study, and the stage's
 * ablation study `<study>.<stage>.ablation`) `studies/<study>.db`.
 */
export function existingStorageUrlFor(study: string, flag: string | boolean | undefined, io: CliIo): string {
  const url = storageUrlFor(study, flag);
  if (typeof flag === 'string') return url;
  const exists = (u: string) => {
    const file = sqlitePath(u);
    return file !== undefined && existsSync(resolve(io.cwd, file));
  };
  if (exists(url)) return url;
  // Longest prefix first: a stage's ablation study `<study>.<stage>.ablation` lives there too.
  for (let dot = study.lastIndexOf('.'); dot > 0; dot = study.lastIndexOf('.', dot - 1)) {
    const staged = defaultStorageUrl(study.slice(0, dot));
    if (exists(staged)) return staged;
  }
  return url;
}

/**
 * Open a storage that must already exist: reading commands never create an empty
 * database file as a side effect of a typo.
 */
export async function openExistingStorage(url: string, io: CliIo, what: string): Promise<Storage> {
  const file = sqlitePath(url);
  if (file !== undefined && file !== ':memory:' && !existsSync(resolve(io.cwd, file))) {
    throw new NotFoundError(`${what}: ${file} does not exist; list studies with \`sodate studies\`, or pass --storage`);
  }
  return openStorage(url);
}
