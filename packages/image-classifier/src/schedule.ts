/**
 * Linear warmup from lr/warmupSteps to lr over `warmupSteps`, then cosine decay to
 * lr·minRatio at `totalSteps`. Returns the multiplier of the base learning rate at `step`
 * (0-based: the rate used by the step-th update).
 */
export function warmupCosine(step: number, totalSteps: number, warmupSteps: number, minRatio = 0): number {
  if (warmupSteps > 0 && step < warmupSteps) return (step + 1) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / decaySteps));
  return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
