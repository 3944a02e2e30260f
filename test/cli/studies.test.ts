import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studiesCommand } from '../../src/cli/commands/studies.js';
import { createStudy } from '../../src/study/create.js';

describe('sodate studies', () => {
  it("gives a constrained study's best among its feasible trials only", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-studies-'));
    const storage = `sqlite:${join(dir, 's.db')}`;
    const study = await createStudy({ name: 'limited', storage, constraints: { gpu_mem_gb: { max: 16 } } });
    // The lowest loss needs 20 GB: over the limit, so not the best.
    for (const [loss, mem] of [[0.1, 20], [0.3, 12], [0.2, 15]] as const) {
      const trial = await study.ask();
      trial.setConstraint('gpu_mem_gb', mem);
      await study.tell(trial, loss);
    }
    const plain = await createStudy({ name: 'plain', storage });
    const t = await plain.ask();
    await plain.tell(t, 0.5);
    await study.close();
    await plain.close();
    let out = '';
    const code = await studiesCommand(['--storage', storage, '--format', 'json'], { out: { write: (s: string) => (out += s) }, err: { write: () => true }, cwd: dir });
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { name: string; best_value: number | null }[];
    expect(Object.fromEntries(rows.map((r) => [r.name, r.best_value]))).toEqual({ limited: 0.2, plain: 0.5 });
  });
});
