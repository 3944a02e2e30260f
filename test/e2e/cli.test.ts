import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

const OBJECTIVE = `
export async function objective(trial) {
  const { x, kind } = trial.params;
  if (trial.params.explode === true) throw new Error('boom: the objective failed');
  for (let step = 0; step < 3; step++) await trial.report(step, (x - 0.3) ** 2 + 1 / (step + 1));
  return (x - 0.3) ** 2 + (kind === 'b' ? 0.1 : 0) + (trial.params.y ?? 0);
}
export function nanObjective() { return NaN; }
`;

function space(extra = '', budget = 6): string {
  return `study: demo
objective: { module: ./objective.mjs }
sampler: { kind: random }
pruner: none
budget: { trials: ${budget} }
${extra}params:
  x: { float: [0.0, 1.0] }
  kind: { choice: [a, b] }
  y: { float: [0.0, 0.5], when: { kind: b } }
`;
}

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  fail_reason?: string;
}

async function trialsOf(dir: string, study = 'demo'): Promise<TrialJson[]> {
  const result = await runCli(['trials', study, '--format', 'json'], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TrialJson[];
}

describe('sodate tune on a real SQLite file', () => {
  it('runs a study to its budget, stores it, and `best` prints the best trial', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui', '--seed', '1'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    expect(tune.stdout).toMatch(/done \(budget reached\): 6 trials, 6 complete/);
    expect(existsSync(join(dir, 'studies/demo.db'))).toBe(true);
    const best = await runCli(['best', 'demo', '--format', 'json'], dir);
    expect(best.code).toBe(0);
    const parsed = JSON.parse(best.stdout) as TrialJson;
    const trials = await trialsOf(dir);
    expect(parsed.value).toBe(Math.min(...trials.map((t) => t.value as number)));
    // Piped, the dashboard prints one frame, this machine's devices read once.
    const frame = await runCli(['dashboard', 'demo'], dir);
    expect(frame.code, frame.stderr).toBe(0);
    expect(frame.stdout).toMatch(/^sodate demo /);
    expect(frame.stdout).toMatch(/(CPU|GPU0) /);
    expect(frame.stdout).not.toContain('reading…');
  });

  it('resumes a study up to a larger budget without renumbering', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    expect((await runCli(['tune', 'space.yaml', '--trials', '3'], dir)).code).toBe(0);
    const second = await runCli(['tune', 'space.yaml', '--trials', '5'], dir);
    expect(second.stdout).toMatch(/resuming: 3 trial\(s\) already done/);
    expect((await trialsOf(dir)).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    // Resumed with a space file whose x moved and that gained z: said once, before the trials.
    writeFileSync(join(dir, 'space.yaml'), space().replace('x: { float: [0.0, 1.0] }', 'x: { float: [0.0, 2.0] }\n  z: { int: [1, 4] }'));
    const moved = await runCli(['tune', 'space.yaml', '--trials', '6'], dir);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain("space.yaml changed since this study's last run: x float [0, 1] → float [0, 2]; z added. Its earlier trials keep their values and the sampler reads them; for a clean search, run it as another study (--study NAME)");
    expect((await runCli(['tune', 'space.yaml', '--trials', '7'], dir)).stdout).not.toContain('changed since');
  });

  it('refuses, before any trial, a resumed space file that changes a parameter its earlier trials cannot share; the stored file stays', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    expect((await runCli(['tune', 'space.yaml', '--trials', '2'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'space.yaml'), space().replace('kind: { choice: [a, b] }', 'kind: { choice: [a, b, c] }'));
    const refused = await runCli(['tune', 'space.yaml', '--trials', '5'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('sodate: space.yaml: params.kind: parameter "kind" had choices ["a","b"] and now ["a","b","c"] (study demo\'s earlier trials hold it so); rename the parameter, or run the file as another study (--study NAME)\n');
    expect(await trialsOf(dir)).toHaveLength(2);
    // The study's stored file is still the one its trials ran with: going back resumes without a word of change.
    writeFileSync(join(dir, 'space.yaml'), space());
    const resumed = await runCli(['tune', 'space.yaml', '--trials', '3'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).not.toContain('changed since');
  });

  it("gives the same trial seeds when the file seeds only its sampler (the study seed defaults to the sampler's)", async () => {
    const file = space().replace('sampler: { kind: random }', 'sampler: { kind: random, seed: 7 }').replace('./objective.mjs }', './objective.mjs, export: seedObjective }');
    const objective = `${OBJECTIVE}export function seedObjective(trial) { trial.setUserAttr('seed', trial.seed); return trial.params.x; }\n`;
    const seedsOf = async (dir: string) => {
      expect((await runCli(['tune', 'space.yaml', '--trials', '3'], dir)).code).toBe(0);
      return ((await trialsOf(dir)) as unknown as { user_attrs: { seed: number } }[]).map((t) => t.user_attrs.seed);
    };
    const first = await seedsOf(tempProject({ 'objective.mjs': objective, 'space.yaml': file }));
    expect(first.every((s) => typeof s === 'number')).toBe(true);
    expect(await seedsOf(tempProject({ 'objective.mjs': objective, 'space.yaml': file }))).toEqual(first);
  });

  it('gives the same study for the same seed', async () => {
    const a = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    const b = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    await runCli(['tune', 'space.yaml', '--seed', '42'], a);
    await runCli(['tune', 'space.yaml', '--seed', '42'], b);
    expect((await trialsOf(a)).map((t) => t.params)).toEqual((await trialsOf(b)).map((t) => t.params));
  });

  it('records a throwing trial as FAIL with its error and goes on', async () => {
    const extra = '';
    const dir = tempProject({
      'objective.mjs': OBJECTIVE,
      'space.yaml': space(extra).replace('  x: { float: [0.0, 1.0] }', '  x: { float: [0.0, 1.0] }\n  explode: { choice: [true, false] }'),
    });
    const tune = await runCli(['tune', 'space.yaml', '--seed', '3', '--trials', '8'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    const trials = await trialsOf(dir);
    expect(trials).toHaveLength(8);
    const failed = trials.filter((t) => t.params['explode'] === true);
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) expect(t).toMatchObject({ state: 'FAIL', fail_reason: 'boom: the objective failed' });
    expect(trials.filter((t) => t.params['explode'] === false).every((t) => t.state === 'COMPLETE')).toBe(true);
    // --state in either case.
    const onlyFailed = await runCli(['trials', 'demo', '--state', 'fail', '--format', 'json'], dir);
    expect(onlyFailed.code, onlyFailed.stderr).toBe(0);
    expect((JSON.parse(onlyFailed.stdout) as { number: number }[]).map((t) => t.number)).toEqual(failed.map((t) => t.number));
    // Where it was thrown is in the trial's log.
    const logs = await runCli(['logs', 'demo', String(failed[0]?.number)], dir);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/Error: boom: the objective failed\n\s+at .*objective\.mjs:\d+/);
  });

  it('fails a trial whose objective returns NaN, saying so', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space().replace('./objective.mjs }', './objective.mjs, export: nanObjective }') });
    await runCli(['tune', 'space.yaml', '--trials', '2'], dir);
    const trials = await trialsOf(dir);
    expect(trials.map((t) => [t.state, t.fail_reason])).toEqual([
      ['FAIL', 'objective returned NaN'],
      ['FAIL', 'objective returned NaN'],
    ]);
  });

  it('lets two processes share one study: every trial numbered once, no lock errors', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space('', 40) });
    const [a, b] = await Promise.all([runCli(['tune', 'space.yaml', '--seed', '5'], dir), runCli(['tune', 'space.yaml', '--seed', '5'], dir)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr + b.stderr).not.toMatch(/locked/i);
    const trials = await trialsOf(dir);
    expect(trials.map((t) => t.number)).toEqual([...Array(40).keys()]);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  });

  it('prints trials as CSV with one column per parameter', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    await runCli(['tune', 'space.yaml', '--trials', '2'], dir);
    const csv = await runCli(['trials', 'demo', '--format', 'csv'], dir);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^number,state,value,duration_s,device,slot,x,kind(,y)?$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^0,COMPLETE,[\d.e-]+,[\d.]+,cpu,cpu#\d+,[\d.e-]+,[ab]/);
  });

  it('deletes a study and its default file', async () => {
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': space() });
    await runCli(['tune', 'space.yaml', '--trials', '1'], dir);
    const del = await runCli(['delete', 'demo'], dir);
    expect(del.code).toBe(0);
    expect(existsSync(join(dir, 'studies/demo.db'))).toBe(false);
    const after = await runCli(['best', 'demo'], dir);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^sodate best demo: studies\/demo\.db does not exist/);
  });
});

describe('sodate refuses bad input with one line and exit code 2', () => {
  const cases: [string, string, RegExp][] = [
    ['bad YAML', 'objective: { module: ./objective.mjs\nparams: {}\n', /^sodate: space\.yaml:\d+: invalid YAML/],
    ['unknown key', 'objectve: 1\nparams:\n  x: { float: [0, 1] }\n', /^sodate: space\.yaml:1: objectve: unknown key/],
    ['low > high', 'objective: { module: ./objective.mjs }\nparams:\n  x: { float: [1, 0] }\n', /^sodate: space\.yaml:3: params\.x\.float: expected \[low, high\] with low <= high/],
    ['log with low <= 0', 'objective: { module: ./objective.mjs }\nparams:\n  x: { float: [0, 1], log: true }\n', /low > 0 for a log range/],
    ['empty choices', 'objective: { module: ./objective.mjs }\nparams:\n  x: { choice: [] }\n', /params\.x\.choice: expected at least one choice/],
    ['unknown condition parent', 'objective: { module: ./objective.mjs }\nparams:\n  x: { float: [0, 1], when: { opt: sgd } }\n', /condition names unknown parameter "opt"/],
    ['unknown sampler', 'objective: { module: ./objective.mjs }\nsampler: { kind: nope }\nparams:\n  x: { float: [0, 1] }\n', /sampler\.kind: unknown sampler "nope"/],
    ['bad sampler option value', 'objective: { module: ./objective.mjs }\nsampler: { kind: random, seed: -4 }\nparams:\n  x: { float: [0, 1] }\n', /^sodate: space\.yaml:2: sampler: /],
    ['missing objective module', 'objective: { module: ./missing.mjs }\nparams:\n  x: { float: [0, 1] }\n', /missing\.mjs does not exist/],
    ['missing params', 'objective: { module: ./objective.mjs }\n', /missing "params"/],
  ];
  for (const [name, text, pattern] of cases) {
    it(name, async () => {
      const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': text });
      const result = await runCli(['tune', 'space.yaml'], dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'studies'))).toBe(false);
    });
  }
  it('an unknown command or flag', async () => {
    const dir = tempProject();
    const a = await runCli(['tuen'], dir);
    expect(a.code).toBe(2);
    expect(a.stderr.trim()).toMatch(/^sodate: unknown command "tuen"; use one of: tune, studies, trials(, [a-z-]+)+$/);
    const b = await runCli(['trials', 'x', '--formatt', 'json'], dir);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^sodate trials: unknown option --formatt: check its spelling, or pass an argument that starts with "-" after `--`; see `sodate trials --help`\n$/);
  });
  it('a missing space file', async () => {
    const result = await runCli(['tune', 'nope.yaml'], tempProject());
    expect([result.code, result.stderr.trim()]).toEqual([2, 'sodate: nope.yaml: cannot read the space file (no such file); check the path']);
  });
});

describe('sodate tune with a grid', () => {
  it('stops when every point of the grid has run', async () => {
    const text = `study: grid\nobjective: { module: ./objective.mjs }\nsampler: { kind: grid }\npruner: none\nparams:\n  x: { float: [0.0, 1.0], step: 0.5 }\n  kind: { choice: [a, b] }\n`;
    const dir = tempProject({ 'objective.mjs': OBJECTIVE, 'space.yaml': text });
    const tune = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(tune.code, tune.stderr).toBe(0);
    expect(tune.stdout).toMatch(/done \(search space exhausted\): 6 trials/);
    const trials = await trialsOf(dir, 'grid');
    expect(new Set(trials.map((t) => `${String(t.params['x'])}-${String(t.params['kind'])}`)).size).toBe(6);
  });
});
