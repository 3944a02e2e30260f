import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FrozenTrial } from '../../../src/storage/records.js';
import { START_CURSOR } from '../../../src/storage/records.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';

/**
 * What the multi-machine tests need: `sodate tune` / `sodate worker` processes run from the
 * sources (optionally inside a network namespace), a throwaway project, a private
 * PostgreSQL server they may restart, network namespaces joined to this host by veth
 * pairs, and the check every scenario ends with.
 */

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SODATE = fileURLToPath(new URL('./fixtures/sodate.ts', import.meta.url));
const TSX = new URL('node_modules/tsx/dist/loader.mjs', `file://${ROOT}`).href;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- projects ----------------------------------------------------------------------------

/** A module objective that sleeps TRIAL_MS; logs "start|done <MACHINE> <pid> <x>" per trial to ran.log. */
const OBJECTIVE = `import { appendFileSync } from 'node:fs';
const log = (what, x) => appendFileSync(new URL('./ran.log', import.meta.url), \`\${what} \${process.env.MACHINE ?? 'host'} \${process.pid} \${x}\\n\`);
export async function objective(trial) {
  const { x } = trial.params;
  log('start', x);
  await new Promise((r) => setTimeout(r, Number(process.env.TRIAL_MS ?? 0)));
  log('done', x);
  return (x - 0.3) ** 2;
}
`;

export interface RanLine {
  readonly machine: string;
  readonly pid: number;
  /** The trial's parameter. */
  readonly x: number;
}

export interface Project {
  readonly dir: string;
  /** Which machine and process finished each trial (from ran.log). */
  ran(): RanLine[];
  /** Trials started (not necessarily finished), likewise. */
  started(): RanLine[];
  remove(): void;
}

export function project(study: string, trials: number, retries = 0): Project {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-pg-project-'));
  writeFileSync(join(dir, 'objective.mjs'), OBJECTIVE);
  writeFileSync(
    join(dir, 'space.yaml'),
    `study: ${study}
objective: { module: ./objective.mjs }
sampler: { kind: random }
pruner: none
budget: { trials: ${trials} }
retries: ${retries}
workers: { devices: cpu, perDevice: 1 }
params:
  x: { float: [0.0, 1.0] }
`,
  );
  const lines = (kind: string): RanLine[] => {
    const file = join(dir, 'ran.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((parts) => parts[0] === kind && parts.length === 4)
      .map(([, machine, pid, x]) => ({ machine: machine ?? '?', pid: Number(pid), x: Number(x) }));
  };
  return {
    dir,
    ran: () => lines('done'),
    started: () => lines('start'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---- sodate processes --------------------------------------------------------------------

export interface SodateProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** Exit code (null when killed by a signal) and output. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  output(): string;
}

/** `sodate <args>` from the sources in `cwd`; inside network namespace `netns` when given. */
export function sodate(name: string, args: string[], options: { cwd: string; env?: Record<string, string>; netns?: string }): SodateProcess {
  const node = [process.execPath, '--import', TSX, SODATE, ...args];
  const [command, ...argv] = options.netns === undefined ? node : ['ip', 'netns', 'exec', options.netns, ...node];
  const child = spawn(command as string, argv, { cwd: options.cwd, env: { ...process.env, MACHINE: name, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, name, done, output: () => `--- ${name} stdout\n${stdout}\n--- ${name} stderr\n${stderr}` };
}

/** Wait for every process; fail with their output when one did not exit 0. */
export async function allSucceed(processes: SodateProcess[]): Promise<void> {
  const results = await Promise.all(processes.map((p) => p.done));
  const bad = results.map((r, i) => [r, processes[i]!] as const).filter(([r]) => r.code !== 0);
  if (bad.length > 0) throw new Error(`processes failed:\n${bad.map(([r, p]) => `${p.name}: exit ${r.code} ${r.signal ?? ''}\n${p.output()}`).join('\n')}`);
}

/** Poll until the study exists (tune creates it), so that workers can join. */
export async function waitForStudy(url: string, name: string, timeoutMs = 120_000): Promise<void> {
  const storage = await PostgresStorage.open(url, { poolSize: 1 });
  try {
    for (const started = Date.now(); Date.now() - started < timeoutMs; await sleep(200)) {
      const study = await storage.loadStudy(name);
      if (study !== null && study.systemAttrs['sodate:config'] !== undefined) return;
    }
    throw new Error(`study ${name} did not appear in ${url} within ${timeoutMs} ms`);
  } finally {
    await storage.close();
  }
}

/** Every trial of the study, read by a storage of its own. */
export async function trialsOf(url: string, name: string): Promise<FrozenTrial[]> {
  const storage = await PostgresStorage.open(url, { poolSize: 1 });
  try {
    const study = await storage.loadStudy(name);
    if (study === null) return [];
    return (await storage.trialsSince(study.id, START_CURSOR)).trials;
  } finally {
    await storage.close();
  }
}

// ---- the check every scenario ends with ------------------------------------------------

/**
 * The study is whole: trial numbers 0..n-1 with no gap or duplicate, nothing left RUNNING
 * or WAITING, `budget` COMPLETE trials each with its parameter and a finite value, and
 * every FAIL trial (a killed worker's) with its parameter and exactly one retry.
 */
export async function expectWholeStudy(url: string, name: string, budget: number): Promise<FrozenTrial[]> {
  const trials = await trialsOf(url, name);
  const numbers = trials.map((t) => t.number);
  expect(numbers).toEqual(Array.from({ length: trials.length }, (_, i) => i));
  expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
  expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING').map((t) => t.number)).toEqual([]);
  const complete = trials.filter((t) => t.state === 'COMPLETE');
  expect(complete).toHaveLength(budget);
  for (const t of complete) {
    expect(typeof t.params['x'], `trial ${t.number} params`).toBe('number');
    expect(t.values?.length, `trial ${t.number} values`).toBe(1);
    expect(Number.isFinite(t.values?.[0]), `trial ${t.number} value`).toBe(true);
    expect(t.values?.[0]).toBeCloseTo(((t.params['x'] as number) - 0.3) ** 2, 12);
  }
  for (const t of trials.filter((t) => t.state === 'FAIL')) {
    expect(typeof t.params['x'], `failed trial ${t.number} params`).toBe('number');
    const retries = trials.filter((r) => r.systemAttrs['sodate:retry_of'] === t.number);
    expect(retries.map((r) => r.state), `retries of failed trial ${t.number}`).toEqual(['COMPLETE']);
    expect(retries[0]?.params).toEqual(t.params);
  }
  expect(trials.filter((t) => t.state === 'PRUNED')).toEqual([]);
  return trials;
}

// ---- a private PostgreSQL server -----------------------------------------------------------

export interface PrivatePostgres {
  readonly port: number;
  /** postgresql://postgres@<host>:<port>/<database> */
  url(host: string, database?: string): string;
  restart(): void;
  stop(): void;
}

function pgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function run(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

/** Why a private server cannot be started here, or null. */
export function privatePostgresMissing(): string | null {
  if (pgBin() === undefined) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  if (spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).status !== 0) return 'no postgres user to run a private server as';
  if (spawnSync('runuser', ['--help'], { encoding: 'utf8' }).error !== undefined) return 'runuser is not available';
  return null;
}

/**
 * A PostgreSQL server of our own (initdb in a temp folder, run as the postgres user), so a
 * test can restart it or bind it to veth addresses without touching the shared server.
 * Trust authentication for 127.0.0.1 and for `trustedNets`; listens on 127.0.0.1 and `listen`.
 */
export async function privatePostgres(listen: string[] = [], trustedNets: string[] = []): Promise<PrivatePostgres> {
  const bin = pgBin();
  if (bin === undefined) throw new Error('no PostgreSQL binaries');
  const dir = mkdtempSync(join(tmpdir(), 'sodate-pg-server-'));
  const data = join(dir, 'data');
  const uid = Number(run('id', ['-u', 'postgres'], 'id -u postgres').trim());
  const gid = Number(run('id', ['-g', 'postgres'], 'id -g postgres').trim());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (args: string[], what: string) => run('runuser', ['-u', 'postgres', '--', ...args], what);
  try {
    asPostgres([join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], 'initdb');
    writeFileSync(join(data, 'pg_hba.conf'), `${readFileSync(join(data, 'pg_hba.conf'), 'utf8')}\n${trustedNets.map((n) => `host all all ${n} trust\n`).join('')}`);
    const conf = [`port = ${port}`, `listen_addresses = '${['127.0.0.1', ...listen].join(',')}'`, `unix_socket_directories = '${dir}'`, 'fsync = off', 'max_connections = 100'];
    writeFileSync(join(data, 'postgresql.conf'), `${readFileSync(join(data, 'postgresql.conf'), 'utf8')}\n${conf.join('\n')}\n`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const ctl = (args: string[], what: string) => asPostgres([join(bin, 'pg_ctl'), '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', ...args], what);
  let running = false;
  const server: PrivatePostgres = {
    port,
    url: (host, database = 'postgres') => `postgresql://postgres@${host}:${port}/${database}`,
    restart() {
      ctl(['-m', 'fast', 'restart'], 'pg_ctl restart');
    },
    stop() {
      if (running) spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'], { timeout: 60_000 });
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    ctl(['start'], 'pg_ctl start');
    running = true;
  } catch (error) {
    server.stop();
    throw error;
  }
  return server;
}

// ---- network namespaces ----------------------------------------------------------------------

export interface Machines {
  /** Namespace names, one per machine. */
  readonly names: string[];
  /** This host's address on each machine's veth link (where the machine reaches the database). */
  readonly hostAddresses: string[];
  /** The private subnet all links live in, for pg_hba. */
  readonly subnet: string;
  remove(): void;
}

function ip(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Why network namespaces cannot be made here, or null. */
export function netnsMissing(): string | null {
  const probe = `sodprobe${randomBytes(3).toString('hex')}`;
  const added = ip(['netns', 'add', probe]);
  if (!added.ok) return `\`ip netns add\` fails here (${added.out.trim() || 'ip missing'}); run as root with iproute2`;
  ip(['netns', 'del', probe]);
  return null;
}

/**
 * `count` stand-in machines: network namespaces, each joined to this host by its own veth
 * pair on a /30 of a private 10.x.0.0/16 that no route here uses yet. Only the addresses on
 * those links are ever assigned. `remove` deletes them all (deleting a namespace deletes
 * its end of the pair, and with it the host's end).
 */
export function machines(count: number): Machines {
  const routes = ip(['-4', 'route', 'show', 'table', 'all']).out + ip(['-4', 'addr']).out;
  let second = 0;
  for (let tries = 0; tries < 50; tries++) {
    const candidate = 100 + Math.floor(Math.random() * 150);
    if (!routes.includes(`10.${candidate}.`)) {
      second = candidate;
      break;
    }
  }
  if (second === 0) throw new Error('no free 10.x.0.0/16 subnet for the veth links');
  const tag = randomBytes(2).toString('hex');
  const names: string[] = [];
  const hostAddresses: string[] = [];
  const hostLinks: string[] = [];
  const remove = () => {
    for (const ns of names) ip(['netns', 'del', ns]);
    for (const link of hostLinks) if (ip(['link', 'show', link]).ok) ip(['link', 'del', link]);
  };
  try {
    for (let i = 0; i < count; i++) {
      const ns = `sodate-${tag}-m${i}`;
      const hostLink = `sdh${tag}${i}`;
      const nsLink = `sdn${tag}${i}`;
      const host = `10.${second}.${i}.1`;
      const peer = `10.${second}.${i}.2`;
      const step = (args: string[]) => {
        const r = ip(args);
        if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.out.trim()}`);
      };
      step(['netns', 'add', ns]);
      names.push(ns);
      step(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink]);
      hostLinks.push(hostLink);
      step(['link', 'set', nsLink, 'netns', ns]);
      step(['addr', 'add', `${host}/30`, 'dev', hostLink]);
      step(['link', 'set', hostLink, 'up']);
      step(['netns', 'exec', ns, 'ip', 'addr', 'add', `${peer}/30`, 'dev', nsLink]);
      step(['netns', 'exec', ns, 'ip', 'link', 'set', nsLink, 'up']);
      step(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      hostAddresses.push(host);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { names, hostAddresses, subnet: `10.${second}.0.0/16`, remove };
}
