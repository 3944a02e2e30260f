import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

/** The built-in trainer on 300 digits, three widths drawn at random, the default pruner (curve-rank). */
const space = (trialSeeds: string): string => `study: seeds
direction: minimize
metric: val_loss
objective:
  builtin: image-classifier
  options: { dataset: digits, maxSamples: 300, epochs: 6, seed: 0 }
${trialSeeds}sampler: { kind: random, seed: 3 }
budget: { trials: 10 }
workers: { devices: cpu, perDevice: 1 }
params:
  width: { choice: [4, 8, 16] }
`;

interface TrialJson {
  number: number;
  state: string;
  params: { width: number };
  intermediate_values: Record<string, number>;
}

async function tune(trialSeeds: string): Promise<TrialJson[]> {
  const dir = tempProject({ 'space.yaml': space(trialSeeds) });
  const storage = join(dir, 'seeds.db');
  const run = await runCli(['tune', 'space.yaml', '--storage', storage], dir, { timeoutMs: 240_000 });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse((await runCli(['trials', 'seeds', '--storage', storage, '--format', 'json'], dir)).stdout) as TrialJson[];
}

/** Each width's distinct first-epoch validation losses. */
function firstLosses(trials: readonly TrialJson[]): Map<number, Set<number>> {
  const byWidth = new Map<number, Set<number>>();
  for (const t of trials) {
    const first = t.intermediate_values['0'];
    if (first === undefined) continue;
    byWidth.set(t.params.width, (byWidth.get(t.params.width) ?? new Set()).add(first));
  }
  return byWidth;
}

describe('trialSeeds: shared through the CLI on the built-in trainer', () => {
  it('gives repeats of a configuration the same curve, and the default pruner stops them once their start is known to tell the end', async () => {
    const shared = await tune('trialSeeds: shared\n');
    // Common random numbers: every trial of a width starts from the same weights and data order,
    // and its whole curve (as far as it ran) is the same.
    const widths = firstLosses(shared);
    expect([...widths.values()].every((losses) => losses.size === 1)).toBe(true);
    for (const t of shared) {
      const full = shared.find((o) => o.state === 'COMPLETE' && o.params.width === t.params.width);
      if (full === undefined) continue;
      for (const [step, value] of Object.entries(t.intermediate_values)) expect(value).toBe(full.intermediate_values[step]);
    }
    // A repeat after five finished trials retraces its configuration's finished run: stopped after 3 of its 6 epochs.
    const stopped = shared.filter((t) => t.state === 'PRUNED');
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) expect(Object.keys(t.intermediate_values)).toHaveLength(3);

    // Each trial its own seed (the default): repeats differ, and nothing is stopped as a repeat.
    const perTrial = await tune('');
    const repeated = [...firstLosses(perTrial).entries()].filter(([width]) => perTrial.filter((t) => t.params.width === width).length > 1);
    expect(repeated.length).toBeGreaterThan(0);
    for (const [, losses] of repeated) expect(losses.size).toBeGreaterThan(1);
  }, 300_000);
});
