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

async function trials(url: string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (text: string) => (out += text) }, err: { write: (text: string) => (err += text) }, cwd: tmpdir() };
  const code = await main(['trials', 'clash', '--storage', url, ...flags], io);
  return { code, out, err };
}

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
    expect(out.split('\n')[0]).toBe('number,state,value,duration,params_value,params_state,loss');
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
});
