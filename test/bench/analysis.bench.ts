/**
 * Analysis benchmark: parameter importance (PED-ANOVA, fANOVA) and the HTML report on a
 * 10,000-trial study, each to stay within 2 s. The study has 10 parameters (log float,
 * int, stepped float, categoricals, a conditional one), 20 intermediate values per trial,
 * pruned and failed trials, and 8 slots on 4 devices. It is written once to a SQLite file
 * in the OS temp folder and reused.
 *
 *   npm run bench -- analysis
 *   SODATE_BENCH_TRIALS=2000 npm run bench -- analysis     another size
 *
 * Times: in-process (trials already read; the 2 s limit applies here) and the whole CLI
 * command (`sodate importance`, `sodate report`: process start, loading the CLI's modules,
 * reading the study from SQLite, computing, writing), best of 3, wall and CPU seconds; the
 * baseline row (`sodate best`) is what any command pays before analysing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport, paramImportances, renderReportHtml } from '../../src/analysis/index.js';
import { Rng } from '../../src/samplers/rng.js';
import { categoricalDistribution, floatDistribution, intDistribution, toInternal } from '../../src/space/distributions.js';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { START_CURSOR } from '../../src/storage/records.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '../../bin/sodate.js');
const N = Number(process.env['SODATE_BENCH_TRIALS'] ?? 10_000);
const LIMIT_S = 2;
const NAME = `bench-analysis-${N}`;
const file = join(tmpdir(), `sodate-${NAME}.db`);

const SPACE: Record<string, Distribution> = {
  lr: floatDistribution(1e-5, 1e-1, { log: true }),
  weight_decay: floatDistribution(1e-6, 1e-2, { log: true }),
  warmup_epochs: intDistribution(0, 5),
  drop_path: floatDistribution(0, 0.3, { step: 0.05 }),
  batch_size: categoricalDistribution([16, 32, 64, 128]),
  optimizer: categoricalDistribution(['adamw', 'sgd', 'lion']),
  momentum: floatDistribution(0.8, 0.99),
  ema: categoricalDistribution([true, false]),
  label_smoothing: floatDistribution(0, 0.2),
  noise: floatDistribution(0, 1),
};

async function writeStudy(): Promise<void> {
  const storage = SqliteStorage.open(file);
  const study = await storage.createStudy({ name: NAME, direction: 'minimize', userAttrs: { metric: 'val_loss' }, systemAttrs: { 'sodate:seed': 0 } });
  const rng = new Rng(0);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const trial = (await storage.createTrial(study.id))!;
    const p: Record<string, ParamValue> = {};
    for (const [name, dist] of Object.entries(SPACE)) {
      if (name === 'momentum' && p['optimizer'] !== 'sgd') continue;
      let value: ParamValue;
      if (dist.kind === 'categorical') value = dist.choices[rng.int(dist.choices.length)] ?? null;
      else if (dist.kind === 'int') value = dist.low + rng.int(dist.high - dist.low + 1);
      else if (dist.log) value = Math.exp(Math.log(dist.low) + rng.float() * (Math.log(dist.high) - Math.log(dist.low)));
      else if (dist.step !== null) value = dist.low + rng.int(Math.round((dist.high - dist.low) / dist.step) + 1) * dist.step;
      else value = dist.low + rng.float() * (dist.high - dist.low);
      p[name] = value;
      await storage.setParam(trial.id, name, toInternal(dist, value), dist);
    }
    await storage.setTrialAttr(trial.id, 'system', 'sodate:slot', `t${i % 8}`);
    await storage.setTrialAttr(trial.id, 'system', 'sodate:device', `gpu:${i % 4}`);
    const final = (Math.log10(p['lr'] as number) + 3) ** 2 + (p['ema'] === true ? 0 : 0.5) + 0.1 * (p['warmup_epochs'] as number) + (p['optimizer'] === 'sgd' ? 20 * ((p['momentum'] as number) - 0.9) ** 2 : 0.1) + 0.05 * rng.normal();
    const pruned = i % 5 === 4;
    const steps = pruned ? 5 : 20;
    for (let s = 0; s < steps; s++) await storage.report(trial.id, s, final + 2 / (s + 1));
    await storage.finishTrial(trial.id, i % 97 === 13 ? 'FAIL' : pruned ? 'PRUNED' : 'COMPLETE', i % 97 === 13 ? null : [pruned ? final + 0.4 : final]);
  }
  await storage.close();
  console.log(`wrote ${N} trials to ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Best of `times`: wall and CPU (user + system) seconds of `run`. */
function bestOf(times: number, run: () => void): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let k = 0; k < times; k++) {
    const t = performance.now();
    const c = process.cpuUsage();
    run();
    const used = process.cpuUsage(c);
    wall = Math.min(wall, (performance.now() - t) / 1000);
    cpu = Math.min(cpu, (used.user + used.system) / 1e6);
  }
  return { wall, cpu };
}

/** The whole CLI command, best of 3: wall and CPU seconds (from /usr/bin/time when present). */
function cli(args: string[], cwd: string): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  const timed = existsSync('/usr/bin/time');
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const r = timed
      ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, BIN, ...args, '--storage', `sqlite:${file}`], { cwd, encoding: 'utf8' })
      : spawnSync(process.execPath, [BIN, ...args, '--storage', `sqlite:${file}`], { cwd, encoding: 'utf8' });
    wall = Math.min(wall, (performance.now() - t) / 1000);
    if (r.status !== 0) throw new Error(`sodate ${args.join(' ')} failed: ${r.stderr}`);
    const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (m !== null) cpu = Math.min(cpu, Number(m[1]) + Number(m[2]));
  }
  return { wall, cpu: cpu === Infinity ? NaN : cpu };
}

if (!existsSync(file)) await writeStudy();
const storage = SqliteStorage.open(file);
const study = (await storage.loadStudy(NAME))!;
const t0 = performance.now();
const trials = (await storage.trialsSince(study.id, START_CURSOR)).trials;
console.log(`read ${trials.length} trials from SQLite in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
await storage.close();

const cwd = mkdtempSync(join(tmpdir(), 'sodate-bench-analysis-'));
const rows: [string, { wall: number; cpu: number } | null, { wall: number; cpu: number }][] = [
  ['importance ped-anova', bestOf(3, () => paramImportances(trials, 'minimize', { method: 'ped-anova' })), cli(['importance', NAME, '--method', 'ped-anova'], cwd)],
  ['importance fanova', bestOf(3, () => paramImportances(trials, 'minimize', { method: 'fanova' })), cli(['importance', NAME, '--method', 'fanova'], cwd)],
  ['report (html)', bestOf(3, () => renderReportHtml(buildReport(study, trials))), cli(['report', NAME, '-o', 'r.html'], cwd)],
  // What every command pays before analysing: Node + the CLI's modules, then reading the study.
  ['baseline: sodate best', null, cli(['best', NAME], cwd)],
];
rmSync(cwd, { recursive: true, force: true });

const fmt = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(3)} s`).padStart(9);
console.log(`\n${N.toLocaleString('en-US')} trials, best of 3, limit ${LIMIT_S} s on the analysis itself (in-process wall)`);
console.log(`${'task'.padEnd(24)} ${'in-proc wall'.padStart(12)} ${'cpu'.padStart(9)} ${'CLI wall'.padStart(9)} ${'CLI cpu'.padStart(9)}  verdict`);
let over = 0;
for (const [task, inproc, whole] of rows) {
  const ok = inproc === null || inproc.wall <= LIMIT_S;
  if (!ok) over++;
  console.log(`${task.padEnd(24)} ${inproc === null ? '-'.padStart(12) : fmt(inproc.wall).padStart(12)} ${inproc === null ? '-'.padStart(9) : fmt(inproc.cpu)} ${fmt(whole.wall)} ${fmt(whole.cpu)}  ${inproc === null ? '' : ok ? 'ok' : 'OVER'}`);
}
process.exit(over > 0 ? 1 : 0);
