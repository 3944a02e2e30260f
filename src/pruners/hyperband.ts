import { OptionError } from '../errors.js';
import type { FrozenTrial, TrialState } from '../storage/records.js';
import type { Pruner, StudyView } from '../policies/policies.js';
import { crc32Of } from './intermediate.js';
import { checkInteger, checkIntegerOrAuto, checkKnownKeys } from './options.js';
import { SuccessiveHalvingPruner, firstCompleteLastStep } from './successive-halving.js';

export interface HyperbandPrunerOptions {
  /** Steps before the first rung of the most aggressive bracket. Default: 1. */
  minResource?: number;
  /**
   * The most steps a trial runs. `'auto'` takes the last step + 1 of the lowest-numbered
   * COMPLETE trial (Optuna uses the first COMPLETE trial it sees). Default: 'auto'.
   */
  maxResource?: number | 'auto';
  /** η of every bracket's successive halving; at least 2. Default: 3. */
  reductionFactor?: number;
  /** Passed to every bracket; needs a fixed `maxResource`. Default: 0. */
  bootstrapCount?: number;
}

export const HYPERBAND_KEYS = ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount'] as const;

/** System attribute recording a trial's bracket, for the dashboard and analysis. */
export const BRACKET_KEY = 'hyperband:bracket';

interface Brackets {
  readonly budgets: readonly number[];
  readonly total: number;
  readonly pruners: readonly SuccessiveHalvingPruner[];
}

/**
 * Hyperband over asynchronous successive halving (Optuna's `HyperbandPruner`). Each
 * trial belongs to one bracket, chosen by `crc32("<study>_<number>")` over the brackets'
 * trial budgets, so every process agrees with no shared counter; each bracket is an
 * ASHA with `minEarlyStoppingRate` = its index, competing only with its own trials.
 */
export class HyperbandPruner implements Pruner {
  readonly minResource: number;
  readonly maxResource: number | 'auto';
  readonly reductionFactor: number;
  readonly bootstrapCount: number;

  constructor(options: HyperbandPrunerOptions = {}) {
    checkKnownKeys('HyperbandPruner', options, HYPERBAND_KEYS);
    this.minResource = checkInteger('minResource', options.minResource ?? 1, 1);
    this.maxResource = checkIntegerOrAuto('maxResource', options.maxResource ?? 'auto', 1);
    this.reductionFactor = checkInteger('reductionFactor', options.reductionFactor ?? 3, 2);
    this.bootstrapCount = checkInteger('bootstrapCount', options.bootstrapCount ?? 0, 0);
    if (this.bootstrapCount > 0 && this.maxResource === 'auto') {
      throw new OptionError(`bootstrapCount ${this.bootstrapCount} needs a fixed maxResource, not 'auto'`);
    }
    if (this.maxResource !== 'auto' && this.maxResource < this.minResource) {
      throw new OptionError(`maxResource must be at least minResource (${this.minResource}), got ${this.maxResource}`);
    }
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const brackets = this.brackets(study);
    if (brackets === undefined) return false;
    const bracket = bracketOf(study.name, trial.number, brackets);
    const bracketView = this.bracketView(study, brackets, bracket);
    if (trial.systemAttrs[BRACKET_KEY] === undefined) {
      const stored = study.getTrials().find((t) => t.id === trial.id);
      if (stored?.systemAttrs[BRACKET_KEY] === undefined) study.setTrialSystemAttr(trial.id, BRACKET_KEY, bracket);
    }
    return (brackets.pruners[bracket] as SuccessiveHalvingPruner).prune(bracketView, trial);
  }

  /** ASHA promotion within the paused trial's own bracket. */
  shouldResume(study: StudyView, trial: FrozenTrial): boolean {
    const brackets = this.brackets(study);
    if (brackets === undefined) return false;
    const bracket = bracketOf(study.name, trial.number, brackets);
    return (brackets.pruners[bracket] as SuccessiveHalvingPruner).shouldResume(this.bracketView(study, brackets, bracket), trial);
  }

  /** The study as one bracket's ASHA sees it: that bracket's trials only. */
  private bracketView(study: StudyView, brackets: Brackets, bracket: number): StudyView {
    return {
      name: study.name,
      direction: study.direction,
      directions: study.directions,
      getTrials: (states?: readonly TrialState[]) => study.getTrials(states).filter((t) => bracketOf(study.name, t.number, brackets) === bracket),
      setTrialSystemAttr: (id, key, value) => study.setTrialSystemAttr(id, key, value),
    };
  }

  /** The bracket a trial number falls in, once the brackets are known. */
  bracketOf(study: StudyView, trialNumber: number): number | undefined {
    const brackets = this.brackets(study);
    return brackets === undefined ? undefined : bracketOf(study.name, trialNumber, brackets);
  }

  private brackets(study: StudyView): Brackets | undefined {
    let maxResource = this.maxResource;
    if (maxResource === 'auto') {
      const last = firstCompleteLastStep(study.getTrials(['COMPLETE']));
      if (last === undefined) return undefined;
      maxResource = last + 1;
    }
    // Python's math.log(x, base) is log(x) / log(base); the same floats give the same count.
    const nBrackets = Math.floor(Math.log(maxResource / this.minResource) / Math.log(this.reductionFactor)) + 1;
    const budgets: number[] = [];
    const pruners: SuccessiveHalvingPruner[] = [];
    for (let b = 0; b < nBrackets; b++) {
      const s = nBrackets - 1 - b;
      budgets.push(Math.ceil((nBrackets * this.reductionFactor ** s) / (s + 1)));
      pruners.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: b,
          bootstrapCount: this.bootstrapCount,
        }),
      );
    }
    return { budgets, total: budgets.reduce((a, b) => a + b, 0), pruners };
  }
}

function bracketOf(studyName: string, trialNumber: number, brackets: Brackets): number {
  let n = crc32Of(`${studyName}_${trialNumber}`) % brackets.total;
  for (let b = 0; b < brackets.budgets.length; b++) {
    n -= brackets.budgets[b] as number;
    if (n < 0) return b;
  }
  return brackets.budgets.length - 1;
}
