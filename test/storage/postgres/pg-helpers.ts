import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests use: env SODATE_TEST_POSTGRES_URL, default the local trust-auth server. */
export const ADMIN_URL = process.env['SODATE_TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** `url` with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL tests cannot run here, or null when the server answers. */
export async function postgresMissing(): Promise<string | null> {
  try {
    await admin((c) => c.query('SELECT 1'));
    return null;
  } catch (error) {
    return `PostgreSQL at ${ADMIN_URL} does not answer (${error instanceof Error ? error.message : String(error)}); run .ci/run or start it with pg_ctlcluster`;
  }
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  /** Empty every sodate/Optuna table and reset the id sequences. */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

/** A new database `sodate_test_<random>` on the test server, dropped (with its connections) by `drop`. */
export async function scratchDatabase(prefix = 'sodate_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(ADMIN_URL, name);
  return {
    name,
    url,
    async truncate() {
      await admin(async (c) => {
        const tables = (await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('version_info', 'alembic_version')")).rows;
        if (tables.length > 0) await c.query(`TRUNCATE ${tables.map((r) => r.t).join(', ')} RESTART IDENTITY CASCADE`);
      }, url);
    },
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Run SQL on a database as the admin user. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  return admin(async (c) => (await c.query<R>(text, params)).rows, url);
}
