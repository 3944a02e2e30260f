import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../../helpers/cli.js';

/** A command trial that leaves one file in its directory. */
const TRAIN = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const x = Number(process.env.SODATE_PARAM_X);
writeFileSync(join(process.env.SODATE_TRIAL_DIR, 'model.txt'), String(x));
console.log(JSON.stringify({ value: (x - 0.3) ** 2 }));
`;

const SPACE = `study: demo
objective: { command: [node, train.mjs] }
sampler: { kind: random }
pruner: { kind: none }
budget: { trials: 2 }
workers: { devices: cpu, perDevice: 2 }
params:
  x: { float: [0.0, 1.0] }
`;

describe('sodate artifacts --copy-to', () => {
  it("says only that nothing is present to copy when the best trial's files are gone, on one line", async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE });
    expect((await runCli(['tune', 'space.yaml', '--format', 'plain'], dir)).code).toBe(0);
    rmSync(join(dir, 'studies', 'artifacts', 'demo'), { recursive: true });

    const copy = await runCli(['artifacts', 'demo', 'best', '--copy-to', 'best-model'], dir);
    expect(copy.code).toBe(1);
    expect(copy.stdout).toBe('');
    expect(copy.stderr).toMatch(/^sodate artifacts: no file of trial \d+ of study demo is present to copy \(1 missing\); `sodate artifacts demo best` lists each file's status\n$/);
    expect(existsSync(join(dir, 'best-model'))).toBe(false);
  });
});
