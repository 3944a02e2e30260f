import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePng, inkStats } from '../analysis/png.js';
import { writeDemoStudy, writeMultiObjectiveStudy } from '../analysis/make-study.js';
import { runCli, tempProject } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const PLOTS = ['history', 'importance', 'intermediate', 'parallel', 'slice', 'contour', 'timeline'];

let dir: string;
beforeAll(async () => {
  dir = tempProject();
  mkdirSync(join(dir, 'studies'));
  await writeDemoStudy(join(dir, 'studies/demo.db'), 'demo', 60, 1);
  await writeDemoStudy(join(dir, 'studies/demo-b.db'), 'demo-b', 30, 2);
  await writeMultiObjectiveStudy(join(dir, 'studies/pareto.db'), 'pareto', 40, 3);
});

/** Headless Chromium as the machine allows it: no sandbox (root), no network, a fresh profile. */
function chromium(...args: string[]) {
  return spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'sodate-chromium-'))}`, ...args],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
}

describe('sodate importance', () => {
  it.each(['ped-anova', 'fanova'])('--method %s prints shares summing to 1 as JSON, the known-good lr and ema first', async (method) => {
    const result = await runCli(['importance', 'demo', '--method', method, '--format', 'json'], dir);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as { method: string; importances: { name: string; importance: number }[] };
    expect(parsed.method).toBe(method);
    expect(parsed.importances.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1, 9);
    expect(parsed.importances.map((p) => p.name)).toContain('momentum');
    expect(parsed.importances.slice(0, 2).map((p) => p.name)).toContain('lr');
  });

  it('prints a table by default and refuses an unknown method', async () => {
    const table = await runCli(['importance', 'demo'], dir);
    expect(table.stdout).toMatch(/parameter importance of demo \(PED-ANOVA, \d+ complete trials\)/);
    const bad = await runCli(['importance', 'demo', '--method', 'shap'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--method expects one of ped-anova, fanova/);
    const missing = await runCli(['importance', 'nope'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
  });
});

describe('sodate export', () => {
  it('writes one CSV row per trial, with device, slot, best epoch and why a trial failed or was pruned', async () => {
    const result = await runCli(['export', 'demo', '--format', 'csv'], dir);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(61);
    const header = (lines[0] ?? '').split(',');
    expect(header.slice(0, 9)).toEqual(['number', 'state', 'value', 'duration_s', 'datetime_start', 'datetime_complete', 'device', 'slot', 'best_epoch']);
    expect(header.filter((h) => h.startsWith('params_')).sort()).toEqual(['params_ema', 'params_layers', 'params_lr', 'params_momentum', 'params_noise', 'params_optimizer']);
    expect(header.at(-1)).toBe('note');
    expect(lines[1]).toMatch(/^0,COMPLETE,[\d.e-]+,[\d.]+,[^,]+,[^,]+,cpu,t0,4,/);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1]))).toEqual(new Set(['COMPLETE', 'PRUNED', 'FAIL']));
    for (const line of lines.slice(1)) {
      if (line.split(',')[1] === 'PRUNED') expect(line).toMatch(/,pruned (at step \d+|before its first report)[^,]*$/);
      if (line.split(',')[1] === 'FAIL') expect(line).not.toMatch(/,$/);
    }
  });

  it('writes JSON to a file with -o', async () => {
    const result = await runCli(['export', 'demo', '--format', 'json', '-o', 'trials.json'], dir);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, 'trials.json'), 'utf8')) as { number: number; device: string; params: Record<string, unknown> }[];
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(rows[1]?.device).toBe('gpu:0');
  });
});

describe('sodate compare', () => {
  it('puts two studies side by side and one study split by a parameter', async () => {
    const two = await runCli(['compare', 'demo', 'demo-b'], dir);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/^demo\s+1\s+\d+/m);
    expect(two.stdout).toMatch(/P\(beats demo\)/);
    const seeds = await runCli(['compare', 'all=demo,demo-b', '--param', 'ema', '--format', 'json'], dir);
    expect(seeds.code, seeds.stderr).toBe(0);
    const parsed = JSON.parse(seeds.stdout) as { arms: { label: string; bests: unknown[] }[]; versus: { pTrialBetter: number }[] };
    expect(parsed.arms.map((a) => a.label)).toEqual(['ema=true', 'ema=false']);
    expect(parsed.arms[0]?.bests).toHaveLength(2);
    // ema=false is worse by construction.
    expect(parsed.versus[0]?.pTrialBetter).toBeLessThan(0.5);
  });
});

describe('sodate report', () => {
  let html: string;
  let report: string;
  beforeAll(async () => {
    const result = await runCli(['report', 'demo', '-o', 'report.html', '--png-dir', 'png'], dir);
    expect(result.code, result.stderr).toBe(0);
    report = join(dir, 'report.html');
    html = readFileSync(report, 'utf8');
  });

  it('writes one self-contained HTML file with every plot, the best trials and the configuration', () => {
    for (const kind of PLOTS) expect(html).toContain(`id="plot-${kind}"`);
    expect(html).toContain('<table id="best-trials">');
    expect(html).toMatch(/sodate:seed<\/td><td>1</);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img/i);
  });

  it.each([
    ['a folder that does not exist', ['-o', 'nowhere/r.html'], /^sodate report: -o \S+nowhere\/r\.html: the folder \S+nowhere does not exist; create it, or write the report elsewhere\n$/],
    ['a folder by its trailing slash', ['-o', 'out/'], /^sodate report: -o out\/ names a folder; give a file name, e\.g\. -o out\/demo-report\.html\n$/],
    ['a folder', ['-o', 'studies'], /^sodate report: -o \S+studies is a folder; give a file name, e\.g\. -o \S+studies\/demo-report\.html\n$/],
    ['a plot folder under a file', ['-o', 'ok.html', '--svg-dir', 'report.html/svg'], /^sodate report: --svg-dir \S+report\.html\/svg: cannot create the folder \(.*\); give a folder that can be written\n$/],
  ])('refuses -o or a plot folder naming %s in one line', async (_what, args, expected) => {
    const run = await runCli(['report', 'demo', ...args], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(expected);
  });

  it('writes a non-blank PNG per plot', () => {
    expect(readdirSync(join(dir, 'png')).sort()).toEqual(PLOTS.map((p) => `${p}.png`).sort());
    for (const kind of PLOTS) {
      const image = decodePng(readFileSync(join(dir, 'png', `${kind}.png`)));
      expect(image.width).toBeGreaterThan(500);
      expect(image.height).toBeGreaterThan(150);
      expect(inkStats(image).inked).toBeGreaterThan(0.02);
    }
  });

  it.skipIf(!existsSync(CHROMIUM))('opens in headless Chromium without a network: every plot is in the DOM and the screenshot is not blank', () => {
    const shot = join(dir, 'screenshot.png');
    const run = chromium('--screenshot=' + shot, '--window-size=1280,2000', `file://${report}`);
    expect(existsSync(shot), run.stderr).toBe(true);
    const image = decodePng(readFileSync(shot));
    expect([image.width, image.height]).toEqual([1280, 2000]);
    const stats = inkStats(image);
    expect(stats.inked).toBeGreaterThan(0.05);
    expect(stats.colors).toBeGreaterThan(30);

    const dom = chromium('--dump-dom', `file://${report}`);
    expect(dom.status, dom.stderr).toBe(0);
    for (const kind of PLOTS) expect(dom.stdout).toMatch(new RegExp(`<figure id="plot-${kind}" data-plot="${kind}"><svg[^>]*data-plot="${kind}"`));
    expect((dom.stdout.match(/<svg/g) ?? []).length).toBe(PLOTS.length);
  });
});

describe('sodate report of a two-objective, constrained study', () => {
  it('adds the Pareto front and the hypervolume history, and writes each as a PNG', async () => {
    const result = await runCli(['report', 'pareto', '-o', 'pareto.html', '--png-dir', 'pareto-png'], dir);
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(join(dir, 'pareto.html'), 'utf8');
    for (const kind of ['pareto', 'hypervolume', ...PLOTS]) expect(html).toContain(`id="plot-${kind}"`);
    expect(html).toContain('minimize val_loss, minimize latency_ms');
    expect(html).toContain('<table id="pareto-front">');
    expect(html).toContain('data-series="infeasible"');
    for (const kind of ['pareto', 'hypervolume']) expect(inkStats(decodePng(readFileSync(join(dir, 'pareto-png', `${kind}.png`)))).inked).toBeGreaterThan(0.02);
  });
});
