import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/index.js';
import type { CliIo } from '../../../src/cli/io.js';
import { RandomSampler } from '../../../src/samplers/random.js';
import { createStudy } from '../../../src/study/create.js';

/**
 * A SQLite study of 60 seeded random trials over a, b and c: val_loss (minimized) follows a,
 * latency_ms (minimized) follows b. Trials 0, 10, …, 50 are past the memory limit and, best
 * on both objectives, ranked by c alone.
 */
async function paretoStudy(): Promise<string> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sodate-importance-')), 'pareto.db')}`;
  const study = await createStudy({ name: 'pareto', storage: url, sampler: new RandomSampler({ seed: 1 }), directions: ['minimize', 'minimize'], constraints: { memory_gb: { max: 16 } }, userAttrs: { metrics: ['val_loss', 'latency_ms'] } });
  for (let i = 0; i < 60; i++) {
    const trial = await study.ask();
    const [a, b, c] = [trial.suggestFloat('a', 0, 1), trial.suggestFloat('b', 0, 1), trial.suggestFloat('c', 0, 1)];
    const over = i % 10 === 0;
    trial.setConstraint('memory_gb', over ? 32 : 8);
    await study.tell(trial, over ? [-10 + c, -10 + c] : [(a - 0.3) ** 2, (b - 0.6) ** 2]);
  }
  await study.close();
  return url;
}

/** A SQLite study of 12 trials over x and y whose objective is always 1. */
async function constantStudy(): Promise<string> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sodate-importance-')), 'flat.db')}`;
  const study = await createStudy({ name: 'flat', storage: url });
  for (let i = 0; i < 12; i++) {
    const trial = await study.ask();
    trial.suggestFloat('x', 0, 1);
    trial.suggestFloat('y', 0, 1);
    await study.tell(trial, 1);
  }
  await study.close();
  return url;
}

async function importance(study: string, url: string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (text: string) => (out += text) }, err: { write: (text: string) => (err += text) }, cwd: tmpdir() };
  const code = await main(['importance', study, '--storage', url, ...flags], io);
  return { code, out, err };
}

interface ImportanceJson {
  objective: { index: number; name: string };
  direction: string;
  importances: { name: string; importance: number }[];
  nTrials: number;
  infeasible: number;
  note?: string;
}

describe('sodate importance on a study of several objectives', () => {
  it('names the objective it ranks, the first by default, in JSON and in the table header', async () => {
    const url = await paretoStudy();
    const json = await importance('pareto', url, '--format', 'json');
    expect(json.code, json.err).toBe(0);
    const parsed = JSON.parse(json.out) as ImportanceJson;
    expect([parsed.objective, parsed.direction]).toEqual([{ index: 0, name: 'val_loss' }, 'minimize']);
    expect(parsed.importances[0]?.name).toBe('a');
    const table = await importance('pareto', url);
    expect(table.out.split('\n')[0]).toBe('parameter importance of pareto for val_loss (objective 0 of 2, counted from 0) (PED-ANOVA, 54 complete trials; 6 infeasible left out)');
  });

  it('ranks another objective picked with --objective, by name or index', async () => {
    const url = await paretoStudy();
    for (const pick of ['latency_ms', '1']) {
      const { code, out, err } = await importance('pareto', url, '--objective', pick, '--format', 'json');
      expect(code, err).toBe(0);
      const parsed = JSON.parse(out) as ImportanceJson;
      expect(parsed.objective).toEqual({ index: 1, name: 'latency_ms' });
      expect(parsed.importances[0]?.name).toBe('b');
    }
  });

  it('leaves trials past a constraint out and counts them', async () => {
    const url = await paretoStudy();
    const parsed = JSON.parse((await importance('pareto', url, '--format', 'json')).out) as ImportanceJson;
    expect([parsed.nTrials, parsed.infeasible]).toEqual([54, 6]);
    expect(parsed.importances.find((p) => p.name === 'c')?.importance).toBeLessThan(0.2);
  });

  it('refuses an objective the study does not have, listing the ones it has, with exit code 2', async () => {
    const url = await paretoStudy();
    const { code, err } = await importance('pareto', url, '--objective', 'accuracy');
    expect(code).toBe(2);
    expect(err).toContain('--objective expects an objective\'s name or index, one of 0 (val_loss), 1 (latency_ms); got "accuracy"');
  });
});

describe('sodate importance when every trial has the same value', () => {
  it('prints one line saying importance cannot be measured, and no percentages', async () => {
    const url = await constantStudy();
    const { code, out, err } = await importance('flat', url);
    expect(code, err).toBe(0);
    expect(out).toBe('parameter importance of flat (PED-ANOVA, 12 complete trials)\n\nimportance cannot be measured: all 12 trials have the same value (1)\n');
  });

  it('gives JSON no importances and a note saying why', async () => {
    const url = await constantStudy();
    const parsed = JSON.parse((await importance('flat', url, '--format', 'json', '--method', 'fanova')).out) as ImportanceJson & { interactions: unknown[] };
    expect([parsed.importances, parsed.interactions, parsed.note]).toEqual([[], [], 'importance cannot be measured: all 12 trials have the same value (1)']);
  });
});
