import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestCommand } from '../../src/cli/commands/best.js';
import { studiesCommand } from '../../src/cli/commands/studies.js';
import { ABLATION_ATTR, CONFIRM_OF_ATTR } from '../../src/storage/metadata.js';
import { headerFromStudy, summaryLines } from '../../src/tui/index.js';
import { createStudy } from '../../src/study/create.js';

describe('sodate studies', () => {
  it("gives a constrained study's best among its feasible trials only, with or without a study-level limit", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-studies-'));
    const storage = `sqlite:${join(dir, 's.db')}`;
    const study = await createStudy({ name: 'limited', storage, constraints: { gpu_mem_gb: { max: 16 } } });
    // The lowest loss needs 20 GB: over the limit, so not the best.
    for (const [loss, mem] of [[0.1, 20], [0.3, 12], [0.2, 15]] as const) {
      const trial = await study.ask();
      trial.setConstraint('gpu_mem_gb', mem);
      await study.tell(trial, loss);
    }
    // Constraint values without a study-level limit (Optuna's way): infeasible when positive.
    const unlimited = await createStudy({ name: 'unlimited', storage });
    for (const [loss, violation] of [[0.1, 4], [0.3, -1]] as const) {
      const trial = await unlimited.ask();
      trial.setConstraint('mem', violation);
      await unlimited.tell(trial, loss);
    }
    await unlimited.close();
    const plain = await createStudy({ name: 'plain', storage });
    const t = await plain.ask();
    await plain.tell(t, 0.5);
    await study.close();
    await plain.close();
    let out = '';
    const code = await studiesCommand(['--storage', storage, '--format', 'json'], { out: { write: (s: string) => (out += s) }, err: { write: () => true }, cwd: dir });
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { name: string; best_value: number | null }[];
    expect(Object.fromEntries(rows.map((r) => [r.name, r.best_value]))).toEqual({ limited: 0.2, unlimited: 0.3, plain: 0.5 });
  });

  it("never names a re-run by confirm or ablate a study's best, in the listing, `sodate best`, the summary line or Study.bestTrial", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sodate-studies-'));
    const storage = `sqlite:${join(dir, 's.db')}`;
    const study = await createStudy({ name: 'confirmed', storage });
    for (const loss of [0.4, 0.3]) {
      const trial = await study.ask();
      await study.tell(trial, loss);
    }
    // A lucky seed of trial 1's configuration, and an ablation point: measurements, not candidates.
    for (const [loss, attr, value] of [[0.1, CONFIRM_OF_ATTR, 1], [0.05, ABLATION_ATTR, { of: 1 }]] as const) {
      const rerun = await study.ask();
      rerun.setUserAttr(attr, value);
      await study.tell(rerun, loss);
    }
    expect(study.bestTrial?.number).toBe(1);
    expect(study.bestTrials.map((t) => t.number)).toEqual([1]);
    expect(summaryLines(headerFromStudy(study), study.trials)[1]).toBe('best value=0.3 at trial 1: ');
    await study.close();
    const run = async (command: typeof studiesCommand, argv: string[]): Promise<string> => {
      let out = '';
      expect(await command(argv, { out: { write: (s: string) => (out += s) }, err: { write: () => true }, cwd: dir })).toBe(0);
      return out;
    };
    const rows = JSON.parse(await run(studiesCommand, ['--storage', storage, '--format', 'json'])) as { name: string; best_value: number | null }[];
    expect(rows.map((r) => r.best_value)).toEqual([0.3]);
    const best = JSON.parse(await run(bestCommand, ['confirmed', '--storage', storage, '--format', 'json'])) as { number: number; value: number };
    expect([best.number, best.value]).toEqual([1, 0.3]);
  });
});
