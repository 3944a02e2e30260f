import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

const OBJECTIVE = `
export function objective(trial) {
  const { x, opt } = trial.params;
  return (x - 0.62) ** 2 + (opt === 'sgd' ? 0.05 : 0) + (trial.params.wd ?? 0) * 0.1;
}
`;

const OLD = `study: old
objective: { module: ./objective.mjs, isolate: inline }
sampler: { kind: tpe, seed: 1, nStartupTrials: 5 }
pruner: none
budget: { trials: 14 }
params:
  x: { float: [0.0, 1.0] }
  opt: { choice: [adamw, sgd, lion] }
`;

/** One more parameter (wd), x's range narrowed, 'lion' removed: the old trials are translated, not refused. */
const NEW = (warmStart: string) => `study: new
objective: { module: ./objective.mjs, isolate: inline }
sampler: { kind: tpe, seed: 2 }
pruner: none
budget: { trials: 4 }
${warmStart}
params:
  x: { float: [0.2, 1.0] }
  opt: { choice: [sgd, adamw] }
  wd: { float: [0.0, 1.0] }
`;

interface TrialJson {
  number: number;
  state: string;
  params: Record<string, unknown>;
  user_attrs: Record<string, unknown>;
}

describe('sodate tune with warmStart', () => {
  it('learns from the earlier study in its own SQLite file, enqueues its best first, and keeps its trials out of the new study', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'old.yaml': OLD, 'new.yaml': NEW('warmStart: { from: old }') });
    const old = await runCli(['tune', 'old.yaml', '--no-tui'], dir);
    expect(old.code, old.stderr).toBe(0);
    const run = await runCli(['tune', 'new.yaml', '--no-tui'], dir);
    expect(run.code, run.stderr).toBe(0);

    // The old study's trials the new space cannot hold (x < 0.2, opt lion) are left out; the line says how many are used.
    const db = new Database(join(dir, 'studies', 'old.db'), { readonly: true });
    const rows = db.prepare(`SELECT p.param_name AS name, p.param_value AS value, p.distribution_json AS dist, t.number AS number FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id WHERE t.state = 'COMPLETE'`).all() as {
      name: string;
      value: number;
      dist: string;
      number: number;
    }[];
    db.close();
    const byTrial = new Map<number, Record<string, unknown>>();
    for (const r of rows) {
      const entry = byTrial.get(r.number) ?? {};
      entry[r.name] = r.name === 'opt' ? (JSON.parse(r.dist) as { attributes: { choices: string[] } }).attributes.choices[r.value] : r.value;
      byTrial.set(r.number, entry);
    }
    const usable = [...byTrial.values()].filter((p) => (p['x'] as number) >= 0.2 && p['opt'] !== 'lion').length;
    expect(usable).toBeGreaterThan(0);
    expect(usable).toBeLessThan(14);
    expect(run.stdout).toContain(`warm start: ${usable} trials of old (${14 - usable} left out: a value outside today's distribution)`);

    const listed = await runCli(['trials', 'new', '--format', 'json'], dir);
    expect(listed.code, listed.stderr).toBe(0);
    const trials = JSON.parse(listed.stdout) as TrialJson[];
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(trials[0]?.user_attrs['sodate:warm_start_best']).toBe('old');
    expect(trials.slice(1).every((t) => t.user_attrs['sodate:warm_start_best'] === undefined)).toBe(true);
    // The enqueued best has no wd (the old study never had it): sampled, inside its range.
    expect(trials[0]?.params['wd']).toBeGreaterThanOrEqual(0);

    // Resuming runs up to a larger budget without enqueueing the old best again.
    const more = await runCli(['tune', 'new.yaml', '--no-tui', '--trials', '6'], dir);
    expect(more.code, more.stderr).toBe(0);
    const again = JSON.parse((await runCli(['trials', 'new', '--format', 'json'], dir)).stdout) as TrialJson[];
    expect(again).toHaveLength(6);
    expect(again.filter((t) => t.user_attrs['sodate:warm_start_best'] !== undefined)).toHaveLength(1);
  }, 120_000);

  it.each([
    ['warmStartPrior', 'sampler: { kind: gp, seed: 2, warmStartPrior: true }', "gp sampler: GP models this study's own trials on a prior mean fitted to the old ones"],
    ['its default (joint model)', 'sampler: { kind: gp, seed: 2 }', "gp sampler: GP models the old trials and this study's own as one data set with a task coordinate"],
  ])('with kind gp and %s, says in its log how GP reads the old trials, and runs', async (_what, sampler, line) => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'old.yaml': OLD, 'new.yaml': NEW('warmStart: { from: old }').replace('sampler: { kind: tpe, seed: 2 }', sampler) });
    expect((await runCli(['tune', 'old.yaml', '--no-tui'], dir)).code).toBe(0);
    const run = await runCli(['tune', 'new.yaml', '--no-tui'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(line);
    const trials = JSON.parse((await runCli(['trials', 'new', '--format', 'json'], dir)).stdout) as TrialJson[];
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
  }, 120_000);

  it.each([
    ['an unknown study', 'warmStart: { from: nope }', /^sodate: new\.yaml:6: warmStart: no study named "nope" in sqlite:studies\/new\.db nor in studies\/nope\.db; check warmStart\.from, or give warmStart\.storage where it lives\n$/],
    ['a storage file that does not exist', 'warmStart: { from: old, storage: studies/missing.db }', /^sodate: new\.yaml:6: warmStart: studies\/missing\.db does not exist; give warmStart\.storage as the SQLite file/],
    ['a parameter assumed that the space lacks', 'warmStart: { from: old, assume: { lr: 1 } }', /^sodate: new\.yaml:6: warmStart\.assume\.lr: "lr" is not a parameter; known: x, opt, wd\n$/],
  ])('refuses %s in one line naming the place', async (_name, warmStart, expected) => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'new.yaml': NEW(warmStart) });
    const run = await runCli(['tune', 'new.yaml', '--no-tui'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(expected);
  });

  it('resumes a warm-started study cold, with one line, once its earlier study is gone', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'old.yaml': OLD, 'new.yaml': NEW('warmStart: { from: old }') });
    expect((await runCli(['tune', 'old.yaml', '--no-tui'], dir)).code).toBe(0);
    expect((await runCli(['tune', 'new.yaml', '--no-tui', '--trials', '2'], dir)).code).toBe(0);
    expect((await runCli(['delete', 'old'], dir)).code).toBe(0);
    const resumed = await runCli(['tune', 'new.yaml', '--no-tui'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/warm start: .*old.*; resuming without it/);
    // A study that never ran refuses the missing source as before.
    const fresh = await runCli(['tune', 'new.yaml', '--no-tui', '--study', 'other'], dir);
    expect(fresh.code).not.toBe(0);
    expect(fresh.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a study of the other direction', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'old.yaml': `direction: maximize\n${OLD}`, 'new.yaml': NEW('warmStart: { from: old }') });
    expect((await runCli(['tune', 'old.yaml', '--no-tui'], dir)).code).toBe(0);
    const run = await runCli(['tune', 'new.yaml', '--no-tui'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('sodate: new.yaml:6: warmStart: study "old" in sqlite:studies/old.db is to maximize, this study is to minimize; warm-start from a study of the same direction\n');
  }, 60_000);
});
