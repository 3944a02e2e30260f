import { OptionError } from '../../errors.js';
import { hypervolume } from '../../multi-objective/hypervolume.js';
import { linearAxis } from './axes.js';
import { FrontSoFar, objectiveTrials } from './front-so-far.js';
import type { ObjectiveTrial } from './front-so-far.js';
import { MAX_POINTS } from './history.js';
import type { ObjectivesInput } from './pareto.js';
import { thin } from './thin.js';
import type { HypervolumePlot } from './types.js';

/** How far past the worst feasible value the reference point sits, as a share of each objective's range. */
export const REFERENCE_MARGIN = 0.1;

/**
 * The reference point and the ideal point, in losses (every objective minimised), from the
 * feasible trials: the ideal is the best value of each objective, the reference the worst
 * pushed out by REFERENCE_MARGIN of the objective's range (of its magnitude, or 1, when
 * every trial has the same value). Past the worst rather than at it so that the trials at an
 * extreme of the front still add volume; from the study itself because sodate studies carry
 * no reference point of their own. Null when no trial is feasible.
 */
export function referencePoint(points: readonly Pick<ObjectiveTrial, 'losses' | 'feasible'>[], objectives: number): { reference: number[]; ideal: number[] } | null {
  const feasible = points.filter((p) => p.feasible);
  if (feasible.length === 0) return null;
  const reference: number[] = [];
  const ideal: number[] = [];
  for (let i = 0; i < objectives; i++) {
    const losses = feasible.map((p) => p.losses[i] as number);
    const best = Math.min(...losses);
    const worst = Math.max(...losses);
    const span = worst - best;
    reference.push(worst + REFERENCE_MARGIN * (span > 0 ? span : Math.abs(worst) || 1));
    ideal.push(best);
  }
  return { reference, ideal };
}

/**
 * After each COMPLETE trial (in trial-number order), the hypervolume of the feasible Pareto
 * front so far, over every objective, in loss space. Shown as a share of the box between the
 * ideal and the reference point (see referencePoint): the objectives' units cancel out, the
 * axis runs from 0 to 1, and the curve never goes down since the box is fixed for the whole
 * study. Infeasible trials are points of their own kind at the level they left unchanged.
 */
export function hypervolumeHistoryPlot(input: ObjectivesInput): HypervolumePlot {
  const { directions } = input;
  if (directions.length < 2) throw new OptionError(`a hypervolume history needs two or more objectives, got ${directions.length}`);
  const drawable = objectiveTrials(input.trials, directions);
  const box = referencePoint(drawable, directions.length);
  const front = new FrontSoFar<ObjectiveTrial>();
  const boxVolume = box === null ? 0 : box.reference.reduce((v, r, i) => v * (r - (box.ideal[i] as number)), 1);
  let share = 0;
  const all: { number: number; hypervolume: number; feasible: boolean; changed: boolean }[] = [];
  const steps: { number: number; hypervolume: number }[] = [];
  for (const p of drawable) {
    let changed = false;
    if (p.feasible && box !== null && front.add(p)) {
      const next = boxVolume > 0 ? hypervolume(front.front.map((m) => m.losses), box.reference) / boxVolume : 0;
      changed = next !== share || steps.length === 0;
      share = next;
    }
    all.push({ number: p.trial.number, hypervolume: share, feasible: p.feasible, changed });
    if (changed) steps.push({ number: p.trial.number, hypervolume: share });
  }
  const last = all[all.length - 1];
  if (last !== undefined && steps.length > 0 && steps[steps.length - 1]?.number !== last.number) steps.push({ number: last.number, hypervolume: share });
  const points = thin(all, MAX_POINTS, (p) => p.changed).map(({ number, hypervolume, feasible }) => ({ number, hypervolume, feasible }));
  const numbers = input.trials.map((t) => t.number);
  const toValues = (losses: readonly number[]) => losses.map((l, i) => (directions[i] === 'maximize' ? -l : l));
  return {
    kind: 'hypervolume',
    title: 'Hypervolume history',
    x: linearAxis('trial', numbers.length > 0 ? numbers : [0, 1], 0.02),
    y: linearAxis('hypervolume (share of ideal–reference box)', [0, 1], 0.02),
    reference: box === null ? null : toValues(box.reference),
    ideal: box === null ? null : toValues(box.ideal),
    volume: box === null ? 0 : share * boxVolume,
    points,
    steps,
    shown: points.length,
    total: all.length,
  };
}
