import { TrialPruned, createStudy } from '../../src/study/index.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';

/**
 * Write a small but complete study into a SQLite file: float (log), int, categorical and
 * a conditional parameter, intermediate values, a pruned and a failed trial, and slot /
 * device attributes as `sodate tune` records them; the same seed writes the same study.
 * The objective is known: `lr` near 1e-3 and `ema` on help; `noise` does nothing.
 */
export async function writeDemoStudy(file: string, name = 'demo', trials = 40, seed = 1): Promise<void> {
  const storage = SqliteStorage.open(file);
  const study = await createStudy({ name, storage, sampler: new RandomSampler({ seed }), direction: 'minimize', userAttrs: { metric: 'val_loss' }, systemAttrs: { 'sodate:seed': seed, 'sodate:space_file': 'search-spaces/demo.yaml' } });
  for (let k = 0; k < trials; k++) {
    const trial = await study.ask();
    // Slot and device as the orchestrator records them at dispatch.
    trial.setSystemAttr('sodate:slot', `t${k % 2}`);
    trial.setSystemAttr('sodate:device', k % 2 === 0 ? 'cpu' : 'gpu:0');
    const objective = async (t: typeof trial): Promise<number> => {
      const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
      const layers = t.suggestInt('layers', 1, 4);
      const optimizer = t.suggestCategorical('optimizer', ['adamw', 'sgd']);
      const momentum = optimizer === 'sgd' ? t.suggestFloat('momentum', 0.8, 0.99) : 0.9;
      const ema = t.suggestCategorical('ema', [true, false]);
      const noise = t.suggestFloat('noise', 0, 1);
      const final = (Math.log10(lr) + 3) ** 2 + (ema ? 0 : 0.8) + 0.05 * layers + 2 * (momentum - 0.9) ** 2 + 0.01 * noise;
      for (let step = 0; step < 5; step++) await t.report(step, final + 1 / (step + 1));
      if (k % 9 === 4) throw new Error('diverged');
      if (k % 7 === 3) throw new TrialPruned();
      return final;
    };
    try {
      await study.tell(trial, await objective(trial));
    } catch (error) {
      await study.tell(trial, error instanceof TrialPruned ? { state: 'pruned' } : { state: 'fail', error });
    }
  }
  await study.close();
}

/**
 * A two-objective, constrained study in a SQLite file: val_loss and latency_ms (both
 * minimised) trade off through `width`; trials whose memory_gb passes 16 are infeasible.
 */
export async function writeMultiObjectiveStudy(file: string, name = 'pareto', trials = 40, seed = 1): Promise<void> {
  const storage = SqliteStorage.open(file);
  const study = await createStudy({
    name,
    storage,
    sampler: new RandomSampler({ seed }),
    directions: ['minimize', 'minimize'],
    constraints: { memory_gb: { max: 16 } },
    userAttrs: { metric: 'val_loss', metrics: ['val_loss', 'latency_ms'] },
  });
  await study.optimize(
    async (trial) => {
      const width = trial.suggestInt('width', 8, 256, { log: true });
      const lr = trial.suggestFloat('lr', 1e-4, 1e-1, { log: true });
      trial.setConstraint('memory_gb', width / 12);
      return [1 / Math.sqrt(width) + (Math.log10(lr) + 2) ** 2 / 10, width / 4 + 2];
    },
    { nTrials: trials },
  );
  await study.close();
}
