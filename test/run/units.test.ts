import { describe, expect, it } from 'vitest';
import { commandArgv, commandEnv, paramEnvName, parseOutputLine } from '../../src/objectives/command-objective.js';
import { deviceEnv, discoverGpus, parseDevicesFlag, planSlots } from '../../src/run/devices.js';
import type { Slot } from '../../src/run/slots.js';
import { planRun } from '../../src/run/plan.js';
import type { TrialTask } from '../../src/run/messages.js';
import { parseStudyFile } from '../../src/study-file/study-file.js';

const task = (params: TrialTask['params']): TrialTask => ({ study: 's', number: 7, trialId: 70, params, distributions: {}, device: 'cpu', slot: 'cpu#0' });

describe('command argv and environment', () => {
  it('replaces {name} inside its argument, {trial} and {params_file}', () => {
    const argv = commandArgv({ argv: ['python', 'train.py', '--lr={lr}', '--bs', '{bs}', '--out', 'run-{trial}', '{params_file}'], cwd: '.' }, task({ lr: 1e-5, bs: 64 }), '/p.json');
    expect(argv).toEqual(['python', 'train.py', '--lr=0.00001', '--bs', '64', '--out', 'run-7', '/p.json']);
  });
  it('leaves out an inactive parameter and the flag before it', () => {
    const argv = commandArgv({ argv: ['t', '--opt', '{opt}', '--momentum', '{momentum}', '--x', '{x}'], cwd: '.' }, task({ opt: 'adamw', x: true }), '/p');
    expect(argv).toEqual(['t', '--opt', 'adamw', '--x', 'true']);
  });
  it('reads {{ and }} as literal braces, so an argument can carry JSON beside a placeholder', () => {
    const argv = commandArgv({ argv: ['t', '--config', '{{"depth": {depth}, "name": "{{x}}"}}', '--plain', '{{}}'], cwd: '.' }, task({ depth: 4 }), '/p');
    expect(argv).toEqual(['t', '--config', '{"depth": 4, "name": "{x}"}', '--plain', '{}']);
  });
  it('passes the trial seed as {seed} and SODATE_TRIAL_SEED', () => {
    const seeded: TrialTask = { ...task({ lr: 0.5 }), seed: 1234 };
    expect(commandArgv({ argv: ['t', '--seed', '{seed}', '--lr', '{lr}'], cwd: '.' }, seeded, '/p')).toEqual(['t', '--seed', '1234', '--lr', '0.5']);
    expect(commandArgv({ argv: ['t', '--seed', '{seed}'], cwd: '.' }, { ...task({ seed: 3 }), seed: 1234 }, '/p')).toEqual(['t', '--seed', '3']);
    expect(commandEnv(seeded, '/p')['SODATE_TRIAL_SEED']).toBe('1234');
  });
  it('names environment variables SODATE_PARAM_<NAME>', () => {
    expect(paramEnvName('batch_size')).toBe('SODATE_PARAM_BATCH_SIZE');
    expect(paramEnvName('lr.head-scale')).toBe('SODATE_PARAM_LR_HEAD_SCALE');
    expect(commandEnv(task({ lr: 0.5, n: null }), '/p.json')).toEqual({
      SODATE_STUDY: 's',
      SODATE_TRIAL_NUMBER: '7',
      SODATE_PARAMS_FILE: '/p.json',
      SODATE_PARAM_LR: '0.5',
      SODATE_PARAM_N: 'null',
    });
  });
});

describe('command output lines', () => {
  const cases: [string, ReturnType<typeof parseOutputLine>][] = [
    ['{"step": 3, "value": 0.41}', { kind: 'report', step: 3, value: 0.41 }],
    ['  {"value": 0.39, "epoch": 9}  ', { kind: 'final', value: 0.39 }],
    ['{"value": "NaN"}', { kind: 'final', value: NaN }],
    ['{"user_attrs": {"a": 1}}', { kind: 'attrs', attrs: { a: 1 } }],
    ['{"values": [0.3, 12.5]}', { kind: 'final', value: [0.3, 12.5] }],
    ['{"values": [0.3, "inf"], "constraints": {"gpu_mem_gb": 14}}', { kind: 'final', value: [0.3, Infinity], constraints: { gpu_mem_gb: 14 } }],
    ['{"values": [0.3, "fast"]}', { kind: 'final', value: [0.3, 'fast'] }],
    ['{"step": 2, "values": [0.5, 12]}', { kind: 'report', step: 2, value: 0.5, values: [0.5, 12] }],
    ['{"step": 2, "values": [0.5, "x"]}', { kind: 'malformed', message: 'values at step 2 must all be numbers', final: false }],
    ['{"constraints": {"latency_ms": 20, "mem": "NaN"}}', { kind: 'constraints', constraints: { latency_ms: 20, mem: NaN } }],
    ['{"value": 0.2, "constraints": {"latency_ms": 20}}', { kind: 'final', value: 0.2, constraints: { latency_ms: 20 } }],
    ['{"fold": 2, "value": 0.41}', { kind: 'fold', fold: 2, value: 0.41 }],
    ['{"fold": 0, "value": "NaN"}', { kind: 'fold', fold: 0, value: NaN }],
    ['{"fold": 1.5, "value": 0.4}', { kind: 'invalid', message: 'fold must be a non-negative integer (the fold\'s index), got 1.5; print {"fold": 0, "value": 0.41} once per fold' }],
    ['{"fold": "a", "value": 0.4}', { kind: 'invalid', message: 'fold must be a non-negative integer (the fold\'s index), got "a"; print {"fold": 0, "value": 0.41} once per fold' }],
    ['{"fold": 1, "value": "high"}', { kind: 'invalid', message: 'the value of fold 1 must be a number, got "high"; print {"fold": 0, "value": 0.41} once per fold' }],
    ['{"fold": 1}', { kind: 'invalid', message: 'the value of fold 1 must be a number, got none; print {"fold": 0, "value": 0.41} once per fold' }],
    ['{"fold": 1, "step": 1, "value": 2}', { kind: 'invalid', message: 'a fold line has "fold" and "value" only, got {"fold":1,"step":1,"value":2}; print {"fold": 0, "value": 0.41} once per fold' }],
    ['{"step": -1, "value": 1}', { kind: 'malformed', message: 'step must be a non-negative integer, as in {"step": 3, "value": 0.41}', final: false }],
    ['{"step": 2.5, "value": 1}', { kind: 'malformed', message: 'step must be a non-negative integer, as in {"step": 3, "value": 0.41}', final: false }],
    ['{"step": "3", "value": 1}', { kind: 'malformed', message: 'step must be a non-negative integer, as in {"step": 3, "value": 0.41}', final: false }],
    ['{"value": "0.3"}', { kind: 'malformed', message: 'value must be a number (or a list of numbers for several objectives), not a string: print 0.3 without quotes', final: true }],
    ['{"value": null}', { kind: 'malformed', message: 'value must be a number (or a list of numbers for several objectives), not null; JSON.stringify writes NaN as null: print "NaN" for a run that diverged', final: true }],
    ['[1, 2]', { kind: 'log' }],
    ['{not json}', { kind: 'log' }],
    ['epoch 3 done', { kind: 'log' }],
    ['', { kind: 'log' }],
  ];
  for (const [line, expected] of cases) it(`reads ${JSON.stringify(line)}`, () => expect(parseOutputLine(line)).toEqual(expected));
});

describe('devices and slots', () => {
  it('uses the GPUs nvidia-smi lists, perDevice slots each', () => {
    expect(discoverGpus(() => '0\n1\n')).toEqual([0, 1]);
    expect(discoverGpus(() => { throw new Error('ENOENT'); })).toEqual([]);
    expect(planSlots('auto', 2, { gpus: [0, 1] }).map((s) => [s.name, s.device, s.gpu])).toEqual([
      ['gpu0#0', 'cuda:0', 0],
      ['gpu0#1', 'cuda:0', 0],
      ['gpu1#0', 'cuda:1', 1],
      ['gpu1#1', 'cuda:1', 1],
    ]);
  });
  it('falls back to one CPU slot per core, or perDevice CPU slots', () => {
    expect(planSlots('auto', undefined, { gpus: [], cores: 2 }).map((s) => s.name)).toEqual(['cpu#0', 'cpu#1']);
    expect(planSlots('cpu', 3, { gpus: [0] }).map((s) => [s.name, s.gpu])).toEqual([['cpu#0', null], ['cpu#1', null], ['cpu#2', null]]);
    expect(planSlots([3], undefined, { gpus: [] }).map((s) => s.name)).toEqual(['gpu3#0']);
    expect(planSlots([1, 0], 1, { gpus: [0, 1] }).map((s) => s.name)).toEqual(['gpu1#0', 'gpu0#0']);
    // A GPU the machine does not list would leave its trials on the CPU without a word.
    expect(() => planSlots([0, 1], 1, { gpus: [0] })).toThrow(/devices 0,1: this machine has no GPU 1 \(nvidia-smi lists 0\)/);
  });
  it('says, before the first trial, that GPUs named on a machine where nvidia-smi lists none cannot be checked', () => {
    const file = parseStudyFile('objective: { command: [node, t.mjs] }\nparams:\n  x: { float: [0, 1] }\n', 'x.yaml', { samplers: { random: [] }, pruners: {} });
    const unchecked = planRun({ file, devices: [0, 1], logDir: '/tmp', slotOptions: { gpus: [] } });
    expect(unchecked.slots.map((s) => s.name)).toEqual(['gpu0#0', 'gpu1#0']);
    expect(unchecked.notices).toEqual(['devices 0,1: nvidia-smi lists no GPU here, so these cannot be checked; each trial gets CUDA_VISIBLE_DEVICES of its GPU, and one that does not exist trains on the CPU']);
    expect(planRun({ file, devices: [0, 1], logDir: '/tmp', slotOptions: { gpus: [0, 1], cudaVisibleDevices: undefined } }).notices).toEqual([]);
    expect(planRun({ file, devices: 'cpu', logDir: '/tmp' }).notices).toEqual([]);
  });
  it('limits devices auto to the GPUs an inherited CUDA_VISIBLE_DEVICES lists, says so, and pins GPUs in PCI order', () => {
    expect(planSlots('auto', 1, { gpus: [0, 1, 2], cudaVisibleDevices: '1,2' }).map((s) => s.name)).toEqual(['gpu1#0', 'gpu2#0']);
    expect(planSlots('auto', 1, { gpus: [0, 1], cudaVisibleDevices: '' }).map((s) => s.device)).toEqual(['cpu']);
    expect(planSlots('auto', 1, { gpus: [0, 1], cudaVisibleDevices: 'GPU-4f1c' }).map((s) => s.name)).toEqual(['gpu0#0', 'gpu1#0']);
    // As CUDA reads it: up to the first entry that names no device.
    expect(planSlots('auto', 1, { gpus: [0, 1, 2], cudaVisibleDevices: '0,-1,2' }).map((s) => s.name)).toEqual(['gpu0#0']);
    for (const hidden of ['-1', 'NoDevFiles']) expect(planSlots('auto', 1, { gpus: [0, 1], cudaVisibleDevices: hidden }).map((s) => s.device)).toEqual(['cpu']);
    expect(planSlots('auto', 1, { gpus: [0, 1], cudaVisibleDevices: undefined }).map((s) => s.name)).toEqual(['gpu0#0', 'gpu1#0']);
    const file = parseStudyFile('objective: { command: [node, t.mjs] }\nparams:\n  x: { float: [0, 1] }\n', 'x.yaml', { samplers: { random: [] }, pruners: {} });
    const notices = (devices: 'auto' | number[], visible: string | undefined) => planRun({ file, devices, perDevice: 1, logDir: '/tmp', slotOptions: { gpus: [0, 1, 2], cudaVisibleDevices: visible } }).notices;
    expect(notices('auto', '1,2')).toEqual(['CUDA_VISIBLE_DEVICES=1,2 limits devices auto to GPU 1, 2']);
    expect(notices('auto', '')).toEqual(['CUDA_VISIBLE_DEVICES= limits devices auto to no GPU of the 3 nvidia-smi lists, so trials run on the CPU']);
    expect(notices('auto', 'GPU-4f1c')[0]).toMatch(/names GPUs other than by index.*uses every GPU nvidia-smi lists \(0, 1, 2\); name the ones to use with --devices/);
    expect(notices([0], '2,3')).toEqual(["CUDA_VISIBLE_DEVICES=2,3 in this environment is replaced for each trial: devices 0 are nvidia-smi's indices"]);
    expect(notices('auto', undefined)).toEqual([]);
    const [slot] = planSlots([1], 1, { gpus: [0, 1] });
    expect(deviceEnv(slot as Slot)).toEqual({ CUDA_VISIBLE_DEVICES: '1', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', SODATE_DEVICE: 'cuda:1', SODATE_SLOT: 'gpu1#0' });
    expect(deviceEnv({ name: 'cpu#0', device: 'cpu', gpu: null })).toEqual({ CUDA_VISIBLE_DEVICES: '', SODATE_DEVICE: 'cpu', SODATE_SLOT: 'cpu#0' });
  });
  it('reads --devices', () => {
    expect(parseDevicesFlag('auto')).toBe('auto');
    expect(parseDevicesFlag('0, 2')).toEqual([0, 2]);
    expect(() => parseDevicesFlag('gpu0')).toThrow(/--devices expects auto, cpu or GPU indices/);
  });
});

describe('space file: workers, isolate, trialTimeout', () => {
  const catalog = { samplers: { random: [] }, pruners: {} };
  const parse = (text: string) => parseStudyFile(text, 'x.yaml', catalog);
  const base = 'objective: { module: ./o.mjs }\nparams:\n  x: { float: [0, 1] }\n';
  it('reads them', () => {
    const file = parse(`${base}budget: { trials: 3, trialTimeout: 90s }\nworkers: { devices: cpu, perDevice: 2 }\n`);
    expect(file.budget.trialTimeoutSeconds).toBe(90);
    expect(file.workers).toEqual({ devices: 'cpu', perDevice: 2 });
    expect(parse(base).workers).toEqual({ devices: 'auto', perDevice: undefined });
    expect(parse(base.replace('./o.mjs }', './o.mjs, isolate: process }')).objective).toMatchObject({ kind: 'module', isolate: 'process' });
  });
  const bad: [string, string, RegExp][] = [
    ['a bad trialTimeout', `${base}budget: { trialTimeout: soon }\n`, /^x\.yaml:4: budget\.trialTimeout: expected a duration/],
    ['a bad isolate', base.replace('./o.mjs }', './o.mjs, isolate: vm }'), /^x\.yaml:1: objective\.isolate: expected thread, process, inline/],
    ['isolate on a command', base.replace('{ module: ./o.mjs }', '{ command: [run, "{x}"], isolate: thread }'), /^x\.yaml:1: objective\.isolate: a command always runs in a process/],
    ['perDevice 0', `${base}workers: { perDevice: 0 }\n`, /^x\.yaml:4: workers\.perDevice: expected a positive integer/],
  ];
  for (const [name, text, pattern] of bad) it(`refuses ${name} with its line`, () => expect(() => parse(text)).toThrow(pattern));
});
