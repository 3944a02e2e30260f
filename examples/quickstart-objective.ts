/**
 * The quickstart objective: a simulated training run, so a study finishes in seconds on
 * any machine. Its validation loss after each epoch follows a learning curve shaped by
 * the knobs (learning rate too high starts fast and ends worse; weight decay and label
 * smoothing help a little; SGD wants momentum), with seeded noise per trial.
 */
import type { Trial } from 'sodate';

const EPOCHS = 12;

function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296 - 0.5) * 0.01;
  };
}

export async function objective(trial: Trial): Promise<number> {
  const { lr, weight_decay, batch_size, optimizer, momentum, label_smoothing } = trial.params as {
    lr: number;
    weight_decay: number;
    batch_size: number;
    optimizer: 'adamw' | 'sgd';
    momentum?: number;
    label_smoothing: number;
  };
  // Best around lr 3e-4 (AdamW) or 3e-3 with high momentum (SGD), batch 64.
  const bestLr = optimizer === 'adamw' ? 3e-4 : 3e-3;
  const lrMiss = Math.log10(lr / bestLr) ** 2;
  const momentumMiss = optimizer === 'sgd' ? 4 * ((momentum ?? 0.9) - 0.95) ** 2 * 25 : 0;
  const floor = 0.25 + 0.35 * lrMiss + 0.1 * Math.abs(Math.log10(weight_decay / 1e-3)) / 2 + momentumMiss + 0.05 * Math.abs(Math.log2(batch_size / 64)) - 0.03 * label_smoothing * 10;
  const speed = Math.min(1.5, 0.15 * (lr / bestLr) ** 0.5 * (batch_size <= 32 ? 1.2 : 1));
  const jitter = noise(trial.number * 7919 + 17);
  let loss = 2.3;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    loss = floor + (2.3 - floor) * Math.exp(-speed * epoch) + jitter();
    await new Promise((resolve) => setTimeout(resolve, 15));
    await trial.report(epoch, loss);
  }
  return loss;
}
