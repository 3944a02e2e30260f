import pg from 'pg';
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { StorageError } from '../../errors.js';
import type { PgTarget } from './errors.js';
import { describeTarget, isConnectionError, isRetryable, translatePgError } from './errors.js';

/** Runs one statement on the connection of the current unit of work. */
export type Query = <R extends QueryResultRow = QueryResultRow>(sql: string | QueryConfig, params?: unknown[]) => Promise<QueryResult<R>>;

export interface ConnectionOptions {
  /** Connections kept open at most. */
  readonly poolSize: number;
  /** A statement running longer is cancelled by the server, in ms. */
  readonly statementTimeoutMs: number;
  /** How long a unit of work keeps retrying lost connections and conflicts, in ms. */
  readonly retryForMs: number;
  /** The session's synchronous_commit; the server's default when undefined. */
  readonly synchronousCommit?: 'on' | 'off' | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timestamps as text (`to_char` is used for reads anyway), counts as numbers. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 1114) return (text: string) => text; // timestamp without time zone
    if (oid === 20) return (text: string) => Number(text); // int8: counts
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as unknown as pg.CustomTypesConfig;

/**
 * A pool of connections to one database and the three ways the store uses them, each
 * retried with backoff on lost connections (a restarting server, a dropped network) and
 * on serialization failures, for up to `retryForMs`:
 * - `statement`: one autocommit statement, for writes that are idempotent (upserts) and reads;
 * - `read`: several statements in one REPEATABLE READ snapshot;
 * - `write`: a transaction whose outcome is made certain: when the connection drops while
 *   its COMMIT is in flight, the transaction id (taken at BEGIN) is looked up with
 *   `txid_status` on a fresh connection, so a committed write is never applied twice and
 *   an aborted one is run again.
 */
export class Connection {
  readonly target: PgTarget;
  private readonly pool: pg.Pool;
  private readonly retryForMs: number;
  private closed = false;

  constructor(connectionString: string, target: PgTarget, options: ConnectionOptions) {
    this.target = target;
    this.retryForMs = options.retryForMs;
    this.pool = new pg.Pool({
      connectionString,
      max: options.poolSize,
      application_name: 'sodate',
      statement_timeout: options.statementTimeoutMs,
      // A worker frozen inside a transaction must not hold a study's lock forever.
      idle_in_transaction_session_timeout: Math.max(60_000, options.statementTimeoutMs * 2),
      options: `-c TimeZone=UTC -c DateStyle=ISO${options.synchronousCommit === undefined ? '' : ` -c synchronous_commit=${options.synchronousCommit}`}`,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      types: TYPES,
    });
    // An idle connection that the server closes (restart, admin shutdown) emits 'error' on
    // the pool; the pool drops it and the next unit of work opens a new one.
    this.pool.on('error', () => undefined);
    // A connection in use when the server closes it emits 'error' on its client as well; the
    // statement running on it fails and is retried, so the event itself needs no more than a
    // listener (without one, Node ends the process).
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** One statement, autocommitted; safe to run again after a lost connection. */
  statement<R extends QueryResultRow = QueryResultRow>(sql: string | QueryConfig, params?: unknown[]): Promise<QueryResult<R>> {
    return this.retrying(async () => {
      const client = await this.connect();
      try {
        const result = await client.query<R>(sql, params);
        client.release();
        return result;
      } catch (error) {
        client.release(isConnectionError(error) ? asError(error) : undefined);
        throw error;
      }
    });
  }

  /** Several reads that see one snapshot. */
  read<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const client = await this.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const result = await work(queryOn(client));
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        await this.abandon(client, error);
        throw error;
      }
    });
  }

  /**
   * One READ COMMITTED transaction. `work` may run more than once (after a conflict or a
   * lost connection), so it must depend on nothing but the database and its arguments.
   */
  write<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.retrying(async (deadline) => {
      const client = await this.connect();
      let xid: string | undefined;
      let result: T;
      try {
        const begun = (await client.query('BEGIN; SELECT txid_current()::text AS xid')) as unknown as QueryResult<{ xid: string }>[];
        xid = begun[1]?.rows[0]?.xid;
        result = await work(queryOn(client));
      } catch (error) {
        await this.abandon(client, error);
        throw error;
      }
      try {
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        client.release(asError(error));
        if (!isConnectionError(error) || xid === undefined) throw error;
        // The COMMIT may or may not have landed: ask the server what became of it.
        if ((await this.outcome(xid, deadline)) === 'committed') return result;
        throw error; // aborted: retried as any lost connection
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ---- helpers -------------------------------------------------------------------------

  private async connect(): Promise<PoolClient> {
    if (this.closed) throw new StorageError(`${describeTarget(this.target)} storage is closed; open the storage again`, 'SODATE_STORAGE_CLOSED');
    return this.pool.connect();
  }

  /** Roll back (when the connection still works) and give the connection back. */
  private async abandon(client: PoolClient, error: unknown): Promise<void> {
    if (isConnectionError(error)) {
      client.release(asError(error));
      return;
    }
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackError) {
      client.release(asError(rollbackError));
    }
  }

  /** Whether transaction `xid` committed, asked on fresh connections until the server answers. */
  private async outcome(xid: string, deadline: number): Promise<'committed' | 'aborted'> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      try {
        const client = await this.connect();
        try {
          const row = (await client.query<{ status: string | null }>('SELECT txid_status($1::bigint) AS status', [xid])).rows[0];
          client.release();
          if (row?.status === 'committed') return 'committed';
          if (row?.status !== 'in progress') return 'aborted';
        } catch (error) {
          client.release(asError(error));
          throw error;
        }
      } catch (error) {
        if (!isRetryable(error) || Date.now() > deadline) throw error;
      }
      await sleep(delay);
    }
  }

  /** Run `attempt` until it succeeds, fails for good, or the retry time is spent. */
  private async retrying<T>(attempt: (deadline: number) => Promise<T>): Promise<T> {
    const started = Date.now();
    const deadline = started + this.retryForMs;
    for (let delay = 25; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await attempt(deadline);
      } catch (error) {
        if (this.closed) throw translatePgError(error, this.target);
        const retry = isRetryable(error);
        if (!retry || Date.now() + delay > deadline) throw translatePgError(error, this.target, retry ? Date.now() - started : undefined);
      }
      await sleep(delay * (0.5 + Math.random()));
    }
  }
}

function queryOn(client: PoolClient): Query {
  return (sql, params) => client.query(sql, params);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
