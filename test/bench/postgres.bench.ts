/**
 * Several workers on one study: trials per second of a no-op objective (one float
 * parameter, random sampler) with 1, 2 and 4 worker processes, on PostgreSQL and on
 * SQLite, and Debian's Optuna 3.1 (psycopg2) on the same PostgreSQL server in the same run.
 * sodate on PostgreSQL is measured twice: durable commits (the default) and with
 * `?synchronous_commit=off` in the URL.
 * Each worker is its own process; all are started and have loaded the study before the
 * clock starts, and it stops when the last one has finished: the time is trials, not startup.
 *
 *   npm run bench postgres
 *   SODATE_BENCH_TRIALS=400 npm run bench postgres        trials per study (default 300)
 *   SODATE_TEST_POSTGRES_URL=postgresql://me@host/db npm run bench postgres
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { ScratchDatabase } from '../storage/postgres/pg-helpers.js';
import { ADMIN_URL, postgresMissing, scratchDatabase } from '../storage/postgres/pg-helpers.js';
import { printTable } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '../..');
const PYTHON = '/usr/bin/python3';
const TRIALS = Number(process.env['SODATE_BENCH_TRIALS'] ?? 300);
const WORKERS = [1, 2, 4];

interface Proc {
  ready: Promise<void>;
  done: Promise<void>;
  go(): void;
}

function worker(command: string, args: string[]): Proc {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`))));
  });
  done.catch(() => onReady());
  return { ready, done, go: () => child.stdin.end('go\n') };
}

/** Start `n` workers, wait until all are ready, then time them to the end: trials/s. */
async function timed(workers: Proc[]): Promise<number> {
  await Promise.all(workers.map((w) => w.ready));
  const start = performance.now();
  for (const w of workers) w.go();
  await Promise.all(workers.map((w) => w.done));
  return TRIALS / ((performance.now() - start) / 1000);
}

const sodateWorker = (url: string, study: string) => worker(process.execPath, ['--import', 'tsx', join(here, 'postgres/sodate_worker.ts'), url, study, String(TRIALS)]);
const optunaWorker = (url: string, study: string, n: number) => worker(PYTHON, [join(here, 'postgres/optuna_worker.py'), url, study, String(n)]);

async function onPostgres(run: (url: string) => Promise<number>): Promise<number> {
  const db: ScratchDatabase = await scratchDatabase('sodate_bench');
  try {
    return await run(db.url);
  } finally {
    await db.drop();
  }
}

async function sodatePostgres(n: number, query = ''): Promise<number> {
  return onPostgres(async (url) => {
    const storage = await PostgresStorage.open(url);
    await storage.createStudy({ name: 'bench', direction: 'minimize' });
    await storage.close();
    return timed(Array.from({ length: n }, () => sodateWorker(`${url}${query}`, 'bench')));
  });
}

async function sodateSqlite(n: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-bench-'));
  try {
    const file = join(dir, 'bench.db');
    const storage = SqliteStorage.open(file);
    await storage.createStudy({ name: 'bench', direction: 'minimize' });
    await storage.close();
    return await timed(Array.from({ length: n }, () => sodateWorker(`sqlite:${file}`, 'bench')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function optunaPostgres(n: number): Promise<number> {
  return onPostgres(async (url) => {
    const made = spawnSync(PYTHON, ['-c', `import optuna; optuna.logging.set_verbosity(optuna.logging.WARNING); optuna.create_study(study_name="bench", storage=${JSON.stringify(url)})`], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`optuna create_study failed: ${made.stderr}`);
    const share = Array.from({ length: n }, (_, i) => Math.floor(TRIALS / n) + (i < TRIALS % n ? 1 : 0));
    return timed(share.map((k) => optunaWorker(url, 'bench', k)));
  });
}

const missing = await postgresMissing();
if (missing !== null) {
  console.error(`cannot run: ${missing}`);
  process.exit(1);
}
const optuna = spawnSync(PYTHON, ['-c', 'import optuna, psycopg2'], { stdio: 'ignore' }).status === 0;
if (!optuna) console.log('(Optuna 3.1 with psycopg2 not found: apt-get install python3-optuna python3-psycopg2; its rows are left out)');

console.log(`no-op trials/s, ${TRIALS} trials per study, each worker its own process; PostgreSQL ${ADMIN_URL.replace(/\/[^/]*$/, '/…')}`);
const rows: string[][] = [];
for (const n of WORKERS) {
  const pg = await sodatePostgres(n);
  const pgAsync = await sodatePostgres(n, '?synchronous_commit=off');
  const sqlite = await sodateSqlite(n);
  const opt = optuna ? await optunaPostgres(n) : undefined;
  rows.push([
    String(n),
    pg.toFixed(0),
    pgAsync.toFixed(0),
    sqlite.toFixed(0),
    opt === undefined ? '-' : opt.toFixed(0),
    opt === undefined ? '-' : `${(pg / opt).toFixed(1)}×`,
  ]);
}
printTable(['workers', 'sodate PostgreSQL', 'sodate PG synchronous_commit=off', 'sodate SQLite', 'Optuna 3.1 PostgreSQL', 'sodate/Optuna (PG, both durable)'], rows);
console.log('PostgreSQL commits wait for the server to flush its log (synchronous_commit=on, as Optuna runs); SQLite runs WAL with synchronous=NORMAL.');
