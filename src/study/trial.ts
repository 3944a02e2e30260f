import { OptionError, SpaceError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { withNonFiniteAsStrings } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { checkCompatible, contains, isSingleValue, sameDistribution, toExternal, toInternal } from '../space/distributions.js';
import { TypedSuggester } from '../space/search-space.js';
import type { ConstraintLimit } from '../multi-objective/constraints.js';
import { constraintKey, violationOf } from '../multi-objective/constraints.js';
import { encodeVector, intermediateVectorKey } from '../multi-objective/intermediate.js';
import type { FrozenTrial, TrialState } from '../storage/records.js';
import { isRerun } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { checkFold, foldsMean } from './folds.js';
import type { Pruner, Sampler, SearchSpaceMap, StudyView } from '../policies/policies.js';
import type { Trial } from './objective-trial.js';
import { TrialPruned } from './trial-pruned.js';
import { WriteQueue } from './write-queue.js';
import { FIXED_PARAMS_KEY, FOLDS_ATTR, MEASURED_KEY_PREFIX, TRIAL_SEED_ATTR } from '../storage/metadata.js';

/** @internal What a trial needs from the study that runs it. */
export interface TrialHost {
  readonly storage: Storage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly view: StudyView;
  /** What samplers read: `view`, or with a warm start the earlier study's trials before this one's. */
  readonly samplerView: StudyView;
  /** A trial as samplers see it (a warm start renumbers the study's trials past the old ones). */
  forSampler(trial: FrozenTrial): FrozenTrial;
  /** The distribution a parameter had in earlier trials of the study, if any. */
  knownDistribution(name: string): Distribution | undefined;
  /** Bring the history up to date before a pruning decision (pending policy notes first). */
  refreshHistory(): Promise<void>;
  /** Store what the sampler or pruner noted on trials, before its decision is acted on. */
  flushPolicyWrites(): Promise<void>;
  /** The study's limit on a constrained metric (`constraints:` of the space file), if it has one. */
  constraintLimit(name: string): ConstraintLimit | undefined;
}

/**
 * One evaluation of the objective in the study's own process (`study.ask`; the orchestrator, and so `study.optimize`, holds one per running trial),
 * define-by-run: `suggest*` picks a value now (sync) and stores it in order behind the
 * scenes; `report` writes an intermediate value and throws `TrialPruned` when the pruner says
 * stop. Objectives see it as a `Trial`; the rest is the study's.
 */
export class StudyTrial extends TypedSuggester implements Trial {
  readonly id: number;
  readonly number: number;
  private readonly host: TrialHost;
  private readonly writes = new WriteQueue();
  private readonly internalParams: Record<string, number>;
  private readonly distributions: Record<string, Distribution>;
  private readonly intermediateValues: Map<number, number>;
  private readonly userAttrs: Record<string, JsonValue>;
  private readonly systemAttrs: Record<string, JsonValue>;
  private readonly datetimeStart: Date | null;
  private readonly fixedParams: Readonly<Record<string, ParamValue>>;
  private relativeSpace: SearchSpaceMap = {};
  private relativeParams: Record<string, number> = {};
  private prunedDecision = false;
  private unsavedParams: Record<string, { internal: number; distribution: Distribution }> = {};
  private readonly unsavedAttrs: { user?: Map<string, JsonValue> | undefined; system?: Map<string, JsonValue> | undefined } = {};

  /** @internal */
  constructor(host: TrialHost, record: FrozenTrial) {
    super();
    this.host = host;
    this.id = record.id;
    this.number = record.number;
    this.internalParams = { ...record.internalParams };
    this.distributions = { ...record.distributions };
    this.intermediateValues = new Map(record.intermediateValues);
    this.userAttrs = { ...record.userAttrs };
    this.systemAttrs = { ...record.systemAttrs };
    this.datetimeStart = record.datetimeStart;
    const fixed = record.systemAttrs[FIXED_PARAMS_KEY];
    this.fixedParams = fixed !== null && typeof fixed === 'object' && !Array.isArray(fixed) ? (fixed as Record<string, ParamValue>) : {};
  }

  /** @internal Joint sampling happens once, when the trial starts, over the space the sampler infers. */
  sampleRelativeParams(): void {
    const { sampler, samplerView: view } = this.host;
    if (sampler.inferRelativeSpace === undefined || sampler.sampleRelative === undefined) return;
    const inferred = sampler.inferRelativeSpace(view, this.host.forSampler(this.frozen()));
    const space: Record<string, Distribution> = {};
    for (const [name, dist] of Object.entries(inferred)) if (!isSingleValue(dist)) space[name] = dist;
    if (Object.keys(space).length === 0) return;
    this.relativeSpace = space;
    this.relativeParams = sampler.sampleRelative(view, this.host.forSampler(this.frozen()), space);
  }

  /**
   * The seed this trial's objective should use for its own randomness (weights, data
   * order): derived from the study seed and trial number, or a confirmation run's seed.
   * Undefined for a trial the study did not start (`askWithin` sets it).
   */
  get seed(): number | undefined {
    const seed = this.systemAttrs[TRIAL_SEED_ATTR];
    return typeof seed === 'number' ? seed : undefined;
  }

  /** Parameters suggested so far, as the objective saw them. */
  get params(): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const [name, internal] of Object.entries(this.internalParams)) out[name] = toExternal(this.distributions[name] as Distribution, internal);
    return out;
  }

  /** Suggest a value for any distribution; asking again for the same name returns the same value. */
  suggest(name: string, distribution: Distribution): ParamValue {
    const existing = this.distributions[name];
    if (existing !== undefined) {
      checkCompatible(name, existing, distribution);
      return toExternal(existing, this.internalParams[name] as number);
    }
    // A finished trial's parameters are stored: a new one would be sampled and silently dropped.
    if (this.told) throw new OptionError(`trial ${this.number} was already told; suggest "${name}" before study.tell`);
    const known = this.host.knownDistribution(name);
    if (known !== undefined) checkCompatible(name, known, distribution);

    const internal = this.pickInternal(name, distribution);
    this.internalParams[name] = internal;
    this.distributions[name] = distribution;
    this.queueParamWrite(name, internal, distribution);
    return toExternal(distribution, internal);
  }

  /**
   * Suggestions made in one synchronous stretch (the usual run of `suggest*` calls at the top
   * of an objective) are stored together, in one transaction, before any later write.
   */
  private queueParamWrite(name: string, internal: number, distribution: Distribution): void {
    const first = Object.keys(this.unsavedParams).length === 0;
    this.unsavedParams[name] = { internal, distribution };
    if (!first) return;
    this.writes.push(() => {
      const batch = this.unsavedParams;
      this.unsavedParams = {};
      return this.host.storage.setParams(this.id, batch);
    });
  }

  private pickInternal(name: string, distribution: Distribution): number {
    if (name in this.fixedParams) {
      const value = this.fixedParams[name] as ParamValue;
      const internal = toInternal(distribution, value);
      if (!contains(distribution, internal)) {
        throw new SpaceError(`enqueued value ${JSON.stringify(value)} of parameter "${name}" lies outside its distribution`);
      }
      return internal;
    }
    if (isSingleValue(distribution)) {
      return distribution.kind === 'categorical' ? 0 : distribution.low;
    }
    const relativeDist = this.relativeSpace[name];
    const relative = this.relativeParams[name];
    if (relativeDist !== undefined && relative !== undefined && sameDistribution(relativeDist, distribution)) return relative;
    return this.host.sampler.sampleIndependent(this.host.samplerView, this.host.forSampler(this.frozen()), name, distribution);
  }

  /**
   * Store an intermediate value (e.g. the validation loss after an epoch) and ask the
   * pruner. Throws `TrialPruned` when the pruner says stop. A multi-objective study's
   * trial may report one value per objective: the first is the step's intermediate value
   * (what single-objective pruners and Optuna read), the vector is kept beside it for the
   * `pareto` pruner. A step reported again keeps its first value, as in Optuna (a validation
   * hook that fires twice must not rewrite a curve the pruner has already judged);
   * `reportedAt(step)` tells a caller that wants to say so.
   */
  async report(step: number, value: number | readonly number[]): Promise<void> {
    if (!Number.isInteger(step) || step < 0) throw new OptionError(`report step must be a non-negative integer, got ${step}`);
    if (this.reportsFolds) throw new OptionError(`trial ${this.number} reports folds (reportFold); it cannot also report steps: use one of the two in a trial`);
    const objectives = this.host.view.directions.length;
    if (Array.isArray(value)) {
      if (value.length !== objectives || value.some((v) => typeof v !== 'number')) {
        throw new OptionError(`report at step ${step} got ${JSON.stringify(value)}; the study has ${objectives} objective${objectives === 1 ? '' : 's'}: report ${objectives === 1 ? 'one number' : `${objectives} numbers`}`);
      }
    } else if (typeof value !== 'number') throw new OptionError(`report value must be a number, got ${JSON.stringify(value)}`);
    // A step reported again keeps its first value, vector included.
    if (this.intermediateValues.has(step)) return;
    if (Array.isArray(value) && objectives > 1) this.setSystemAttr(intermediateVectorKey(step), encodeVector(value));
    const first = Array.isArray(value) ? (value[0] as number) : (value as number);
    await this.storeAndJudge(step, first, `step ${step}`);
  }

  /** The value stored at `step`, if the trial reported it. */
  reportedAt(step: number): number | undefined {
    return this.reportsFolds ? undefined : this.intermediateValues.get(step);
  }

  /**
   * Store the objective's value on one fold of a cross-validation (or one problem
   * instance) and ask the pruner, like `report`: throws `TrialPruned` when the pruner says
   * stop. Folds are stored as intermediate values keyed by the fold index (what Optuna's
   * WilcoxonPruner reads); they may come in any order, each once. A trial whose objective
   * returns nothing completes with the mean over its folds (`foldMean`); a pruned one keeps
   * the mean over the folds it ran as its value. Single-objective studies only; a trial
   * reports either steps or folds.
   */
  async reportFold(fold: number, value: number): Promise<void> {
    checkFold(fold, value);
    if (this.host.view.directions.length > 1) throw new OptionError(`reportFold needs a single-objective study; this one has ${this.host.view.directions.length} objectives`);
    const earlier = this.intermediateValues.get(fold);
    if (earlier !== undefined) throw new OptionError(`fold ${fold} was reported twice (first ${earlier}, then ${value}); report each fold once`);
    if (!this.reportsFolds) {
      if (this.intermediateValues.size > 0) throw new OptionError(`trial ${this.number} already reported steps (report); it cannot also report folds: use one of the two in a trial`);
      this.setSystemAttr(FOLDS_ATTR, true);
    }
    await this.storeAndJudge(fold, value, `fold ${fold}`);
  }

  /** @internal Whether this trial reports per-fold values (`reportFold`). */
  get reportsFolds(): boolean {
    return this.systemAttrs[FOLDS_ATTR] === true;
  }

  /** @internal The mean of the fold values reported so far; undefined for a trial that reports no folds. */
  foldMean(): number | undefined {
    return this.reportsFolds ? foldsMean(this.intermediateValues.values()) : undefined;
  }

  private async storeAndJudge(step: number, value: number, where: string): Promise<void> {
    this.intermediateValues.set(step, value);
    this.writes.push(() => this.host.storage.report(this.id, step, value));
    await this.writes.flush();
    // A re-run (confirm, ablate) measures a fixed configuration to its end, whichever run asks it.
    if (isRerun({ userAttrs: this.userAttrs })) return;
    if (this.host.pruner.needsHistory !== false) await this.host.refreshHistory();
    this.prunedDecision = this.host.pruner.prune(this.host.view, this.liveView());
    await this.host.flushPolicyWrites();
    if (this.prunedDecision) throw new TrialPruned(`trial ${this.number} was pruned at ${where}`);
  }

  /** The pruner's decision at the last report. */
  shouldPrune(): boolean {
    return this.prunedDecision;
  }

  /**
   * Record a constrained quantity (GPU memory, latency). With a `limit`, or a limit the
   * study was created with for `name`, `value` is the measured quantity and what is
   * stored is how far it is past the limit; with neither, `value` is that distance
   * itself, as in Optuna (≤ 0: satisfied). Infeasible trials never enter the best set.
   */
  setConstraint(name: string, value: number, limit?: ConstraintLimit): void {
    if (typeof value !== 'number') throw new OptionError(`constraint ${name} must be a number, got ${JSON.stringify(value)}`);
    const bound = limit ?? this.host.constraintLimit(name);
    if (bound !== undefined) this.setSystemAttr(`${MEASURED_KEY_PREFIX}${name}`, Number.isFinite(value) ? value : String(value));
    const v = violationOf(value, bound);
    // JSON has no NaN: a NaN measurement is stored as an infinite violation, never feasible.
    this.setSystemAttr(constraintKey(name), Number.isFinite(v) ? v : v === -Infinity ? -1e308 : 1e308);
  }

  /** Store a JSON value with the trial (NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity"). */
  setUserAttr(key: string, value: JsonValue): void {
    const stored = withNonFiniteAsStrings(value);
    this.userAttrs[key] = stored;
    this.queueAttrWrite('user', key, stored);
  }

  /** @internal A system attribute (sodate's own notes on the trial; see src/storage/metadata.ts). */
  setSystemAttr(key: string, value: JsonValue): void {
    this.systemAttrs[key] = value;
    this.queueAttrWrite('system', key, value);
  }

  /**
   * Attributes set one after another (a slot and device at dispatch, a trial's artifact
   * records at its end) are stored together, one transaction per scope, as parameters are:
   * the batch stays open until its write starts, and a key set twice keeps its last value.
   */
  private queueAttrWrite(scope: 'user' | 'system', key: string, value: JsonValue): void {
    const open = this.unsavedAttrs[scope];
    if (open !== undefined) {
      open.set(key, value);
      return;
    }
    // A Map, not an object: a key such as `__proto__` stays a key.
    const batch = new Map([[key, value]]);
    this.unsavedAttrs[scope] = batch;
    this.writes.push(() => {
      this.unsavedAttrs[scope] = undefined;
      return this.host.storage.setTrialAttrs(this.id, scope, Object.fromEntries(batch));
    });
  }

  /** @internal A note a policy stored on this trial through the study view: keep the snapshot in step. */
  rememberSystemAttr(key: string, value: JsonValue): void {
    this.systemAttrs[key] = value;
  }

  /** @internal Set by study.tell once the trial is finished: no parameter may be added after. */
  told = false;

  /** @internal The last intermediate value (by step), if any: what a pruned trial is told with. */
  lastIntermediateValue(): number | undefined {
    let lastStep = -1;
    let last: number | undefined;
    for (const [step, value] of this.intermediateValues) {
      if (step > lastStep) {
        lastStep = step;
        last = value;
      }
    }
    return last;
  }

  /** @internal Wait until every write started by this trial is stored; rethrows the first failure. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  /** @internal Wait until every write started by this trial has ended; a failure stays for `flush` (its tell) to report. */
  settled(): Promise<void> {
    return this.writes.settled();
  }

  /**
   * This trial as the pruner sees it during one synchronous decision: it shares the live
   * intermediate values instead of copying them, so a report costs the same at step 5,000
   * as at step 5.
   */
  private liveView(): FrozenTrial {
    return this.snapshot('RUNNING', this.intermediateValues);
  }

  /** @internal A snapshot of this trial as it stands, as samplers and pruners see it. */
  frozen(state: TrialState = 'RUNNING'): FrozenTrial {
    return this.snapshot(state, new Map(this.intermediateValues));
  }

  private snapshot(state: TrialState, intermediateValues: ReadonlyMap<number, number>): FrozenTrial {
    return {
      id: this.id,
      number: this.number,
      state,
      values: null,
      params: this.params,
      internalParams: { ...this.internalParams },
      distributions: { ...this.distributions },
      intermediateValues,
      userAttrs: { ...this.userAttrs },
      systemAttrs: { ...this.systemAttrs },
      datetimeStart: this.datetimeStart,
      datetimeComplete: null,
    };
  }
}

