import { setTimeout as sleep } from 'node:timers/promises';
import { isSodateError } from '../errors.js';

/**
 * One more try a trial's write gets when the database stayed locked past the storage's own
 * wait (SQLite's busy timeout, 10 s by default), after a pause: a result that took hours of
 * GPU time outlives a lock twice that long (a backup, a `sqlite3` shell left in a
 * transaction). Not more: better-sqlite3 waits synchronously, so no heartbeat goes out
 * meanwhile, and past the stale grace (30 s) another process fails the trial as dead.
 */
const BUSY_RETRIES = 1;
const FIRST_PAUSE_MS = 250;

/**
 * `write`, tried again while it fails with SODATE_STORAGE_BUSY. Only for writes a lock
 * leaves undone: SQLite rolls back the transaction that found the database busy.
 */
export async function retryWhileBusy<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= BUSY_RETRIES || !isSodateError(error) || error.code !== 'SODATE_STORAGE_BUSY') throw error;
      await sleep(FIRST_PAUSE_MS * 2 ** attempt);
    }
  }
}
