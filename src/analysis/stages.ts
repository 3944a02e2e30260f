/**
 * The stages of a staged study side by side, for `sodate report`: each stage's best and its
 * gain over the stage before.
 *
 * A stage's best value is the best of many noisy trials, so on its own it carries no
 * interval. An interval needs repeated evaluations of the best configuration: the complete
 * re-runs (`sodate confirm`, `sodate ablate`) with exactly the best trial's parameters,
 * wherever they ran (the stage's study, another stage's, an ablation study: stageTrialsOf),
 * the best trial's own value left out (it was picked as the best, so it is biased in its
 * favour). When both stages' bests have two or more, the gain is the
 * difference of the re-run means with Welch's 95% interval (unpaired: the stages' seeds
 * differ); otherwise it is the difference of the two best values, marked a single run.
 */
import { bestCompleteTrial } from '../multi-objective/best.js';
import type { Storage } from '../storage/storage.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { budgetTrialCount, isRerun } from '../storage/records.js';
import type { StageStudy } from '../study/stage-lineage.js';
import { configurationKey, stageStudiesOf, stageTrialsOf } from '../study/stage-lineage.js';
import { mean, std } from '../numerics/stats.js';
import { studentTQuantile } from '../numerics/student-t.js';

/** One stage's study as the report reads it. */
export interface StageStudyInput {
  /** The stage's name in the space file. */
  readonly name: string;
  /** Its study, `<study>.<stage>`. */
  readonly study: string;
  /** The parameters it opened (its lineage's `opens`). */
  readonly opens: readonly string[];
  readonly trials: readonly FrozenTrial[];
  /** The stage before's best this stage was built from (its lineage's `parentBest`); null for the first. */
  readonly builtOn?: { readonly trial: number; readonly value: number } | null;
}

export interface StageGain {
  /** Positive: better in the study's direction. */
  readonly mean: number;
  /** Welch's 95% interval of the difference of the re-run means; null for a single run. */
  readonly low: number | null;
  readonly high: number | null;
  /** 're-runs': the two bests' re-run means; 'single run': the two best values, no interval. */
  readonly basis: 're-runs' | 'single run';
}

export interface StageRow {
  /** 1-based. */
  readonly index: number;
  readonly name: string;
  readonly study: string;
  readonly opens: readonly string[];
  /** Tuning trials started (re-runs and trials still waiting left out). */
  readonly trials: number;
  /** The best complete feasible tuning trial. */
  readonly best: { readonly number: number; readonly value: number } | null;
  /** Values of the complete re-runs of the best configuration (without the best trial itself). */
  readonly reruns: readonly number[];
  /** Over the stage before; null for the first stage, or when either has no best. */
  readonly gain: StageGain | null;
  /**
   * The stage before's best this stage was built from, when that stage has found a better one
   * since (it was given more trials after this one ran): the gain compares with the new best,
   * which this stage never started from. Null otherwise.
   */
  readonly builtOnEarlierBest: { readonly trial: number; readonly value: number } | null;
}

/** The confidence level of the gains' intervals. */
export const STAGE_GAIN_LEVEL = 0.95;

const value0 = (t: FrozenTrial) => t.values?.[0];

/** The gain of `to` over `from` from their re-runs: Welch's interval when both have two or more. */
export function rerunGain(from: readonly number[], to: readonly number[], direction: Direction, level = STAGE_GAIN_LEVEL): StageGain | null {
  if (from.length < 2 || to.length < 2) return null;
  const sign = direction === 'minimize' ? -1 : 1;
  const diff = sign * (mean(to) - mean(from));
  const va = std(to) ** 2 / to.length;
  const vb = std(from) ** 2 / from.length;
  const se2 = va + vb;
  if (se2 === 0) return { mean: diff, low: diff, high: diff, basis: 're-runs' };
  const df = (se2 * se2) / ((va * va) / (to.length - 1) + (vb * vb) / (from.length - 1));
  const half = studentTQuantile((1 + level) / 2, df) * Math.sqrt(se2);
  return { mean: diff, low: diff - half, high: diff + half, basis: 're-runs' };
}

/** The rows of the stages table, in stage order. */
export function stageRows(stages: readonly StageStudyInput[], direction: Direction): StageRow[] {
  const sign = direction === 'minimize' ? -1 : 1;
  const rows: StageRow[] = [];
  for (const [i, stage] of stages.entries()) {
    // The best `sodate tune` carried to the next stage (Study.bestTrial's rule), so the table shows the trial the lineage names.
    const best = bestCompleteTrial(stage.trials, direction);
    const reruns =
      best === undefined
        ? []
        : stage.trials.filter((t) => t.state === 'COMPLETE' && isRerun(t) && configurationKey(t.params) === configurationKey(best.params) && Number.isFinite(value0(t))).map((t) => value0(t) as number);
    const previous = rows[i - 1];
    let gain: StageGain | null = null;
    if (previous?.best != null && best !== undefined) {
      const single = sign * ((value0(best) as number) - previous.best.value);
      gain = rerunGain(previous.reruns, reruns, direction) ?? (Number.isNaN(single) ? null : { mean: single, low: null, high: null, basis: 'single run' });
    }
    rows.push({
      index: i + 1,
      name: stage.name,
      study: stage.study,
      opens: stage.opens,
      trials: budgetTrialCount(stage.trials),
      best: best === undefined ? null : { number: best.number, value: value0(best) as number },
      reruns,
      gain,
      builtOnEarlierBest: stage.builtOn != null && previous?.best != null && stage.builtOn.trial !== previous.best.number ? stage.builtOn : null,
    });
  }
  return rows;
}

/**
 * The rows of the stages table of staged study `of` (those run so far), as `sodate report`
 * and the dashboard show them.
 */
export async function stageRowsOf(storage: Storage, of: string, direction: Direction): Promise<StageRow[]> {
  return stageRows(await stageInputsOf(storage, await stageStudiesOf(storage, of)), direction);
}

/** What the stages table reads of each stage's study: its lineage and its trials with their re-runs wherever stored. */
export async function stageInputsOf(storage: Storage, stages: readonly StageStudy[]): Promise<StageStudyInput[]> {
  const inputs: StageStudyInput[] = [];
  for (const s of stages) {
    inputs.push({ name: s.lineage.name, study: s.record.name, opens: s.lineage.opens, trials: await stageTrialsOf(storage, s.record), builtOn: s.lineage.parentBest });
  }
  return inputs;
}
