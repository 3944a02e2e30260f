import { describe, expect, it } from 'vitest';
import { GPSampler } from '../../src/samplers/gp/index.js';
import { createStudy } from '../../src/study/create.js';

describe('GPSampler in a study', () => {
  it('optimises through ask/tell and keeps 8 trials asked at once apart', async () => {
    const study = await createStudy({ sampler: new GPSampler({ seed: 1, nStartupTrials: 6 }) });
    await study.optimize((t) => (t.suggestFloat('x', -1, 1) - 0.3) ** 2 + (t.suggestFloat('y', -1, 1) + 0.2) ** 2, { nTrials: 20 });
    expect(study.bestValue as number).toBeLessThan(0.01);
    const batch = [];
    for (let i = 0; i < 8; i++) batch.push(await study.ask());
    const points = batch.map((t) => [t.suggestFloat('x', -1, 1), t.suggestFloat('y', -1, 1)] as const);
    let closest = Infinity;
    for (let i = 0; i < 8; i++) for (let j = 0; j < i; j++) closest = Math.min(closest, Math.hypot(points[i]![0] - points[j]![0], points[i]![1] - points[j]![1]));
    // Near the optimum of a converged bowl, but no two alike (the batch's log EI over fantasies).
    expect(closest).toBeGreaterThan(0.003);
    for (const t of batch) await study.tell(t, 0.5);
    await study.close();
  });

  it('asks with more running trials than it can fantasise (65 workers): the oldest enter as lies', async () => {
    const study = await createStudy({ sampler: new GPSampler({ seed: 2, nStartupTrials: 6 }) });
    await study.optimize((t) => (t.suggestFloat('x', -1, 1) - 0.3) ** 2, { nTrials: 12 });
    const batch = [];
    for (let i = 0; i < 66; i++) batch.push(await study.ask());
    const xs = batch.map((t) => t.suggestFloat('x', -1, 1));
    expect(xs.every((x) => x >= -1 && x <= 1)).toBe(true);
    expect(new Set(xs).size).toBe(66);
    for (const t of batch) await study.tell(t, 0.5);
    await study.close();
  });
});
