import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointName, checkpointProblem } from '../../src/study/checkpoint.js';

/** A trial directory `<root>/demo/3`, and a file outside it. */
function trialDir(): { dir: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'sodate-ckpt-'));
  const dir = join(root, 'demo', '3');
  mkdirSync(dir, { recursive: true });
  const outside = join(root, 'elsewhere.pt');
  writeFileSync(outside, 'someone else’s weights');
  return { dir, outside };
}

describe('a checkpoint that is a symbolic link', () => {
  it('is refused when it leads out of the trial directory, as the artifact recorder refuses it', () => {
    const { dir, outside } = trialDir();
    symlinkSync(outside, join(dir, 'ckpt-2.pt'));
    expect(checkpointName(dir, 'ckpt-2.pt')).toEqual({
      refused: `checkpoint ckpt-2.pt is a symbolic link to ${outside}, outside the trial's directory ${dir}; not used (copy the file into the directory instead)`,
    });
    expect(checkpointProblem(dir, join(dir, 'ckpt-2.pt'))).toMatch(/is a symbolic link to .*elsewhere\.pt, outside the trial's directory/);
  });

  it('is refused when a folder on its way is a link out of the trial directory', () => {
    const { dir, outside } = trialDir();
    symlinkSync(join(outside, '..'), join(dir, 'ckpt'));
    expect(checkpointName(dir, 'ckpt/elsewhere.pt')).toEqual({
      refused: `checkpoint ckpt/elsewhere.pt is a symbolic link (${join(dir, 'ckpt')}) to ${join(outside, '..')}, outside the trial's directory ${dir}; not used (copy the file into the directory instead)`,
    });
  });

  it('is kept when it names a file inside the trial directory, as is a plain file or one not written yet', () => {
    const { dir } = trialDir();
    writeFileSync(join(dir, 'ckpt-1.pt'), 'weights');
    symlinkSync('ckpt-1.pt', join(dir, 'latest.pt'));
    expect(checkpointName(dir, 'latest.pt')).toEqual({ name: 'latest.pt' });
    expect(checkpointName(dir, 'ckpt-1.pt')).toEqual({ name: 'ckpt-1.pt' });
    expect(checkpointName(dir, 'ckpt-9.pt')).toEqual({ name: 'ckpt-9.pt' });
    expect(checkpointProblem(dir, join(dir, 'latest.pt'))).toBeUndefined();
    expect(checkpointProblem(dir, join(dir, 'ckpt-9.pt'))).toBe(`checkpoint ${join(dir, 'ckpt-9.pt')} is missing`);
  });
});
