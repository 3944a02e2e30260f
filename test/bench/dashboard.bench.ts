/**
 * Dashboard refresh cost and memory while following a running study.
 *
 *   npm run bench dashboard
 *   SODATE_BENCH_FOLLOW_SECONDS=600 npm run bench dashboard     follow for 10 minutes (default 120)
 *   SODATE_BENCH_STORAGES=memory npm run bench dashboard         skip the SQLite file (default memory,sqlite)
 *
 * 1. One refresh of a 10,000-trial study with 50 intermediate values per trial: the
 *    incremental read (CachedStorage.allTrials while 4 trials run and report), the view
 *    model, and drawing it with the live Ink app (colours on), at 80×24 and 200×60.
 *    Target: ≤ 50 ms.
 * 2. Memory while following a running study: the real Ink app (on a discarding stream)
 *    fed by a TrialFeed every 500 ms, while a producer runs 4 trials at a time that report
 *    50 steps each; heap after GC sampled every 10 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { render } from 'ink';
import { createElement } from 'react';
import { categoricalDistribution, floatDistribution, toInternal } from '../../src/space/distributions.js';
import { CachedStorage } from '../../src/storage/cached.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import type { FrozenTrial } from '../../src/storage/records.js';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import type { ViewMemo } from '../../src/tui/index.js';
import { App, DashboardStore, Screen, TrialFeed, buildDashboardView } from '../../src/tui/index.js';
import { printTable } from './table.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TRIALS = 10_000;
const STEPS = 50;
const RUNNING = 4;
const FOLLOW_SECONDS = Number(process.env['SODATE_BENCH_FOLLOW_SECONDS'] ?? 120);
const STORAGES = (process.env['SODATE_BENCH_STORAGES'] ?? 'memory,sqlite').split(',');
const LR = floatDistribution(1e-5, 1e-2, { log: true });
const BS = categoricalDistribution([16, 32, 64, 128]);
const OPT = categoricalDistribution(['adamw', 'sgd']);

let seed = 1;
const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;

async function addTrial(storage: Storage, studyId: number, steps: number, finish: boolean): Promise<FrozenTrial> {
  const t = (await storage.createTrial(studyId)) as FrozenTrial;
  const lr = 10 ** (-5 + 3 * rand());
  await storage.setParam(t.id, 'lr', toInternal(LR, lr), LR);
  await storage.setParam(t.id, 'batch_size', Math.floor(rand() * 4), BS);
  await storage.setParam(t.id, 'optimizer', Math.floor(rand() * 2), OPT);
  await storage.setTrialAttr(t.id, 'system', 'sodate:slot', `gpu${t.number % 2}#1`);
  await storage.setTrialAttr(t.id, 'system', 'sodate:device', `cuda:${t.number % 2}`);
  await storage.setTrialAttr(t.id, 'system', 'sodate:max_step', STEPS - 1);
  const quality = Math.abs(Math.log10(lr) + 3);
  let last = 0;
  for (let s = 0; s < steps; s++) await storage.report(t.id, s, (last = 0.2 + quality / 2 + 2 / (s + 1) + 0.05 * rand()));
  if (finish) await storage.finishTrial(t.id, rand() < 0.1 ? 'PRUNED' : 'COMPLETE', [last]);
  return t;
}

async function fill(inner: Storage): Promise<{ storage: CachedStorage; studyId: number; running: FrozenTrial[] }> {
  const study = await inner.createStudy({ name: 'bench', direction: 'minimize', userAttrs: { metric: 'val_loss' } });
  const sqlite = inner instanceof SqliteStorage ? inner : undefined;
  const batch = async (n: number) => {
    for (let i = 0; i < n; i++) await addTrial(inner, study.id, STEPS, true);
  };
  // SQLite: one transaction per 500 trials keeps the setup to seconds (the storage API is one transaction per call).
  for (let done = 0; done < TRIALS - RUNNING; done += 500) {
    const n = Math.min(500, TRIALS - RUNNING - done);
    if (sqlite !== undefined) {
      const db = (sqlite as unknown as { db: { exec(sql: string): void } }).db;
      db.exec('BEGIN');
      await batch(n);
      db.exec('COMMIT');
    } else await batch(n);
  }
  const running: FrozenTrial[] = [];
  for (let i = 0; i < RUNNING; i++) running.push(await addTrial(inner, study.id, 10, false));
  return { storage: new CachedStorage(inner), studyId: study.id, running };
}

function stats(xs: number[]): { median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] as number, p95: s[Math.floor(s.length * 0.95)] as number, max: s[s.length - 1] as number };
}

const ms = (x: number) => x.toFixed(2);

async function refreshBench(kind: string): Promise<void> {
  let inner: Storage;
  let dir: string | undefined;
  if (kind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'sodate-bench-'));
    inner = SqliteStorage.open(join(dir, 'bench.db'));
  } else inner = new InMemoryStorage();
  const t0 = performance.now();
  const { storage, studyId, running } = await fill(inner);
  console.log(`${kind}: ${TRIALS} trials × ${STEPS} values written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const header = { name: 'bench', direction: 'minimize' as const, metric: 'val_loss', sampler: 'tpe', pruner: 'asha', maxTrials: 20_000, startedAt: Date.now() - 3600_000 };
  const first = performance.now();
  let trials = await storage.allTrials(studyId);
  const firstRead = performance.now() - first;
  const rows: string[][] = [];
  // The draw is what a live dashboard does per frame: the Ink app re-rendered with the new
  // view and written out (debug mode: unthrottled, every frame written in full).
  const sink = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false, columns: 200, rows: 60 });
  const stdin = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false });
  const ink = render(createElement('ink-text', null, ''), { stdout: sink as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, debug: true, patchConsole: false, exitOnCtrlC: false });
  for (const size of [
    { columns: 80, rows: 24 },
    { columns: 200, rows: 60 },
  ]) {
    const memo: ViewMemo = {};
    const read: number[] = [];
    const view: number[] = [];
    const draw: number[] = [];
    const total: number[] = [];
    const completing: number[] = [];
    let step = 10;
    for (let i = 0; i < 60; i++) {
      // Between refreshes the running trials report one more step; every 10th refresh one completes.
      for (const t of running) await storage.report(t.id, step, 1 / (step + 1));
      step++;
      const finishing = i % 10 === 9;
      if (finishing) {
        const done = running.shift() as FrozenTrial;
        await storage.finishTrial(done.id, 'COMPLETE', [0.25 + rand()]);
        running.push(await addTrial(inner, studyId, 1, false));
      }
      const a = performance.now();
      trials = await storage.allTrials(studyId);
      const b = performance.now();
      const v = buildDashboardView({ study: header, trials, now: Date.now(), size, sort: 'recent', selected: null, detail: false }, memo);
      const c = performance.now();
      ink.rerender(createElement(Screen, { view: v, color: true }));
      const d = performance.now();
      if (i < 5) continue; // warm-up
      read.push(b - a);
      view.push(c - b);
      draw.push(d - c);
      total.push(d - a);
      if (finishing) completing.push(d - a);
    }
    const r = stats(read);
    const v = stats(view);
    const w = stats(draw);
    const t = stats(total);
    rows.push([kind, `${size.columns}×${size.rows}`, ms(r.median), ms(v.median), ms(w.median), ms(t.median), ms(t.p95), ms(t.max), ms(Math.max(...completing)), t.p95 <= 50 ? 'yes' : 'NO']);
  }
  ink.unmount();
  console.log(`${kind}: first full read of the study (once, when the dashboard starts): ${ms(firstRead)} ms`);
  printTable(['storage', 'size', 'read ms', 'view ms', 'draw ms', 'refresh median', 'p95', 'max', 'max with a completion', '≤50ms (p95)'], rows);
  await storage.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

async function followBench(): Promise<void> {
  const inner = new InMemoryStorage();
  const { storage, studyId, running } = await fill(inner);
  const store = new DashboardStore({ header: { name: 'bench', direction: 'minimize', metric: 'val_loss', sampler: 'tpe', pruner: 'asha', maxTrials: 20_000 }, trials: [], now: Date.now(), device: null, notice: null });
  let frames = 0;
  const sink = Object.assign(
    new Writable({
      write(_chunk, _enc, cb) {
        frames++;
        cb();
      },
    }),
    { isTTY: false, columns: 120, rows: 40 },
  );
  const stdin = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false });
  const instance = render(createElement(App, { source: store, mode: 'attach', keys: false, size: { columns: 120, rows: 40 } }), {
    stdout: sink as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const feed = new TrialFeed({ read: () => storage.allTrials(studyId), onTrials: (trials, now) => store.update({ trials, now }), refreshMs: 500 });
  feed.start();
  // The producer: each running trial reports a step every 100 ms; after 50 steps it completes and a new one starts.
  const steps = new Map(running.map((t) => [t.id, 10]));
  let produced = 0;
  const producer = setInterval(() => {
    void (async () => {
      for (const [id, s] of [...steps]) {
        if (s >= STEPS) {
          steps.delete(id);
          await storage.finishTrial(id, 'COMPLETE', [0.25 + rand()]);
          const t = await addTrial(inner, studyId, 0, false);
          steps.set(t.id, 0);
          produced++;
        } else {
          await storage.report(id, s, 1 / (s + 1));
          steps.set(id, s + 1);
        }
      }
    })();
  }, 100);
  const samples: string[][] = [];
  const start = Date.now();
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  let baseline = 0;
  for (let t = 0; t <= FOLLOW_SECONDS; t += 10) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + t * 1000 - Date.now())));
    const h = heap();
    if (t === 10) baseline = h;
    samples.push([`${t}`, `${(h).toFixed(1)}`, `${store.getSnapshot().trials.length}`, `${frames}`]);
  }
  clearInterval(producer);
  feed.stop();
  instance.unmount();
  const last = Number(samples.at(-1)?.[1]);
  console.log(`\nfollowing a running study for ${FOLLOW_SECONDS} s (refresh every 500 ms, 4 trials reporting 10 steps/s each, ${produced} trials completed meanwhile):`);
  printTable(['t (s)', 'heap after GC (MiB)', 'trials', 'writes to the terminal'], samples);
  console.log(`heap growth from t=10 s to the end: ${(last - baseline).toFixed(1)} MiB for ${produced} new trials (${(((last - baseline) * 1024) / Math.max(1, produced)).toFixed(1)} KiB per new trial, which the study itself holds)`);
  await storage.close();
}

console.log(`${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (timings scale with a busy machine)`);
for (const kind of STORAGES) await refreshBench(kind);
await followBench();
