/**
 * The trainer through the real, built CLI (bin/sodate.js and this package's dist/: `npm run
 * build` first after a change; vitest's global setup builds them only when they are missing).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { loadModelFiles } from '../src/index.js';

// Four grid points, visited in the order seed 0 shuffles them to: lr 0.01, 0.005, 1e-7, 2e-7.
// The first two learn within two epochs, the others do not. ASHA (rungs at steps 1, 2, …,
// η = 2) stops every later trial at step 1 and pauses it; the 0.005 one, behind the 0.01 one
// when it reached step 1, is in the top half once all four have, and is promoted.
const SPACE = `study: keep
seed: 0
objective:
  builtin: image-classifier
  options: { dataset: digits, maxSamples: 300, epochs: 4, width: 4, seed: 0, verbose: true }
sampler: { kind: grid }
pruner: { kind: asha, minResource: 1, reductionFactor: 2, pause: true }
budget: { trials: 4 }
workers: { devices: cpu, perDevice: 1 }
params:
  batch_size: { choice: [16] }
  lr: { choice: [1.0e-7, 0.005, 0.01, 2.0e-7] }
`;

interface TrialJson {
  number: number;
  state: string;
  params: { lr: number };
}

describe('the built-in trainer under sodate tune', () => {
  it('keeps the model of each completed trial, pauses stopped trials at their checkpoint, resumes a promoted one, and logs its epochs', async () => {
    const dir = tempProject({ 'space.yaml': SPACE });
    const tune = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir, { timeoutMs: 120_000 });
    expect(tune.code, tune.stderr + tune.stdout).toBe(0);
    const promoted = /trial (\d+) promoted: resumed from its checkpoint at step 1/.exec(tune.stdout);
    expect(promoted, tune.stdout).not.toBeNull();

    const trials = JSON.parse((await runCli(['trials', 'keep', '--format', 'json'], dir)).stdout) as TrialJson[];
    const root = join(dir, 'studies', 'artifacts', 'keep');
    for (const t of trials) {
      const files = readdirSync(join(root, String(t.number))).sort();
      // Completed: the model, its checkpoint deleted. Paused: the checkpoint a promotion resumes from.
      expect([t.state, files]).toEqual(t.state === 'COMPLETE' ? ['COMPLETE', ['model.json', 'weights.bin']] : ['PRUNED', ['checkpoint.bin']]);
    }
    expect(trials.filter((t) => t.state === 'PRUNED').length).toBeGreaterThan(0);

    // The resumed run went on with epoch 3: each epoch once in the trial's log, in order.
    const logs = await runCli(['logs', 'keep', promoted?.[1] as string], dir);
    const epochs = [...logs.stdout.matchAll(/fold 0 epoch (\d)\/4: train_loss/g)].map((m) => Number(m[1]));
    expect(epochs.slice(0, 3)).toEqual([1, 2, 3]);
    expect(new Set(epochs).size).toBe(epochs.length);

    const copy = await runCli(['artifacts', 'keep', 'best', '--copy-to', './best-model'], dir);
    expect(copy.code, copy.stderr).toBe(0);
    const model = await loadModelFiles(join(dir, 'best-model'));
    expect(model.outputs[0]?.shape).toEqual([null, 10]);
    model.dispose();
  }, 180_000);

  it('stops the study at its first trial, exit 2, when the data set does not exist', async () => {
    const dir = tempProject({ 'space.yaml': SPACE.replace('dataset: digits', 'dataset: { npy: { x: /tmp/none/x.npy, y: /tmp/none/y.npy } }') });
    const tune = await runCli(['tune', 'space.yaml', '--format', 'plain'], dir);
    expect(tune.code).toBe(2);
    expect(tune.stderr.trim()).toBe('sodate: image-classifier option dataset: data file /tmp/none/x.npy does not exist');
    expect(tune.stdout).not.toMatch(/trial 1/);
    expect(existsSync(join(dir, 'studies', 'artifacts', 'keep', '1'))).toBe(false);
  });
});
