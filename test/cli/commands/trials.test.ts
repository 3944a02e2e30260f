import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/index.js';
import type { CliIo } from '../../../src/cli/io.js';
import { createStudy } from '../../../src/study/create.js';

/** A SQLite study `clash` whose parameters are named like the columns `value` and `state`, beside an ordinary `loss`. */
async function clashingStudy(): Promise<string> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sodate-trials-')), 'clash.db')}`;
  const study = await createStudy({ name: 'clash', storage: url });
  for (const objective of [10, 20]) {
    const trial = await study.ask();
    trial.suggestFloat('value', 0.25, 0.25);
    trial.suggestCategorical('state', ['on']);
    trial.suggestFloat('loss', 0.5, 0.5);
    await study.tell(trial, objective);
  }
  await study.close();
  return url;
}

/**
 * A SQLite study `limits` with a constraint (mem ≤ 16) and a conditional parameter: trial 0
 * within the limit, trial 1 past it with an infinite value and without `momentum`.
 */
async function constrainedStudy(): Promise<string> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sodate-trials-')), 'limits.db')}`;
  const study = await createStudy({ name: 'limits', storage: url, constraints: { mem: { max: 16 } } });
  for (const [value, mem, momentum] of [
    [0.5, 12, true],
    [Infinity, 20, false],
  ] as const) {
    const trial = await study.ask();
    trial.suggestFloat('lr', 0.1, 0.1);
    if (momentum) trial.suggestFloat('momentum', 0.9, 0.9);
    trial.setConstraint('mem', mem);
    await study.tell(trial, value);
  }
  await study.close();
  return url;
}

async function run(command: string, study: string, url: string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (text: string) => (out += text) }, err: { write: (text: string) => (err += text) }, cwd: tmpdir() };
  const code = await main([command, study, '--storage', url, ...flags], io);
  return { code, out, err };
}

const trials = (url: string, ...flags: string[]) => run('trials', 'clash', url, ...flags);

/** Rows keyed by header, as Python's csv.DictReader reads them (a later duplicate column wins). */
function dictRows(csv: string): Record<string, string>[] {
  const [head = '', ...lines] = csv.trim().split('\n');
  const header = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [header[i] as string, cell])));
}

describe('sodate trials', () => {
  it('heads a parameter named like a column params_<name> in CSV, so a reader keyed by header gets the trial value', async () => {
    const url = await clashingStudy();
    const { code, out, err } = await trials(url, '--format', 'csv');
    expect(code, err).toBe(0);
    expect(out.split('\n')[0]).toBe('number,state,value,duration_s,params_value,params_state,loss');
    expect(dictRows(out).map((r) => [r['value'], r['state'], r['params_value'], r['params_state'], r['loss']])).toEqual([
      ['10', 'COMPLETE', '0.25', 'on', '0.5'],
      ['20', 'COMPLETE', '0.25', 'on', '0.5'],
    ]);
  });

  it('gives every column of the table a unique name too', async () => {
    const url = await clashingStudy();
    const { code, out, err } = await trials(url);
    expect(code, err).toBe(0);
    expect((out.split('\n')[0] ?? '').trim().split(/\s+/)).toEqual(['number', 'state', 'value', 'duration', 'params_value', 'params_state', 'loss']);
  });

  it('spells values in CSV as `sodate export` does: duration_s, feasible true/false, inf, an absent parameter empty', async () => {
    const url = await constrainedStudy();
    const { code, out, err } = await run('trials', 'limits', url, '--format', 'csv');
    expect(code, err).toBe(0);
    expect(out.split('\n')[0]).toBe('number,state,value,feasible,duration_s,lr,momentum');
    expect(dictRows(out).map((r) => [r['value'], r['feasible'], r['momentum']])).toEqual([
      ['0.5', 'true', '0.9'],
      ['inf', 'false', ''],
    ]);
    expect(dictRows(out).every((r) => /^\d+(\.\d+)?$/.test(r['duration_s'] ?? ''))).toBe(true);
  });

  it('agrees with `sodate export` CSV cell for cell on every column both have', async () => {
    const url = await constrainedStudy();
    const view = await run('trials', 'limits', url, '--format', 'csv');
    const exported = await run('export', 'limits', url, '--format', 'csv');
    expect(exported.code, exported.err).toBe(0);
    const machine = dictRows(exported.out);
    const both: [string, string][] = [['number', 'number'], ['state', 'state'], ['value', 'value'], ['feasible', 'feasible'], ['duration_s', 'duration_s'], ['lr', 'params_lr'], ['momentum', 'params_momentum']];
    dictRows(view.out).forEach((row, i) => {
      for (const [own, theirs] of both) expect(row[own], own).toBe(machine[i]?.[theirs]);
    });
  });

  it('keeps yes/no and the rounded forms in the table, which is for reading', async () => {
    const url = await constrainedStudy();
    const { code, out, err } = await run('trials', 'limits', url);
    expect(code, err).toBe(0);
    const cells = out.trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));
    expect(cells.map((c) => [c[2], c[3], c.at(-1)])).toEqual([
      ['0.5', 'yes', '0.9'],
      ['inf', 'no', '-'],
    ]);
  });
});
