import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempProject } from '../helpers/cli.js';

const SPACE = `study: digits
objective:
  builtin: image-classifier
  options: { epochs: 1 }
budget: { trials: 1 }
params:
  lr: { float: [1.0e-4, 1.0e-2], log: true }
`;

/**
 * sodate as a user of the tuning library installs it: the built CLI with its own
 * dependencies and without @sodate/image-classifier (every other package of this
 * checkout's node_modules is linked in).
 */
function installWithoutTrainer(): string {
  const dir = tempProject();
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (name !== '@sodate' && name !== 'sodate' && name !== '.bin') symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name));
  }
  return dir;
}

describe('the built-in image trainer is a package of its own', () => {
  it('refuses a study of it in one line naming what to install when the package is missing', () => {
    const sodate = installWithoutTrainer();
    const project = tempProject({ 'space.yaml': SPACE });
    const tune = spawnSync(process.execPath, [join(sodate, 'bin/sodate.js'), 'tune', 'space.yaml', '--no-tui', '--storage', join(project, 'x.db')], { cwd: project, encoding: 'utf8' });
    expect(tune.stderr.trim()).toBe('sodate: the built-in objective "image-classifier" comes in its own package, which is not installed: npm install @sodate/image-classifier');
    expect(tune.status).toBe(2);
    expect(tune.stdout).not.toMatch(/trial \d/);
  });
});
