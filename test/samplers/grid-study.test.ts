import { describe, expect, it } from 'vitest';
import { GridSampler } from '../../src/samplers/grid.js';
import { createStudy } from '../../src/study/create.js';
import type { StudyView } from '../../src/policies/policies.js';

describe('GridSampler in a study', () => {
  it('gives trials asked back to back, before any runs, distinct points, and says when the grid is used up', async () => {
    const sampler = new GridSampler({ searchSpace: { lr: [0.1, 0.01, 0.001], layers: [1, 2] }, seed: 4 });
    const study = await createStudy({ sampler });
    const trials = [];
    for (let i = 0; i < 6; i++) trials.push(await study.ask());
    const seen = trials.map((t) => JSON.stringify([t.suggestFloat('lr', 1e-4, 1, { log: true }), t.suggestInt('layers', 1, 4)]));
    expect(new Set(seen).size).toBe(6);
    for (const t of trials) await study.tell(t, 1);
    await study.refresh();
    const view: StudyView = {
      name: study.name,
      direction: study.direction,
      directions: study.directions,
      getTrials: (states) => (states === undefined ? study.trials : study.trials.filter((t) => states.includes(t.state))),
      setTrialSystemAttr: () => undefined,
    };
    expect(sampler.isExhausted(view)).toBe(true);
    expect(study.trials.map((t) => t.systemAttrs['grid_id']).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await study.close();
  });
});
