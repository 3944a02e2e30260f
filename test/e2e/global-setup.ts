import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

/**
 * e2e tests run the built CLI and, for the built-in trainer, the built package; build them
 * when a developer runs vitest without `npm test`. The core first: the package type-checks
 * against its dist/.
 */
export default function setup(): void {
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const builds = [
    { dir: REPO_ROOT, output: 'dist/cli/index.js' },
    { dir: join(REPO_ROOT, 'packages/image-classifier'), output: 'dist/index.js' },
  ];
  for (const { dir, output } of builds) {
    if (!existsSync(join(dir, output))) execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  }
}
