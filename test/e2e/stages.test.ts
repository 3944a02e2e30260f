import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempProject } from '../helpers/cli.js';
import { optunaRead, pythonModulesMissing } from '../helpers/optuna.js';
import { stageSeed } from '../../src/study/seeds.js';

const missingOptuna = pythonModulesMissing(['optuna']);
if (missingOptuna !== null) console.warn(`skipping the Optuna check of the stages e2e test: ${missingOptuna}`);

/** A command trial (so kill -9 leaves a real process behind): the second stage's trials take a moment. */
const TRAIN = `
const lr = Number(process.env.SODATE_PARAM_LR);
const opt = process.env.SODATE_PARAM_OPT;
const wd = Number(process.env.SODATE_PARAM_WD ?? 0);
if (process.env.SODATE_PARAM_WD !== undefined && wd !== 0) await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({ value: (Math.log10(lr) + 2.5) ** 2 + (opt === 'sgd' ? 0.3 : 0) + (wd - 0.02) ** 2 }));
`;

const SPACE = `study: grow
objective: { command: [node, train.mjs] }
sampler: { kind: tpe, seed: 3, nStartupTrials: 3 }
pruner: none
baseline: { lr: 1.0e-3, opt: adamw, wd: 0.0 }
stages:
  - { name: optim, params: [lr, opt], trials: 6 }
  - { name: reg, params: [wd], trials: 5, sampler: { kind: random, seed: 1 } }
params:
  lr:  { float: [1.0e-4, 1.0e-1], log: true }
  opt: { choice: [adamw, sgd] }
  wd:  { float: [0.0, 0.1] }
`;

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  user_attrs: Record<string, unknown>;
}

async function trialsOf(dir: string, study: string): Promise<TrialJson[]> {
  // A stage's study is found in its staged study's file (studies/grow.db) without --storage.
  const result = await runCli(['trials', study, '--format', 'json'], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TrialJson[];
}

function lineageOf(dir: string, study: string): Record<string, unknown> {
  const db = new Database(join(dir, 'studies', 'grow.db'), { readonly: true });
  const row = db
    .prepare(`SELECT a.value_json AS v FROM study_system_attributes a JOIN studies s ON s.study_id = a.study_id WHERE s.study_name = ? AND a.key = 'sodate:stage'`)
    .get(study) as { v: string } | undefined;
  db.close();
  return JSON.parse(row?.v ?? 'null') as Record<string, unknown>;
}

function studySeedOf(dir: string, study: string): unknown {
  const db = new Database(join(dir, 'studies', 'grow.db'), { readonly: true });
  const row = db
    .prepare(`SELECT a.value_json AS v FROM study_system_attributes a JOIN studies s ON s.study_id = a.study_id WHERE s.study_name = ? AND a.key = 'sodate:seed'`)
    .get(study) as { v: string } | undefined;
  db.close();
  return JSON.parse(row?.v ?? 'null');
}

describe('sodate tune with stages', () => {
  it('does not start the next stage from a stage the timeout cut short; the next run finishes it first', async () => {
    const slow = TRAIN.replace("if (process.env.SODATE_PARAM_WD !== undefined && wd !== 0) await", 'await');
    const dir = tempProject({ 'train.mjs': slow, 'space.yaml': SPACE.replace('trials: 6 }', 'trials: 40 }') });
    const cut = await runCli(['tune', 'space.yaml', '--format', 'plain', '--timeout', '2'], dir);
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.stdout).toMatch(/stage optim: stopped by the timeout after \d+ of 40 trials; run sodate tune again to finish it before stage reg starts/);
    // No study for the next stage, so no lineage carrying an unfinished best.
    expect(Object.keys(lineageOf(dir, 'grow.reg') ?? {})).toEqual([]);
    expect((await trialsOf(dir, 'grow.optim')).length).toBeLessThan(40);
    // Deleting the only stage study there is empties its staged study's file, which goes too.
    const deleted = await runCli(['delete', 'grow.optim'], dir);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(existsSync(join(dir, 'studies', 'grow.db'))).toBe(false);
  });

  it('says what the run plan has to say (GPUs nvidia-smi cannot check) once, not once per stage', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 6 }', 'trials: 3 }').replace('trials: 5,', 'trials: 2,') });
    // An nvidia-smi that lists no GPU, whatever this machine has.
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'nvidia-smi'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const run = await runCli(['tune', 'space.yaml', '--format', 'plain', '--devices', '0'], dir, { env: { PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` } });
    expect(run.code, run.stderr).toBe(0);
    const output = run.stdout + run.stderr;
    expect(output).toMatch(/stage 2\/2 reg/);
    expect(output.match(/nvidia-smi lists no GPU here/g)).toHaveLength(1);
  });
  it('runs each stage as its own study from the previous best, and resumes a stage a kill -9 cut short', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE });
    const first = startCli(['tune', 'space.yaml', '--stale-after', '1', '--format', 'plain'], dir);
    // Kill it inside the second stage, once it has finished a trial there.
    await first.seen(/stage 2\/2 reg[\s\S]*trial \d+ COMPLETE/);
    first.child.kill('SIGKILL');
    await first.exit;
    await sleep(1500);
    const second = await runCli(['tune', 'space.yaml', '--stale-after', '1', '--format', 'plain'], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/stages:\n\s*stage\s+name\s+study\s+trials\s+best\s+trial\s+gain\s+opens\n.*\n\s*1\s+optim\s+grow\.optim\s+6\s+/);

    const optim = await trialsOf(dir, 'grow.optim');
    // The first stage was done: not run again.
    expect(optim.filter((t) => t.state !== 'WAITING')).toHaveLength(6);
    expect(optim[0]?.params).toEqual({ lr: 1e-3, opt: 'adamw', wd: 0 }); // the baseline first; wd stays at its baseline value
    expect(optim.every((t) => t.params['wd'] === 0)).toBe(true);
    const best = optim.filter((t) => t.state === 'COMPLETE').sort((a, b) => (a.value as number) - (b.value as number))[0] as TrialJson;

    const reg = await trialsOf(dir, 'grow.reg');
    // Its budget of 5 holds the trial the kill left running (failed as stale on resume, as in any study).
    expect(reg.filter((t) => t.state !== 'WAITING')).toHaveLength(5);
    expect(reg.filter((t) => t.state === 'RUNNING')).toEqual([]);
    // Every complete trial of stage 2 keeps stage 1's best lr and opt (the one the kill cut short may have stored none); the first re-runs stage 1's best.
    for (const t of reg.filter((r) => r.state === 'COMPLETE')) expect([t.params['lr'], t.params['opt']]).toEqual([best.params['lr'], best.params['opt']]);
    expect(reg[0]?.params).toEqual(best.params);
    expect(reg[0]?.user_attrs['sodate:stage_carried_from']).toBe('grow.optim');
    expect(new Set(reg.map((t) => t.params['wd'])).size).toBeGreaterThan(1);

    expect(lineageOf(dir, 'grow.optim')).toMatchObject({ of: 'grow', index: 0, name: 'optim', parent: null, stages: ['optim', 'reg'] });
    // No study seed in the file: each stage's study seed comes from its own sampler's seed, so its trial seeds repeat
    // run after run; a later stage's is derived from it (stageSeed), so no two stages share trial seeds.
    expect([studySeedOf(dir, 'grow.optim'), studySeedOf(dir, 'grow.reg')]).toEqual([3, stageSeed(1, 1)]);
    if (missingOptuna === null) {
      // Each stage is an ordinary Optuna study: the fixed parameters read as single-value distributions.
      const read = optunaRead(`sqlite:///${join(dir, 'studies', 'grow.db')}`, 'grow.reg');
      const complete = read.trials.filter((t) => t.state === 'COMPLETE');
      expect(complete).toHaveLength(reg.filter((t) => t.state === 'COMPLETE').length);
      for (const t of complete) expect(t.params['lr']).toBe(best.params['lr']);
    }
    const worker = await runCli(['worker', 'grow.reg', '--storage', 'studies/grow.db'], dir);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/^sodate worker: study "grow\.reg" is a stage of a staged study; stages run from one `sodate tune <space\.yaml>`/);
    expect(lineageOf(dir, 'grow.reg')).toMatchObject({ of: 'grow', index: 1, parent: 'grow.optim', carry: 'fix', carried: best.params, parentBest: { trial: best.number, value: best.value }, opens: ['wd'] });
  }, 180_000);

  it('warns when an earlier stage that grew has a new best, and refuses a stage layout changed after its stage ran', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE.replace('trials: 6 }', 'trials: 1 }') });
    const first = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir);
    expect(first.code, first.stderr).toBe(0);
    // Stage 1 ran only the baseline (lr 1e-3, wd 0: 0.2504): stage 2 was built on its trial 0.
    expect(lineageOf(dir, 'grow.reg')).toMatchObject({ parentBest: { trial: 0, value: 0.2504 } });

    const grown = SPACE.replace('trials: 6 }', 'trials: 8 }');
    writeFileSync(join(dir, 'space.yaml'), grown);
    const second = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir);
    expect(second.code, second.stderr).toBe(0);
    const optim = await trialsOf(dir, 'grow.optim');
    const best = optim.filter((t) => t.state === 'COMPLETE').sort((a, b) => (a.value as number) - (b.value as number))[0] as TrialJson;
    expect(best.number).not.toBe(0);
    expect(second.stdout).toContain(
      `stage reg (study grow.reg) was built on trial 0 of grow.optim (0.2504), whose best is now trial ${best.number} (${best.value}); it keeps the values it carried: to build it on the new best, delete its study (sodate delete grow.reg) and those of the stages after it, and run sodate tune again`,
    );
    expect((await trialsOf(dir, 'grow.reg')).filter((t) => t.state !== 'WAITING')).toHaveLength(5);
    // The report says so too, under the stages table.
    expect((await runCli(['report', 'grow', '-o', 'grow.html'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'grow.html'), 'utf8')).toContain(`Stage reg was built on trial 0 of grow.optim (0.2504); that stage has since found trial ${best.number}`);

    // opt moved from stage 1 to stage 2 after both ran: refused before any trial runs.
    writeFileSync(join(dir, 'space.yaml'), grown.replace('params: [lr, opt]', 'params: [lr]').replace('params: [wd]', 'params: [wd, opt]'));
    const moved = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir);
    expect(moved.code).toBe(2);
    expect(moved.stderr).toMatch(
      /^sodate: space\.yaml:\d+: stages\[0\] \(optim\) already ran as study grow\.optim, and it opened lr, opt, the file opens lr: give the changed stage a new name, or delete its study \(sodate delete grow\.optim\) and those of the stages after it to run it again\n$/,
    );
    expect(await trialsOf(dir, 'grow.optim')).toHaveLength(optim.length);
  }, 120_000);

  it.each([
    ['a parameter no stage opens', SPACE.replace('params: [wd]', 'params: [lr]').replace('params: [lr, opt]', 'params: [opt]'), /^sodate: space\.yaml:\d+: stages: no stage opens wd; add it to a stage's params\n$/],
    ['budget.trials beside stages', SPACE.replace('pruner: none', 'pruner: none\nbudget: { trials: 9 }'), /budget\.trials: with stages, each stage gives its own trials; remove budget\.trials/],
  ])('refuses %s in one line', async (_name, text, expected) => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': text });
    const run = await runCli(['tune', 'space.yaml', '--no-tui'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(expected);
  });
});
