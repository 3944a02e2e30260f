import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

/**
 * A command trial with a fixed curve per trial number: trial 1 starts worse than trial 0
 * and ends far better (a crossing curve). It saves a checkpoint file per step and names it
 * before reporting the step; resumed, it reads the checkpoint and goes on from the next step.
 */
const TRAIN = `
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const curves = [[1, 0.9, 0.8, 0.7, 0.6], [2, 1.5, 0.5, 0.3, 0.1], [3, 3, 3, 3, 3], [4, 4, 4, 4, 4]];
const curve = curves[Number(process.env.SODATE_TRIAL_NUMBER)];
const dir = process.env.SODATE_TRIAL_DIR;
let start = 0;
if (process.env.SODATE_RESUME_FROM !== undefined) {
  const saved = JSON.parse(readFileSync(process.env.SODATE_RESUME_FROM, 'utf8'));
  appendFileSync(join(dir, 'resumed.txt'), \`from \${process.env.SODATE_RESUME_FROM.slice(dir.length + 1)} step \${process.env.SODATE_RESUME_STEP} read \${saved.step}\\n\`);
  start = saved.step + 1;
}
for (let step = start; step < curve.length; step++) {
  writeFileSync(join(dir, \`ckpt-\${step}.json\`), JSON.stringify({ step }));
  console.log(JSON.stringify({ checkpoint: \`ckpt-\${step}.json\`, step }));
  console.log(JSON.stringify({ step, value: curve[step] }));
  await new Promise((r) => setTimeout(r, 30));
}
console.log(JSON.stringify({ value: curve[curve.length - 1] }));
`;

// ASHA with rungs at steps 1, 2, 4 and η = 2: trials 1-3 lose rung 0 when they reach it and
// are paused; once four trials reached rung 0 its top half holds trial 1, which is promoted.
const SPACE = `study: demo
objective: { command: [node, train.mjs] }
sampler: { kind: random }
pruner: { kind: asha, minResource: 1, reductionFactor: 2, pause: true }
budget: { trials: 4 }
workers: { devices: cpu, perDevice: 1 }
params:
  x: { float: [0.0, 1.0] }
`;

interface Row {
  number: number;
  state: string;
}

describe('paused trials through the real CLI and a real SQLite file', () => {
  it('pauses a stopped trial at its checkpoint, promotes it and resumes it in the same trial number from that checkpoint', async () => {
    const dir = tempProject({ 'train.mjs': TRAIN, 'space.yaml': SPACE });
    const run = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);

    const db = new Database(join(dir, 'studies', 'demo.db'), { readonly: true });
    try {
      const trials = db.prepare('SELECT trial_id AS id, number, state FROM trials ORDER BY number').all() as (Row & { id: number })[];
      // The budget counts trials: four, the resumed one once.
      expect(trials.map((t) => [t.number, t.state])).toEqual([
        [0, 'COMPLETE'],
        [1, 'COMPLETE'],
        [2, 'PRUNED'],
        [3, 'PRUNED'],
      ]);
      const attr = (id: number, key: string): unknown => {
        const row = db.prepare('SELECT value_json FROM trial_system_attributes WHERE trial_id = ? AND key = ?').get(id, key) as { value_json: string } | undefined;
        return row === undefined ? undefined : JSON.parse(row.value_json);
      };
      const [t0, t1, t2, t3] = trials as [Row & { id: number }, Row & { id: number }, Row & { id: number }, Row & { id: number }];
      expect(attr(t1.id, 'sodate:resumes')).toBe(1);
      expect(attr(t1.id, 'sodate:paused')).toBe(false);
      expect(attr(t1.id, 'sodate:paused_step')).toBe(1);
      for (const t of [t2, t3]) {
        expect(attr(t.id, 'sodate:paused')).toBe(true);
        expect(attr(t.id, 'sodate:checkpoint')).toBe('ckpt-1.json');
        expect(attr(t.id, 'sodate:checkpoint_step')).toBe(1);
      }
      expect(attr(t0.id, 'sodate:paused')).toBeUndefined();
      // Its reports went on at step 2, after the checkpoint's step 1: the whole curve, once.
      const steps = db.prepare('SELECT step, intermediate_value AS v FROM trial_intermediate_values WHERE trial_id = ? ORDER BY step').all(t1.id) as { step: number; v: number }[];
      expect(steps).toEqual([
        { step: 0, v: 2 },
        { step: 1, v: 1.5 },
        { step: 2, v: 0.5 },
        { step: 3, v: 0.3 },
        { step: 4, v: 0.1 },
      ]);
      const value = db.prepare('SELECT value FROM trial_values WHERE trial_id = ?').get(t1.id) as { value: number };
      expect(value.value).toBe(0.1);
    } finally {
      db.close();
    }
    const root = join(dir, 'studies', 'artifacts', 'demo');
    // The resumed run read the checkpoint it was handed.
    expect(readFileSync(join(root, '1', 'resumed.txt'), 'utf8')).toBe('from ckpt-1.json step 1 read 1\n');
    // Retention keeps the paused trials' checkpoints: a later run may still promote them.
    for (const n of [2, 3]) expect(existsSync(join(root, String(n), 'ckpt-1.json'))).toBe(true);
  });
});
