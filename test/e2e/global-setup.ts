import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

/** e2e tests run the built CLI; build it when a developer runs vitest without `npm test`. */
export default function setup(): void {
  if (!existsSync(join(REPO_ROOT, 'dist/cli/index.js'))) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}
