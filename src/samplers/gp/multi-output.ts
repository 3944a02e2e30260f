import type { Direction, FrozenTrial } from '../../storage/records.js';
import { paretoFrontIndices } from '../../multi-objective/dominance.js';
import { isFeasible, trialConstraints, violation } from '../../multi-objective/constraints.js';
import { Rng } from '../rng.js';
import type { AcquisitionFunction } from './acquisition-functions.js';
import { LogExpectedHypervolumeImprovement, LogExpectedImprovement, LogProbabilityOfFeasibility, qmcNormalSamples, SumOfLogs } from './acquisition-functions.js';
import { nonDominatedBoxes, referencePoint } from './box-decomposition.js';
import type { Encoding } from './encoding.js';
import { GaussianProcess } from './gp-model.js';
import type { EncodedInputs, KernelParams } from './kernel.js';
import { constraintTargets, feasibleAnchors, leastViolatingAnchors } from './outputs.js';
import { finiteValues, fitTargets } from './targets.js';

/** Fixed normal samples of the Monte-Carlo log EHVI (BoTorch's and Optuna's default). */
const EHVI_SAMPLES = 128;

/** What the multi-output acquisition is built from. */
export interface MultiOutputProblem {
  readonly encoding: Encoding;
  readonly directions: readonly Direction[];
  /** The completed trials the GPs fit, with their encoded rows (at least one). */
  readonly rows: readonly Float64Array[];
  readonly trials: readonly FrozenTrial[];
  /** Running and pruned trials' rows: each GP gets them at its worst observed value (a constant liar). */
  readonly lies: readonly Float64Array[];
  readonly warpOutputs: boolean;
  /** The GP sampler's hyperparameters of GP `label` (see HyperparameterCache). */
  readonly fit: (label: string, inputs: EncodedInputs, y: Float64Array, trialIds: readonly number[]) => KernelParams;
  /** Seed and trial number: the EHVI's normal samples and the anchors' tie-breaks derive from them. */
  readonly seed: number;
  readonly trialNumber: number;
}

/**
 * Several objectives, or constraints: one GP per objective and one per constraint on the
 * same trials (each constraint on the trials that measured it), running trials at the
 * worst observed value of each (constant liar). The acquisition is log EHVI over the
 * feasible Pareto front (log EI above the best feasible value for one objective), plus
 * log P(feasible) for each constraint; while no trial is feasible, log P(feasible) alone.
 * Returns it with the rows the search starts around (the best feasible trials, else the
 * least violating).
 */
export function multiOutputAcquisition(problem: MultiOutputProblem): { acquisition: AcquisitionFunction; anchors: Float64Array[] } {
  const { encoding, rows, trials, lies } = problem;
  const d = encoding.d;
  const model = (label: string, subset: readonly number[], y: Float64Array, lie: number): GaussianProcess => {
    const x = new Float64Array(subset.length * d);
    subset.forEach((i, k) => x.set(rows[i] as Float64Array, k * d));
    const inputs = { x, n: subset.length, d, categorical: encoding.categorical };
    const params = problem.fit(label, inputs, y, subset.map((i) => (trials[i] as FrozenTrial).id));
    const all = new Float64Array((subset.length + lies.length) * d);
    all.set(x);
    lies.forEach((row, i) => all.set(row, (subset.length + i) * d));
    const yAll = new Float64Array(subset.length + lies.length);
    yAll.set(y);
    yAll.fill(lie, subset.length);
    return new GaussianProcess({ x: all, n: subset.length + lies.length, d, categorical: encoding.categorical }, yAll, params);
  };
  const everyTrial = trials.map((_, i) => i);

  const objectives = problem.directions.map((direction, j) => {
    const sign = direction === 'minimize' ? -1 : 1;
    const y = fitTargets(finiteValues(trials.map((t) => sign * ((t.values as number[])[j] as number))), problem.warpOutputs);
    return { y, gp: model(`objective:${j}`, everyTrial, y, Math.min(...y)) };
  });

  const stored = trials.map(trialConstraints);
  const names = [...new Set(stored.flatMap((c) => Object.keys(c)))].sort();
  const feasibility: AcquisitionFunction[] = names.map((name) => {
    const subset = everyTrial.filter((i) => (stored[i] as Record<string, number>)[name] !== undefined);
    const { y, threshold } = constraintTargets(subset.map((i) => (stored[i] as Record<string, number>)[name] as number));
    return new LogProbabilityOfFeasibility(model(`constraint:${name}`, subset, y, Math.max(...y)), threshold);
  });

  const feasible = everyTrial.filter((i) => isFeasible(trials[i] as FrozenTrial));
  const terms: AcquisitionFunction[] = [];
  let anchors: number[];
  if (feasible.length > 0) {
    const ys = objectives.map((o) => o.y);
    if (objectives.length === 1) {
      const y = ys[0] as Float64Array;
      terms.push(new LogExpectedImprovement((objectives[0] as { gp: GaussianProcess }).gp, Math.max(...feasible.map((i) => y[i] as number))));
    } else {
      const losses = feasible.map((i) => ys.map((y) => -(y[i] as number)));
      const front = paretoFrontIndices(losses).map((k) => losses[k] as number[]);
      const boxes = nonDominatedBoxes(front, referencePoint(losses));
      const normals = qmcNormalSamples(EHVI_SAMPLES, objectives.length, Rng.derive(problem.seed, problem.trialNumber, 'ehvi').nextUint32());
      terms.push(new LogExpectedHypervolumeImprovement(objectives.map((o) => o.gp), boxes, normals));
    }
    anchors = feasibleAnchors(ys, feasible, 5, Rng.derive(problem.seed, problem.trialNumber, 'anchors'));
  } else {
    anchors = leastViolatingAnchors(trials.map(violation), 5);
  }
  terms.push(...feasibility);
  const acquisition = terms.length === 1 ? (terms[0] as AcquisitionFunction) : new SumOfLogs(terms);
  return { acquisition, anchors: anchors.map((i) => rows[i] as Float64Array) };
}
