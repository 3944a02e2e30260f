import { afterEach, describe, expect, it } from 'vitest';
import type { Machines, PrivatePostgres, Project, SodateProcess } from './cluster.js';
import { allSucceed, expectWholeStudy, machines, netnsMissing, privatePostgres, privatePostgresMissing, project, sleep, sodate, waitForStudy } from './cluster.js';
import type { ScratchDatabase } from './pg-helpers.js';
import { postgresMissing, scratchDatabase, sql } from './pg-helpers.js';

/**
 * Several machines on one PostgreSQL study, with the real `sodate tune` and `sodate worker`
 * (run from the sources): one `tune` starts the study and works on it, workers join it.
 * Every scenario ends with expectWholeStudy: numbers 0..n-1 without gaps or duplicates,
 * every finished trial with its parameters and value.
 */

const missing = await postgresMissing();
if (missing !== null) console.warn(`skipping the multi-worker PostgreSQL tests: ${missing}`);
const noPrivate = missing ?? privatePostgresMissing();
if (noPrivate !== null && missing === null) console.warn(`skipping the PostgreSQL restart and network-namespace tests: ${noPrivate}`);
const noNetns = noPrivate ?? netnsMissing();
if (noNetns !== null && noPrivate === null) console.warn(`skipping the network-namespace test: ${noNetns}`);

const INLINE = ['--devices', 'cpu', '--per-device', '1', '--isolation', 'inline', '--format', 'plain'];

describe.skipIf(missing !== null)('several sodate processes on one PostgreSQL study', () => {
  const cleanups: (() => unknown)[] = [];
  const processes: SodateProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 120_000);

  async function scratch(): Promise<ScratchDatabase> {
    const db = await scratchDatabase();
    cleanups.push(() => db.drop());
    return db;
  }
  function temp(name: string, trials: number, retries = 0): Project {
    const p = project(name, trials, retries);
    cleanups.push(() => p.remove());
    return p;
  }
  function start(...args: Parameters<typeof sodate>): SodateProcess {
    const p = sodate(...args);
    processes.push(p);
    return p;
  }

  it('runs one study with `sodate tune` and three `sodate worker`s: every trial once, budget exact', async () => {
    const db = await scratch();
    const dir = temp('shared', 40);
    // tune's trials are slow, so that the workers (seconds to start) find work left.
    const env = { TRIAL_MS: '60' };
    const tune = start('tune', ['tune', 'space.yaml', '--storage', db.url, '--no-tui', ...INLINE], { cwd: dir.dir, env: { TRIAL_MS: '1000' } });
    await waitForStudy(db.url, 'shared');
    const workers = [1, 2, 3].map((i) => start(`worker${i}`, ['worker', 'shared', '--storage', db.url, ...INLINE], { cwd: dir.dir, env }));
    await allSucceed([tune, ...workers]);
    await expectWholeStudy(db.url, 'shared', 40);
    const ran = dir.ran();
    expect(ran).toHaveLength(40);
    expect(new Set(ran.map((r) => r.machine)).size).toBeGreaterThanOrEqual(3);
    for (const w of workers) expect((await w.done).stdout).toMatch(/done \(budget reached\): 40 trials, 40 complete/);
  }, 300_000);

  it('retries on another process the trial of a worker killed with SIGKILL mid-trial', async () => {
    const db = await scratch();
    const dir = temp('killed', 20, 1);
    const env = { TRIAL_MS: '1500' };
    const stale = ['--stale-after', '3'];
    const tune = start('tune', ['tune', 'space.yaml', '--storage', db.url, '--no-tui', ...INLINE, ...stale], { cwd: dir.dir, env });
    await waitForStudy(db.url, 'killed');
    const victim = start('victim', ['worker', 'killed', '--storage', db.url, ...INLINE, ...stale], { cwd: dir.dir, env });
    const others = [1, 2].map((i) => start(`worker${i}`, ['worker', 'killed', '--storage', db.url, ...INLINE, ...stale], { cwd: dir.dir, env }));
    // Kill the victim in the middle of a trial: it finished one, and has started another.
    const mine = (lines: { machine: string }[]) => lines.filter((l) => l.machine === 'victim').length;
    for (let i = 0; i < 1200 && !(mine(dir.ran()) >= 1 && mine(dir.started()) > mine(dir.ran())); i++) await sleep(100);
    const unfinished = dir.started().filter((l) => l.machine === 'victim' && !dir.ran().some((r) => r.machine === 'victim' && r.x === l.x));
    expect(unfinished, 'the victim never got mid-trial').toHaveLength(1);
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');
    await allSucceed([tune, ...others]);
    const trials = await expectWholeStudy(db.url, 'killed', 20);
    // The victim's trial failed for its missing heartbeat, and its retry (same x) completed in another process.
    const failed = trials.filter((t) => t.state === 'FAIL');
    expect(failed.map((t) => t.params['x'])).toEqual([unfinished[0]?.x]);
    expect(String(failed[0]?.systemAttrs['fail_reason'])).toMatch(/no heartbeat/);
    const retry = dir.ran().filter((r) => r.x === unfinished[0]?.x);
    expect(retry).toHaveLength(1);
    expect(retry[0]?.machine).not.toBe('victim');
  }, 300_000);

  describe.skipIf(noPrivate !== null)('on a private PostgreSQL server', () => {
    let server: PrivatePostgres | undefined;
    let links: Machines | undefined;
    afterEach(() => {
      server?.stop();
      server = undefined;
      links?.remove();
      links = undefined;
    }, 120_000);

    it('survives a PostgreSQL restart mid-study: workers reconnect, no trial lost or run twice', async () => {
      server = await privatePostgres();
      await sql(server.url('127.0.0.1'), 'CREATE DATABASE study');
      const url = server.url('127.0.0.1', 'study');
      const dir = temp('restarted', 40);
      const env = { TRIAL_MS: '150' };
      const tune = start('tune', ['tune', 'space.yaml', '--storage', url, '--no-tui', ...INLINE], { cwd: dir.dir, env });
      await waitForStudy(url, 'restarted');
      const workers = [1, 2, 3].map((i) => start(`worker${i}`, ['worker', 'restarted', '--storage', url, ...INLINE], { cwd: dir.dir, env }));
      for (let i = 0; i < 600 && dir.ran().length < 8; i++) await sleep(100);
      expect(dir.ran().length, 'the study never got going').toBeGreaterThanOrEqual(8);
      const before = dir.ran().length;
      server.restart();
      await allSucceed([tune, ...workers]);
      await expectWholeStudy(url, 'restarted', 40);
      expect(before).toBeLessThan(40); // the restart really was mid-study
      expect(dir.ran()).toHaveLength(40);
    }, 300_000);

    it.skipIf(noNetns !== null)('runs workers in separate network namespaces (stand-in machines) reaching the server over veth links', async () => {
      links = machines(3);
      server = await privatePostgres(links.hostAddresses, [links.subnet]);
      await sql(server.url('127.0.0.1'), 'CREATE DATABASE study');
      const dir = temp('machines', 36);
      const env = { TRIAL_MS: '60' };
      const hostUrl = server.url('127.0.0.1', 'study');
      const tune = start('host', ['tune', 'space.yaml', '--storage', hostUrl, '--no-tui', ...INLINE], { cwd: dir.dir, env: { TRIAL_MS: '1000' } });
      await waitForStudy(hostUrl, 'machines');
      const workers = links.names.map((ns, i) =>
        start(`machine${i}`, ['worker', 'machines', '--storage', server!.url(links!.hostAddresses[i]!, 'study'), ...INLINE], { cwd: dir.dir, env, netns: ns }),
      );
      // While they work, note where the server's sodate clients connect from.
      const seen = new Set<string>();
      let over = false;
      const finished = allSucceed([tune, ...workers]).finally(() => (over = true));
      while (!over) {
        const clients = await sql<{ addr: string | null }>(hostUrl, "SELECT client_addr::text AS addr FROM pg_stat_activity WHERE application_name = 'sodate'");
        for (const c of clients) if (c.addr !== null) seen.add(c.addr.replace(/\/\d+$/, ''));
        await sleep(200);
      }
      await finished;
      await expectWholeStudy(hostUrl, 'machines', 36);
      const peers = links.hostAddresses.map((h) => h.replace(/\.1$/, '.2'));
      expect([...seen].filter((a) => peers.includes(a)).length, `clients seen: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(2);
      const byMachine = new Set(dir.ran().map((r) => r.machine));
      expect([...byMachine].filter((m) => m.startsWith('machine')).length).toBeGreaterThanOrEqual(2);
      // The dashboard attaches from another machine (without a terminal it prints one frame).
      const dashboard = start('dashboard', ['dashboard', 'machines', '--storage', server.url(links.hostAddresses[0]!, 'study')], { cwd: dir.dir, netns: links.names[0]! });
      const frame = await dashboard.done;
      expect(frame.code, dashboard.output()).toBe(0);
      expect(frame.stdout).toContain('machines');
      expect(frame.stdout).toMatch(/36/);
    }, 300_000);
  });
});
