import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingProgram } from '../../src/objectives/command-program.js';

describe('missingProgram', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-program-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'train'), '#!/bin/sh\necho \'{"value": 1}\'\n');
  chmodSync(join(dir, 'bin', 'train'), 0o755);
  writeFileSync(join(dir, 'train.py'), 'print(1)\n');
  const at = (...argv: string[]) => ({ argv, cwd: dir });

  it('finds a program on PATH as spawn does', () => {
    expect(missingProgram(at('train'), join(dir, 'bin'))).toBeUndefined();
    expect(missingProgram(at('node', 'x.js'))).toBeUndefined();
  });

  it('names a program that is on no PATH folder', () => {
    expect(missingProgram(at('pyhton3', 'train.py'), join(dir, 'bin'))).toBe('the command\'s program "pyhton3" is not on PATH; install it, or give its path in objective.command in the space file');
  });

  it('reads a path with a slash from the command\'s folder', () => {
    expect(missingProgram(at('./bin/train'), '')).toBeUndefined();
    expect(missingProgram(at('./bin/tran'), '')).toMatch(/bin\/tran does not exist; fix objective\.command in the space file/);
    expect(missingProgram(at('./bin'), '')).toMatch(/bin is a folder, not a program/);
  });

  it('says how to run a script that is not executable', () => {
    expect(missingProgram(at('./train.py'), '')).toMatch(/train\.py is not executable; make it so \(chmod \+x \.\/train\.py\) or run it through its interpreter/);
  });

  it('leaves a program given by a placeholder to run time', () => {
    expect(missingProgram(at('{python}', 'train.py'), '')).toBeUndefined();
  });
});
