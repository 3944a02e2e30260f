import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrialLog } from '../../src/run/trial-log.js';

describe('a trial log', () => {
  it('starts a fresh trial on an empty file, even where a deleted study of the same name left one, and a resumed trial after its earlier output', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sodate-log-')), '0.log');
    writeFileSync(file, 'RUN of a deleted study\n');
    const fresh = new TrialLog(file, { fresh: true });
    fresh.append('RUN first\n');
    await fresh.close();
    expect(readFileSync(file, 'utf8')).toBe('RUN first\n');
    const resumed = new TrialLog(file);
    resumed.append('RUN resumed\n');
    await resumed.close();
    expect(readFileSync(file, 'utf8')).toBe('RUN first\nRUN resumed\n');
    // A fresh trial that prints nothing leaves no earlier study's output behind either.
    await new TrialLog(file, { fresh: true }).close();
    expect(() => readFileSync(file, 'utf8')).toThrow(/ENOENT/);
  });
});
