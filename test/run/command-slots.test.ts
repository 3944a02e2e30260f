import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandSlots } from '../../src/run/command-slots.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { categoricalDistribution } from '../../src/space/distributions.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { createStudy } from '../../src/study/create.js';
import { fixtureDir, runWith, thresholdPruner } from './fixtures.js';

/** A stand-in for a training script, run with the Node binary that runs the tests. */
const TRAIN = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const mode = args[0];
const x = Number(args[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (mode === 'steps' || mode === 'stubborn') {
  process.on('SIGTERM', () => {
    console.error('got SIGTERM');
    if (mode === 'steps') process.exit(143);
  });
  for (let step = 0; step < 6; step++) {
    console.log(JSON.stringify({ step, value: x, extra: 'ignored' }));
    await sleep(30);
  }
  console.log(JSON.stringify({ value: x }));
} else if (mode === 'garbage') {
  console.log('plain text');
  console.log('{"step": -1, "value": 1}');
  console.log('{"step": 1.5, "value": 2}');
  console.log('{"value": "abc"}');
  console.log('[1, 2]');
  console.log('{broken');
  process.stdout.write('{"step": 0, "val');
  process.stdout.write('ue": 0.5}\\r\\n');
  console.error('a warning on stderr');
  console.log('{"user_attrs": {"note": "hi"}}');
  console.log('{"value": 0.25}');
  console.log('trailing text without newline');
} else if (mode === 'folds') {
  for (const fold of [0, 1, 2, 3, 4]) console.log(JSON.stringify({ fold, value: x + fold / 10 }));
} else if (mode === 'badfold') {
  console.log(JSON.stringify({ fold: 0, value: x }));
  console.log('{"fold": 1.5, "value": 2}');
  await sleep(3000);
  console.log(JSON.stringify({ value: x }));
} else if (mode === 'foldtwice') {
  console.log(JSON.stringify({ fold: 0, value: x }));
  console.log(JSON.stringify({ fold: 0, value: x }));
  await sleep(3000);
  console.log(JSON.stringify({ value: x }));
} else if (mode === 'textfinal' || mode === 'nullfinal') {
  console.log('{"step": 0, "value": 1}');
  console.log(mode === 'textfinal' ? '{"value": "abc"}' : JSON.stringify({ value: NaN }));
} else if (mode === 'badthengood') {
  console.log('{"value": "abc"}');
  console.log('{"step": 1.5, "value": 2}');
  console.log(JSON.stringify({ value: x }));
} else if (mode === 'attrsonlines') {
  console.log(JSON.stringify({ step: 0, value: x, user_attrs: { first_step: true } }));
  console.log(JSON.stringify({ value: x, user_attrs: { params_m: 4.2 } }));
} else if (mode === 'pythonfloats') {
  console.log('{"step": 0, "value": NaN}');
  console.log('{"value": Infinity}');
} else if (mode === 'badconstraint') {
  console.log(JSON.stringify({ value: x, constraints: { mem_gb: 'abc' } }));
} else if (mode === 'twice') {
  console.log('{"step": 0, "value": 0.5}');
  console.log('{"step": 0, "value": 0.1}');
  console.log(JSON.stringify({ value: x }));
} else if (mode === 'nofinal') {
  console.log('{"step": 0, "value": 1}');
} else if (mode === 'exit3') {
  console.log('{"value": 1}');
  process.exit(3);
} else if (mode === 'pytraceback') {
  console.error('Traceback (most recent call last):');
  console.error('  File "train.py", line 5, in <module>');
  console.error('    train()');
  console.error('RuntimeError: boom in training loop');
  process.exit(1);
} else if (mode === 'nodethrows') {
  console.error('a warning first');
  throw Object.assign(new Error('boom in training loop'), { code: 'E_TRAIN' });
} else if (mode === 'hang') {
  setInterval(() => {}, 1000);
} else if (mode === 'crashonce') {
  const marker = process.env.MARKER_DIR + '/crashed-' + process.env.SODATE_TRIAL_NUMBER;
  if (!existsSync(marker) && process.env.SODATE_TRIAL_NUMBER === '0') { writeFileSync(marker, ''); process.kill(process.pid, 'SIGKILL'); }
  console.log(JSON.stringify({ value: 2 }));
} else if (mode === 'echo') {
  const file = JSON.parse(readFileSync(process.env.SODATE_PARAMS_FILE, 'utf8'));
  console.log(JSON.stringify({ user_attrs: { argv: args.slice(1), env: process.env.SODATE_PARAM_S_VALUE ?? null, file: file['s-value'], number: process.env.SODATE_TRIAL_NUMBER } }));
  console.log(JSON.stringify({ value: 0 }));
}
`;

function commandRunner(dir: string, argv: string[], killGraceSeconds = 2): CommandSlots {
  return new CommandSlots({
    command: { argv: [process.execPath, join(dir, 'train.mjs'), ...argv], cwd: dir },
    paramsFile: (task) => join(dir, 'logs', task.study, `${task.number}.params.json`),
    killGraceSeconds,
  });
}

describe('command trials', () => {
  it('report JSON lines as intermediate values; a pruned command gets SIGTERM and later lines are ignored', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['steps', '{x}']), { maxTrials: 4, pruner: thresholdPruner(0.5), enqueue: [{ x: 0.2 }, { x: 0.9 }], logDir: join(dir, 'logs') });
    for (const t of trials) {
      if ((t.params['x'] as number) > 0.5) {
        expect(t.state).toBe('PRUNED');
        expect([...t.intermediateValues.keys()]).toEqual([0, 1]);
        expect(t.systemAttrs['sodate:log_tail']).toMatch(/got SIGTERM/);
      } else {
        expect(t.state).toBe('COMPLETE');
        expect(t.values).toEqual([t.params['x']]);
        expect(t.intermediateValues.size).toBe(6);
      }
    }
  });

  it('keep the first value of a step printed twice, and say so in the log', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['twice', '{x}']), { maxTrials: 1 });
    expect([...(trials[0]?.intermediateValues ?? [])]).toEqual([[0, 0.5]]);
    expect(trials[0]?.systemAttrs['sodate:log_tail']).toContain('sodate: step 0 was reported again (0.1); its first value (0.5) is kept, as in Optuna');
  });

  it('SIGKILLs a pruned command that ignores SIGTERM after the grace period', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['stubborn', '{x}'], 0.2), { maxTrials: 1, pruner: thresholdPruner(0.5), enqueue: [{ x: 0.9 }] });
    expect(trials[0]?.state).toBe('PRUNED');
    expect([...(trials[0]?.intermediateValues.keys() ?? [])]).toEqual([0, 1]);
  });

  it('keep malformed lines as log text and read the metric lines among them', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['garbage', '{x}']), { maxTrials: 1, logDir: join(dir, 'logs') });
    const t = trials[0];
    expect(t?.state).toBe('COMPLETE');
    expect(t?.values).toEqual([0.25]);
    expect([...(t?.intermediateValues ?? [])]).toEqual([[0, 0.5]]);
    expect(t?.userAttrs['note']).toBe('hi');
    const log = readFileSync(join(dir, 'logs', readdirSync(join(dir, 'logs'))[0] as string, '0.log'), 'utf8');
    for (const line of ['plain text', '{"step": -1, "value": 1}', '{"step": 1.5, "value": 2}', '{"value": "abc"}', '[1, 2]', '{broken', 'a warning on stderr', 'trailing text without newline']) {
      expect(log).toContain(line);
    }
    expect(t?.systemAttrs['sodate:log_tail']).toBe(log);
  });

  it('fail a command that prints no final value or exits non-zero, and go on', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const a = await runWith(commandRunner(dir, ['nofinal', '{x}']), { maxTrials: 2 });
    expect(a.trials.map((t) => [t.state, t.systemAttrs['fail_reason']])).toEqual(Array(2).fill(['FAIL', 'command printed no final {"value": …} (or {"values": […]}) line']));
    const b = await runWith(commandRunner(dir, ['exit3', '{x}']), { maxTrials: 2 });
    expect(b.trials.map((t) => [t.state, t.systemAttrs['fail_reason']])).toEqual(Array(2).fill(['FAIL', 'command exited with code 3']));
  });

  it("fail a command that exits non-zero with the last line of its stderr that says why (a traceback's last line), not only its exit code", async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const python = await runWith(commandRunner(dir, ['pytraceback', '{x}']), { maxTrials: 1 });
    expect(python.trials[0]?.systemAttrs['fail_reason']).toBe('command exited with code 1: RuntimeError: boom in training loop');
    // Node's own uncaught-error output: a source line, a caret, frames, an object tail, its version.
    const node = await runWith(commandRunner(dir, ['nodethrows', '{x}']), { maxTrials: 1 });
    expect(node.trials[0]?.systemAttrs['fail_reason']).toBe('command exited with code 1: Error: boom in training loop');
  });

  it('fail a command whose final value line is not a number with that line, what is wrong and the fix', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const text = await runWith(commandRunner(dir, ['textfinal', '{x}']), { maxTrials: 1 });
    expect(text.trials.map((t) => [t.state, t.systemAttrs['fail_reason']])).toEqual([
      ['FAIL', 'command printed {"value": "abc"} (stdout line 2): value must be a number (or a list of numbers for several objectives)'],
    ]);
    const nan = await runWith(commandRunner(dir, ['nullfinal', '{x}']), { maxTrials: 1 });
    expect(nan.trials[0]?.systemAttrs['fail_reason']).toBe(
      'command printed {"value":null} (stdout line 2): value must be a number (or a list of numbers for several objectives), not null; JSON.stringify writes NaN as null: print "NaN" for a run that diverged',
    );
  });

  it('note each malformed metric line in the log and still complete with a later good final value', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['badthengood', '{x}']), { maxTrials: 1, logDir: join(dir, 'logs') });
    const t = trials[0];
    expect(t?.state).toBe('COMPLETE');
    expect(t?.values).toEqual([t?.params['x']]);
    const log = readFileSync(join(dir, 'logs', readdirSync(join(dir, 'logs'))[0] as string, '0.log'), 'utf8');
    expect(log).toContain('sodate: command printed {"value": "abc"} (stdout line 1): value must be a number');
    expect(log).toContain('sodate: command printed {"step": 1.5, "value": 2} (stdout line 2): step must be a non-negative integer, as in {"step": 3, "value": 0.41}');
  });

  it('store user_attrs printed on a step line and on the final line', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['attrsonlines', '{x}']), { maxTrials: 1 });
    expect(trials[0]?.state).toBe('COMPLETE');
    expect(trials[0]?.userAttrs).toEqual({ first_step: true, params_m: 4.2 });
  });

  it("read Python's bare NaN and Infinity (json.dumps of a float) as numbers", async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['pythonfloats', '{x}']), { maxTrials: 1 });
    expect(trials[0]?.state).toBe('COMPLETE');
    expect(trials[0]?.values).toEqual([Infinity]);
    expect([...(trials[0]?.intermediateValues ?? [])]).toEqual([[0, NaN]]);
  });

  it('keep the value of a final line whose constraint is not a number, make the trial infeasible and say so in the log', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const study = await createStudy({ storage: `sqlite:${join(dir, 'c.db')}`, sampler: new RandomSampler({ seed: 1 }), constraints: { mem_gb: { max: 16 } } });
    const { trials } = await runWith(commandRunner(dir, ['badconstraint', '{x}']), { maxTrials: 1, study, logDir: join(dir, 'logs') });
    await study.close();
    const t = trials[0];
    expect(t?.state).toBe('COMPLETE');
    expect(t?.values).toEqual([t?.params['x']]);
    expect(t?.systemAttrs['constraints:mem_gb']).toBe(1e308);
    const log = readFileSync(join(dir, 'logs', readdirSync(join(dir, 'logs'))[0] as string, '0.log'), 'utf8');
    expect(log).toContain('sodate: command printed {"value":');
    expect(log).toContain('constraint "mem_gb" must be a number (or "NaN" for a failed measurement), got "abc"; it is stored as NaN, so the trial is infeasible (the line\'s value counts)');
  });

  it('stop a hanging command at the trial timeout', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['hang', '{x}']), { maxTrials: 2, trialTimeoutSeconds: 0.5 });
    expect(trials.map((t) => [t.state, t.systemAttrs['fail_reason']])).toEqual(Array(2).fill(['FAIL', 'timed out after 0.5s']));
  });

  it('retry a command killed with SIGKILL with the same parameters', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    process.env['MARKER_DIR'] = dir;
    const { trials } = await runWith(commandRunner(dir, ['crashonce', '{x}']), { maxTrials: 2, retries: 2, slots: [{ name: 'cpu#0', device: 'cpu', gpu: null }] });
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2]);
    expect(trials[0]).toMatchObject({ state: 'FAIL' });
    expect(trials[0]?.systemAttrs['fail_reason']).toBe('command killed by SIGKILL');
    const retry = trials.find((t) => t.systemAttrs['sodate:retry_of'] === 0);
    expect(retry?.state).toBe('COMPLETE');
    expect(retry?.params).toEqual(trials[0]?.params);
  });

  it('pass values with quotes, spaces, $() and ; intact as one argument, in the environment and in the JSON file, and never to a shell', async () => {
    const values = [`it's "quoted"`, 'a b  c', '$(touch pwned1)', '; touch pwned2', '`touch pwned3`', '&& touch pwned4 | cat > pwned5', '\\n\n$HOME', ''];
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const space = compileSearchSpace([{ name: 's-value', distribution: categoricalDistribution(values), when: null }]);
    const { trials } = await runWith(commandRunner(dir, ['echo', '{s-value}', '--n={trial}']), { maxTrials: values.length, space, enqueue: values.map((v) => ({ 's-value': v })) });
    expect(trials).toHaveLength(values.length);
    for (const t of trials) {
      const value = t.params['s-value'];
      expect(t.state).toBe('COMPLETE');
      expect(t.userAttrs['argv']).toEqual([value, `--n=${t.number}`]);
      expect(t.userAttrs['env']).toBe(value);
      expect(t.userAttrs['file']).toBe(value);
      expect(t.userAttrs['number']).toBe(String(t.number));
    }
    expect(new Set(trials.map((t) => t.params['s-value']))).toEqual(new Set(values));
    for (let i = 1; i <= 5; i++) expect(existsSync(join(dir, `pwned${i}`))).toBe(false);
  });

  it('read {"fold": i, "value": v} lines as folds; without a final line the value is their mean', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const { trials } = await runWith(commandRunner(dir, ['folds', '{x}']), { maxTrials: 2 });
    for (const t of trials) {
      const x = t.params['x'] as number;
      expect(t.state).toBe('COMPLETE');
      expect([...t.intermediateValues.entries()].sort((a, b) => a[0] - b[0])).toEqual([0, 1, 2, 3, 4].map((f) => [f, x + f / 10]));
      expect(t.values?.[0]).toBeCloseTo(x + 0.2, 12);
    }
  });

  it('stop and fail a command that prints a bad fold line or a fold twice, with the line and the fix; stored folds stay, the study goes on', async () => {
    const dir = fixtureDir({ 'train.mjs': TRAIN });
    const started = Date.now();
    const bad = await runWith(commandRunner(dir, ['badfold', '{x}']), { maxTrials: 2 });
    const twice = await runWith(commandRunner(dir, ['foldtwice', '{x}']), { maxTrials: 2 });
    // Stopped at once, not after the commands' 3 s sleep.
    expect(Date.now() - started).toBeLessThan(5000);
    for (const t of bad.trials) {
      expect(t.state).toBe('FAIL');
      expect(t.systemAttrs['fail_reason']).toBe('stdout line 2: fold must be a non-negative integer (the fold\'s index), got 1.5; print {"fold": 0, "value": 0.41} once per fold');
      expect([...t.intermediateValues.keys()]).toEqual([0]);
    }
    for (const t of twice.trials) {
      expect(t.state).toBe('FAIL');
      expect(t.systemAttrs['fail_reason']).toMatch(/^fold 0 was reported twice \(first [\d.e-]+, then [\d.e-]+\); report each fold once$/);
      expect([...t.intermediateValues.keys()]).toEqual([0]);
    }
  });

  it('fail the study with one clear error when the command cannot be run', async () => {
    const dir = fixtureDir();
    const runner = new CommandSlots({ command: { argv: ['/nonexistent/trainer', '{x}'], cwd: dir }, paramsFile: (task) => join(dir, `${task.number}.json`) });
    await expect(runWith(runner, { maxTrials: 5 })).rejects.toThrow(/cannot run the command "\/nonexistent\/trainer": spawn \/nonexistent\/trainer ENOENT/);
  });
});
