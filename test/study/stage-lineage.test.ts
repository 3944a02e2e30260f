import { describe, expect, it } from 'vitest';
import type { AblationAttr } from '../../src/analysis/ablation.js';
import { ablationUserAttrs } from '../../src/analysis/ablation.js';
import { rerunGain, stageRowsOf } from '../../src/analysis/stages.js';
import type { JsonValue } from '../../src/json.js';
import type { Distribution, ParamValue } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, toInternal } from '../../src/space/distributions.js';
import { InMemoryStorage } from '../../src/storage/memory.js';
import { ABLATION_OF_ATTR, BASELINE_ATTR, CONFIRM_OF_ATTR, CONFIRM_SEED_ATTR, STAGE_ATTR, STAGE_CARRIED_ATTR } from '../../src/storage/metadata.js';
import type { StudyRecord } from '../../src/storage/records.js';
import type { StageLineage } from '../../src/study/stage-lineage.js';
import { stageTrialsOf } from '../../src/study/stage-lineage.js';

// The repro: staged study st3 (optim opens lr and optimizer, reg wd, aug hflip), then
// `sodate ablate st3 --stages --seeds 2`, whose runs of every stage go to st3.aug.ablation.
type Space = Record<string, Distribution>;
const FULL: Space = {
  lr: floatDistribution(1e-4, 1e-1, { log: true }),
  optimizer: categoricalDistribution(['adamw', 'sgd']),
  wd: floatDistribution(0, 0.1),
  hflip: categoricalDistribution([true, false]),
};
const BASELINE = { lr: 0.001, optimizer: 'sgd', wd: 0, hflip: false };
const OPTIM_BEST = { ...BASELINE, lr: 0.01, optimizer: 'adamw' };
const REG_BEST = { ...OPTIM_BEST, wd: 0.05 };
const AUG_BEST = { ...REG_BEST, hflip: true };
const STAGES = ['optim', 'reg', 'aug'];
const OPENS = [['lr', 'optimizer'], ['wd'], ['hflip']];

/** A stage's space: its own parameters searched, the others fixed (a categorical as a one-choice list), as `sodate tune` builds it. */
function stageSpace(index: number, fixedAt: Readonly<Record<string, ParamValue>>): Space {
  const own = OPENS[index] as string[];
  return Object.fromEntries(
    Object.entries(FULL).map(([name, dist]) => {
      if (own.includes(name)) return [name, dist];
      const value = fixedAt[name] as ParamValue;
      return [name, dist.kind === 'categorical' ? categoricalDistribution([value as string | boolean]) : floatDistribution(value as number, value as number)];
    }),
  );
}

async function addTrial(storage: InMemoryStorage, study: StudyRecord, space: Space, params: Readonly<Record<string, ParamValue>>, value: number, userAttrs: Record<string, JsonValue> = {}): Promise<void> {
  const fixed = Object.fromEntries(Object.entries(params).map(([name, v]) => [name, { internal: toInternal(space[name] as Distribution, v), distribution: space[name] as Distribution }]));
  const trial = await storage.createTrial(study.id, { params: fixed, userAttrs });
  await storage.finishTrial((trial as { id: number }).id, 'COMPLETE', [value]);
}

/** Staged study `of`'s three stages, tuned: each stage's first trial re-runs the previous best (the first stage's the baseline). */
async function tunedStages(storage: InMemoryStorage, of = 'st3'): Promise<StudyRecord[]> {
  const bests = [OPTIM_BEST, REG_BEST, AUG_BEST];
  const tuning: [Record<string, ParamValue>, number][][] = [
    [[BASELINE, 2.0], [OPTIM_BEST, 1.2], [{ ...BASELINE, lr: 0.05 }, 1.6]],
    [[OPTIM_BEST, 1.25], [REG_BEST, 1.0], [{ ...OPTIM_BEST, wd: 0.09 }, 1.1]],
    [[REG_BEST, 1.05], [AUG_BEST, 0.8]],
  ];
  const records: StudyRecord[] = [];
  for (const [index, name] of STAGES.entries()) {
    const carried = index === 0 ? {} : (bests[index - 1] as Record<string, ParamValue>);
    const lineage: StageLineage = {
      of,
      index,
      name,
      stages: STAGES,
      parent: index === 0 ? null : `${of}.${STAGES[index - 1]}`,
      carry: 'fix',
      carried,
      parentBest: index === 0 ? null : { trial: 1, value: (tuning[index - 1]?.[1]?.[1] as number) },
      opens: OPENS[index] as string[],
    };
    const record = await storage.createStudy({ name: `${of}.${name}`, direction: 'minimize', systemAttrs: { [STAGE_ATTR]: lineage as unknown as JsonValue } });
    const space = stageSpace(index, index === 0 ? BASELINE : carried);
    for (const [i, [params, value]] of (tuning[index] ?? []).entries()) {
      const first = i === 0 ? (index === 0 ? { [BASELINE_ATTR]: true } : { [STAGE_CARRIED_ATTR]: `${of}.${STAGES[index - 1]}` }) : {};
      await addTrial(storage, record, space, params, value, first);
    }
    records.push(record);
  }
  return records;
}

/** `sodate ablate <of> --stages --seeds 2` (path, optim then reg then aug): its study beside the latest stage's, holding every stage's runs. */
async function ablatedByStage(storage: InMemoryStorage, of = 'st3'): Promise<void> {
  const study = await storage.createStudy({ name: `${of}.aug.ablation`, direction: 'minimize', systemAttrs: { [ABLATION_OF_ATTR]: `${of}.aug` } });
  const run = async (params: Record<string, ParamValue>, flipped: string[], role: AblationAttr['role'], values: number[]) => {
    for (const [k, value] of values.entries()) {
      const attr: AblationAttr = { baseline: 0, baselineStudy: `${of}.optim`, target: 1, flipped, role, k };
      await addTrial(storage, study, FULL, params, value, ablationUserAttrs({ params, seed: 100 + k, attr }));
    }
  };
  await run(BASELINE, [], 'report', [2.1, 1.9]);
  // Round 1 tries wd alone: a configuration no stage tried.
  await run({ ...BASELINE, wd: 0.05 }, ['wd'], 'search', [1.8, 1.85]);
  await run(OPTIM_BEST, ['lr', 'optimizer'], 'report', [1.3, 1.2]);
  await run(REG_BEST, ['lr', 'optimizer', 'wd'], 'report', [1.02, 0.98]);
  await run(AUG_BEST, ['hflip', 'lr', 'optimizer', 'wd'], 'report', [0.82, 0.78]);
}

describe("a staged study's stage gains", () => {
  it("count an `ablate --stages` run's re-runs of each earlier stage's best, stored in the latest stage's ablation study", async () => {
    const storage = new InMemoryStorage();
    await tunedStages(storage);
    await ablatedByStage(storage);
    const rows = await stageRowsOf(storage, 'st3', 'minimize');
    expect(rows.map((r) => r.reruns)).toEqual([
      [1.3, 1.2],
      [1.02, 0.98],
      [0.82, 0.78],
    ]);
    expect(rows[1]?.gain).toEqual(rerunGain([1.3, 1.2], [1.02, 0.98], 'minimize'));
    expect(rows[2]?.gain).toEqual(rerunGain([1.02, 0.98], [0.82, 0.78], 'minimize'));
    expect(rows.slice(1).map((r) => [r.gain?.basis, r.gain?.low !== null, r.gain?.high !== null])).toEqual([
      ['re-runs', true, true],
      ['re-runs', true, true],
    ]);
  });

  it('stay single runs without re-runs, and count no ablation run as a tuning trial', async () => {
    const storage = new InMemoryStorage();
    await tunedStages(storage);
    const before = await stageRowsOf(storage, 'st3', 'minimize');
    await ablatedByStage(storage);
    const after = await stageRowsOf(storage, 'st3', 'minimize');
    expect(before.slice(1).map((r) => r.gain?.basis)).toEqual(['single run', 'single run']);
    expect(after.map((r) => [r.trials, r.best])).toEqual(before.map((r) => [r.trials, r.best]));
  });
});

describe('the trials of a stage', () => {
  it('count a configuration re-run with the same seed in two ablation studies once (`ablate st3.reg` and `ablate st3 --stages` under one study seed)', async () => {
    const storage = new InMemoryStorage();
    const [optim] = await tunedStages(storage);
    await ablatedByStage(storage);
    const reg = await storage.createStudy({ name: 'st3.reg.ablation', direction: 'minimize', systemAttrs: { [ABLATION_OF_ATTR]: 'st3.reg' } });
    for (const [k, value] of [1.3, 1.2, 1.25].entries()) {
      const attr: AblationAttr = { baseline: 0, baselineStudy: 'st3.optim', target: 1, flipped: ['lr', 'optimizer'], role: 'report', k };
      await addTrial(storage, reg, FULL, OPTIM_BEST, value, ablationUserAttrs({ params: OPTIM_BEST, seed: 100 + k, attr }));
    }
    const reruns = (await stageTrialsOf(storage, optim as StudyRecord)).filter((t) => t.userAttrs['sodate:ablation'] !== undefined && t.params['lr'] === OPTIM_BEST.lr);
    // Seeds 100 and 101 ran in both studies: one measurement each; seed 102 only in st3.reg.ablation.
    expect(reruns.map((t) => t.values?.[0])).toEqual([1.3, 1.2, 1.25]);
  });

  it('take the re-runs of the configurations the stage tried from the other studies, and no others', async () => {
    const storage = new InMemoryStorage();
    const [optim] = await tunedStages(storage);
    await ablatedByStage(storage);
    const reruns = (await stageTrialsOf(storage, optim as StudyRecord)).filter((t) => t.userAttrs['sodate:ablation'] !== undefined);
    // The baseline's and optim's best's runs; not wd alone, nor reg's or aug's best (optim never ran them).
    expect(reruns.map((t) => t.values?.[0])).toEqual([2.1, 1.9, 1.3, 1.2]);
  });

  it("take `sodate confirm`'s re-runs in another stage's study of a configuration both ran (the stage's first trial re-runs the best before)", async () => {
    const storage = new InMemoryStorage();
    const [, reg] = await tunedStages(storage);
    // `sodate confirm st3.reg --top 3 --seeds 2`: trial 0 of st3.reg is optim's best, carried.
    for (const [k, value] of [1.22, 1.18].entries()) await addTrial(storage, reg as StudyRecord, stageSpace(1, OPTIM_BEST), OPTIM_BEST, value, { [CONFIRM_OF_ATTR]: 0, [CONFIRM_SEED_ATTR]: k });
    for (const [k, value] of [1.03, 0.97].entries()) await addTrial(storage, reg as StudyRecord, stageSpace(1, OPTIM_BEST), REG_BEST, value, { [CONFIRM_OF_ATTR]: 1, [CONFIRM_SEED_ATTR]: k });
    const rows = await stageRowsOf(storage, 'st3', 'minimize');
    expect(rows.slice(0, 2).map((r) => r.reruns)).toEqual([
      [1.22, 1.18],
      [1.03, 0.97],
    ]);
    expect(rows[1]?.gain).toEqual(rerunGain([1.22, 1.18], [1.03, 0.97], 'minimize'));
  });

  it("leave out another staged study's re-runs of the same configurations", async () => {
    const storage = new InMemoryStorage();
    await tunedStages(storage, 'st3');
    await tunedStages(storage, 'st3.b');
    await ablatedByStage(storage, 'st3.b');
    const rows = await stageRowsOf(storage, 'st3', 'minimize');
    expect(rows.map((r) => r.reruns)).toEqual([[], [], []]);
  });
});
