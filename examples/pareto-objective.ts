/**
 * A simulated training run with two objectives and a constraint, so a multi-objective
 * study finishes in seconds anywhere: a wider, deeper model at a higher resolution ends
 * with a lower validation loss but is slower at inference and needs more GPU memory.
 * Each epoch reports both objectives, so the `pareto` pruner can stop a trial that the
 * front already beats on both.
 */
import type { Trial } from 'sodate';

const EPOCHS = 12;

export async function objective(trial: Trial): Promise<[number, number]> {
  const { lr, width, depth, resolution, batch_size } = trial.params as { lr: number; width: number; depth: number; resolution: number; batch_size: number };
  const capacity = Math.log2(width / 16) + 0.5 * depth + Math.log2(resolution / 64);
  const lrMiss = Math.log10(lr / 3e-4) ** 2;
  const floor = 0.3 + 0.35 * lrMiss + 0.6 * Math.exp(-0.6 * capacity);
  const speed = Math.min(1.2, 0.25 * (lr / 3e-4) ** 0.5);
  // Milliseconds per image: grows with the work a forward pass does.
  const latency = 0.02 * (width / 16) ** 2 * depth * (resolution / 64) ** 2 + 0.05;
  // Activations of a training batch, GiB: what the 16 GB card must hold.
  trial.setConstraint('gpu_mem_gb', 0.0025 * batch_size * (width / 16) * depth * (resolution / 64) ** 2 + 1);
  let loss = 2.3;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    loss = floor + (2.3 - floor) * Math.exp(-speed * epoch) + 0.004 * Math.sin(trial.number * 7.1 + epoch);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await trial.report(epoch, [loss, latency]);
  }
  return [loss, latency];
}
