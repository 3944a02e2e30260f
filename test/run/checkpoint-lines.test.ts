import { describe, expect, it } from 'vitest';
import { commandEnv, parseOutputLine } from '../../src/objectives/command-objective.js';
import type { TrialTask } from '../../src/run/messages.js';
import { checkpointName } from '../../src/study/checkpoint.js';

const task: TrialTask = { study: 's', number: 3, trialId: 4, params: {}, distributions: {}, device: 'cpu', slot: 'cpu#0', artifactDir: '/runs/s/3' };

describe('checkpoint lines of a command', () => {
  it('reads {"checkpoint": …} with or without its step', () => {
    expect(parseOutputLine('{"checkpoint": "ckpt-3.pt", "step": 3}')).toEqual({ kind: 'checkpoint', path: 'ckpt-3.pt', step: 3 });
    expect(parseOutputLine('{"checkpoint": "ckpt.pt"}')).toEqual({ kind: 'checkpoint', path: 'ckpt.pt' });
  });

  it('reads a value line that also names a file as the value it always was', () => {
    expect(parseOutputLine('{"value": 0.93, "checkpoint": "/models/best.pt"}')).toEqual({ kind: 'final', value: 0.93 });
    expect(parseOutputLine('{"step": 3, "value": 0.5, "checkpoint": "ckpt-3.pt"}')).toEqual({ kind: 'report', step: 3, value: 0.5 });
  });

  it('refuses a checkpoint line it cannot use, with the fix, rather than reading it as log text', () => {
    expect(parseOutputLine('{"checkpoint": 3}')).toEqual({ kind: 'invalid', message: 'checkpoint must name a file, got 3; print {"checkpoint": "ckpt.pt", "step": 3} after writing the file into SODATE_TRIAL_DIR' });
    expect(parseOutputLine('{"checkpoint": "c.pt", "step": -1}')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('the step of checkpoint c.pt must be a non-negative integer, got -1') });
  });

  it('hands a resumed command its checkpoint and step, and a fresh one neither', () => {
    expect(commandEnv({ ...task, resumeFrom: '/runs/s/3/ckpt-3.pt', resumeStep: 3 }, 'p.json')).toMatchObject({ SODATE_RESUME_FROM: '/runs/s/3/ckpt-3.pt', SODATE_RESUME_STEP: '3', SODATE_TRIAL_DIR: '/runs/s/3' });
    const fresh = commandEnv(task, 'p.json');
    expect('SODATE_RESUME_FROM' in fresh || 'SODATE_RESUME_STEP' in fresh).toBe(false);
  });
});

describe('checkpointName', () => {
  it('keeps a file inside the trial directory, relative or absolute, as its relative name', () => {
    expect(checkpointName('/runs/s/3', 'sub/ckpt.pt')).toEqual({ name: 'sub/ckpt.pt' });
    expect(checkpointName('/runs/s/3', '/runs/s/3/ckpt.pt')).toEqual({ name: 'ckpt.pt' });
  });

  it('refuses a path outside it, or the directory itself', () => {
    for (const path of ['../2/ckpt.pt', '/tmp/ckpt.pt', '.', 'a/../../x']) expect(checkpointName('/runs/s/3', path)).toHaveProperty('refused');
  });
});
