import { OptionError, StorageError, errorMessage } from '../errors.js';
import type { JsonValue } from '../json.js';
import { withNonFiniteAsStrings } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import type { CachedStorage } from '../storage/cached.js';
import type { ConstraintLimits } from '../multi-objective/constraints.js';
import { constraintKey } from '../multi-objective/constraints.js';
import { paretoFront } from '../multi-objective/front.js';
import type { Direction, FrozenTrial, StudyRecord, TrialState } from '../storage/records.js';
import { isFinished, isRerun } from '../storage/records.js';
import { promotionCandidate } from '../pruners/promotion.js';
import type { Objective, OptimizeOptions } from './optimize.js';
import { optimize } from './optimize.js';
import { rerunSeed, sharedTrialSeed, trialSeed } from './seeds.js';
import type { Pruner, Sampler, StudyView } from '../policies/policies.js';
import type { TrialHost } from './trial.js';
import { StudyTrial } from './trial.js';
import type { WarmStartHistory, WarmStartSummary } from './warm-start.js';
import { warmSamplerView } from './warm-start.js';
import { WriteQueue } from './write-queue.js';
import { retryWhileBusy } from './busy-retry.js';
import { CHECKPOINT_STEP_ATTR, CONSTRAINT_LIMITS_KEY, FAIL_REASON_KEY, FIXED_PARAMS_KEY, TRIAL_SEED_ATTR, TRIAL_SEEDS_ATTR, VALUE_NOTE_ATTR, storedSeed, wasCutShort } from '../storage/metadata.js';
import { bestCompleteTrial } from '../multi-objective/best.js';

/** An objective's result: one number, or one per objective of a multi-objective study. */
export type TrialValues = number | readonly number[];

/** What `tell` records: a value (one per objective), or how the trial ended without one. */
export type TrialResult =
  | TrialValues
  /** Without a value: the mean over the trial's folds (`trial.reportFold`); a trial without folds then fails. */
  | { readonly state: 'complete'; readonly value?: TrialValues }
  | { readonly state: 'pruned' }
  | { readonly state: 'fail'; readonly error?: unknown };

/**
 * A named optimisation of one metric, kept in a storage. Trials are asked, run by
 * anyone (this process, a worker thread, another machine) and told back; the history
 * samplers and pruners read comes from storage, refreshed incrementally.
 */
export class Study {
  readonly id: number;
  readonly name: string;
  readonly direction: Direction;
  readonly directions: readonly Direction[];
  readonly storage: CachedStorage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly userAttrs: Record<string, JsonValue>;
  readonly systemAttrs: Record<string, JsonValue>;
  private readonly ownsStorage: boolean;
  private history: readonly FrozenTrial[] = [];
  private readonly knownDistributions = new Map<string, Distribution>();
  private scanFrom = 0;
  private readonly policyWrites = new WriteQueue();
  /** Trials this process has asked and not yet told, so policy notes reach their snapshots. */
  private readonly liveTrials = new Map<number, StudyTrial>();
  private readonly host: TrialHost;
  private readonly warmStart: WarmStartHistory | undefined;

  /** @internal Use `createStudy` or `loadStudy`. */
  constructor(record: StudyRecord, storage: CachedStorage, sampler: Sampler, pruner: Pruner, ownsStorage: boolean, warmStart?: WarmStartHistory) {
    this.id = record.id;
    this.name = record.name;
    this.direction = record.direction;
    this.directions = record.directions;
    this.userAttrs = { ...record.userAttrs };
    this.systemAttrs = { ...record.systemAttrs };
    this.storage = storage;
    this.sampler = sampler;
    this.pruner = pruner;
    this.ownsStorage = ownsStorage;
    this.warmStart = warmStart;
    const view: StudyView = {
      name: this.name,
      direction: this.direction,
      directions: this.directions,
      getTrials: (states) => (states === undefined ? this.history : this.history.filter((t) => states.includes(t.state))),
      setTrialSystemAttr: (trialId, key, value) => {
        this.liveTrials.get(trialId)?.rememberSystemAttr(key, value);
        this.policyWrites.push(() => this.storage.setTrialAttr(trialId, 'system', key, value));
      },
    };
    // Samplers read the warm start's old trials before this study's own (see warm-start.ts);
    // without one they read exactly what pruners read.
    const samplerView = warmStart === undefined ? view : warmSamplerView(view, () => warmStart.samplerTrials(this.history));
    this.host = {
      storage,
      sampler,
      pruner,
      view,
      samplerView,
      forSampler: warmStart === undefined ? (trial) => trial : (trial) => warmStart.forSampler(trial),
      knownDistribution: (name) => this.knownDistributions.get(name) ?? warmStart?.oldDistribution(name),
      refreshHistory: async () => {
        await this.policyWrites.flush();
        await this.refresh();
      },
      flushPolicyWrites: () => this.policyWrites.flush(),
      constraintLimit: (name) => this.constraintLimits[name],
    };
  }

  /** Every trial as of the last refresh, in number order. */
  get trials(): readonly FrozenTrial[] {
    return this.history;
  }

  /** Why a resumed warm-started study runs without its warm start (its earlier study is gone); undefined otherwise. */
  warmStartLost: string | undefined;

  /** What the warm start feeds the sampler (`createStudy({ warmStart })`); undefined without one. */
  get warmStartSummary(): WarmStartSummary | undefined {
    return this.warmStart?.summary;
  }

  /** The earlier study's trials as the sampler reads them (translated, numbered 0…W−1); empty without a warm start. */
  get warmStartTrials(): readonly FrozenTrial[] {
    return this.warmStart?.trials ?? [];
  }

  /** Whether the study has more than one objective (then `bestTrials`, not `bestTrial`). */
  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /** The limits of the study's constraints (`createStudy({ constraints })`, a space file's `constraints:`). */
  get constraintLimits(): ConstraintLimits {
    const stored = this.systemAttrs[CONSTRAINT_LIMITS_KEY];
    return stored !== null && typeof stored === 'object' && !Array.isArray(stored) ? (stored as unknown as ConstraintLimits) : {};
  }

  /**
   * The best feasible COMPLETE trial as of the last refresh; undefined before the first
   * one. Re-runs by `sodate confirm` and `sodate ablate` never count (`confirm` ranks them).
   * A multi-objective study has no single best: read `bestTrials`.
   */
  get bestTrial(): FrozenTrial | undefined {
    if (this.isMultiObjective) {
      throw new OptionError(`study "${this.name}" has ${this.directions.length} objectives: read bestTrials (its Pareto front), not bestTrial`);
    }
    return bestCompleteTrial(this.history, this.direction);
  }

  /**
   * The feasible COMPLETE trials no other feasible COMPLETE trial dominates, in trial
   * order (Optuna's `best_trials`); the best trial alone for one objective. Re-runs never count.
   */
  get bestTrials(): FrozenTrial[] {
    return paretoFront(this.history.filter((t) => !isRerun(t)), this.directions);
  }

  get bestValue(): number | undefined {
    return this.bestTrial?.values?.[0];
  }

  get bestParams(): Readonly<Record<string, ParamValue>> | undefined {
    return this.bestTrial?.params;
  }

  /** Whether the sampler has nothing left to propose, as of the last refresh. */
  isSearchExhausted(): boolean {
    return this.sampler.isExhausted?.(this.host.samplerView) ?? false;
  }

  /** Read what changed in storage since the last refresh (other processes included). */
  async refresh(): Promise<readonly FrozenTrial[]> {
    this.history = await this.storage.allTrials(this.id);
    let firstOpen = -1;
    for (let i = this.scanFrom; i < this.history.length; i++) {
      const trial = this.history[i] as FrozenTrial;
      for (const [name, dist] of Object.entries(trial.distributions)) {
        if (!this.knownDistributions.has(name)) this.knownDistributions.set(name, dist);
      }
      if (firstOpen < 0 && !isFinished(trial.state)) firstOpen = i;
    }
    this.scanFrom = firstOpen < 0 ? this.history.length : firstOpen;
    return this.history;
  }

  /**
   * Start a trial: an enqueued one if any waits, otherwise a new one (with `waitingOnly`:
   * none). Resolves null when
   * the study already holds `maxTrials` trials (every state but WAITING counts). With
   * `heartbeat`, the trial's first heartbeat is written as soon as it exists, before the
   * sampler runs: stale trials are found by their heartbeat, so a process killed in between
   * would leave it RUNNING for good (the orchestrator beats; a plain API caller does not).
   */
  async askWithin(maxTrials?: number, options: { readonly heartbeat?: boolean; readonly waitingOnly?: boolean } = {}): Promise<StudyTrial | null> {
    const claimed = await this.storage.claimWaitingTrial(this.id, maxTrials);
    const record = claimed ?? (options.waitingOnly === true ? null : await this.storage.createTrial(this.id, maxTrials === undefined ? {} : { maxTrials }));
    if (record === null) return null;
    if (options.heartbeat === true) await this.storage.heartbeat(record.id);
    // The sampler reads this process's running trials too: their parameters must be stored first.
    await Promise.all([...this.liveTrials.values()].map((t) => t.settled()));
    await this.refresh();
    const trial = new StudyTrial(this.host, record);
    this.liveTrials.set(trial.id, trial);
    // Every trial gets a seed its objective can use: a retry keeps its trial's, a re-run (confirm, ablate) has its own,
    // and with `trialSeeds: shared` every other trial the study's one.
    if (typeof record.systemAttrs[TRIAL_SEED_ATTR] !== 'number') {
      const fixed = rerunSeed(record.userAttrs);
      const studySeed = storedSeed(this.systemAttrs) ?? 0;
      trial.setSystemAttr(TRIAL_SEED_ATTR, fixed ?? (this.systemAttrs[TRIAL_SEEDS_ATTR] === 'shared' ? sharedTrialSeed(studySeed) : trialSeed(studySeed, trial.number)));
    }
    trial.sampleRelativeParams();
    return trial;
  }

  /**
   * A paused trial the pruner promotes now (see src/pruners/promotion.ts), resumed in its
   * own number: RUNNING again, its intermediate values and attributes kept. Null when the
   * pruner pauses nothing or promotes none. `available` leaves out trials this process
   * cannot resume (their checkpoint is missing here). Decided from storage, so several
   * processes agree; of two promoting the same trial, one resumes it.
   */
  async resumePromoted(available: (trial: FrozenTrial) => boolean = () => true): Promise<StudyTrial | null> {
    if (this.pruner.pausesTrials !== true) return null;
    const refused = new Set<number>();
    for (;;) {
      await this.host.refreshHistory();
      const candidate = promotionCandidate(this.pruner, this.host.view, (t) => !refused.has(t.id) && available(t));
      if (candidate === undefined) return null;
      // Reports after the checkpoint's step go: the resumed run reports those steps again.
      const fromStep = candidate.systemAttrs[CHECKPOINT_STEP_ATTR];
      const record = await this.storage.resumePausedTrial(candidate.id, typeof fromStep === 'number' ? fromStep : undefined);
      if (record === null) {
        // Another process resumed it first.
        refused.add(candidate.id);
        continue;
      }
      await this.refresh();
      const trial = new StudyTrial(this.host, record);
      this.liveTrials.set(trial.id, trial);
      return trial;
    }
  }

  /** Start a trial (an enqueued one first). */
  async ask(): Promise<StudyTrial> {
    return (await this.askWithin()) as StudyTrial;
  }

  /**
   * Finish a trial with its value or how it ended. A NaN value fails the trial (as in
   * Optuna) with the reason stored; ±Infinity is stored as is. A pruned trial keeps its
   * last intermediate value as its value (a fold trial the mean over the folds it ran), so
   * samplers can still learn from it. `{ state: 'complete' }` without a value completes a
   * fold trial with the mean over its folds.
   */
  async tell(trialOrNumber: StudyTrial | number, result: TrialResult): Promise<FrozenTrial> {
    const trial = typeof trialOrNumber === 'number' ? await this.trialByNumber(trialOrNumber) : trialOrNumber;
    // A refused tell changes nothing: a trial told before, or failed as stale by another
    // process, keeps the reason it ended with (a late "storing failed" would hide "no heartbeat").
    const stored = await retryWhileBusy(() => this.storage.getTrial(trial.id));
    if (isFinished(stored.state)) throw new StorageError(`trial ${trial.number} is already ${stored.state}; it cannot be told again`, 'SODATE_TRIAL_FINISHED');
    let failure: unknown;
    try {
      await trial.flush();
    } catch (error) {
      failure = error;
    }
    let state: 'COMPLETE' | 'PRUNED' | 'FAIL';
    let values: number[] | null = null;
    let reason: string | undefined;
    const completeWithout = !isValues(result) && result.state === 'complete' && result.value === undefined;
    const value = isValues(result) ? result : !Array.isArray(result) && (result as { state: string }).state === 'complete' ? ((result as { value?: unknown }).value ?? trial.foldMean()) : undefined;
    if (failure !== undefined) {
      state = 'FAIL';
      reason = `storing the trial failed: ${errorMessage(failure)}`;
    } else if (value !== undefined) {
      const checked = checkValues(value, this.directions.length);
      if (typeof checked === 'string') {
        state = 'FAIL';
        reason = checked;
        if (checked === NAN_RESULT) trial.setSystemAttr(VALUE_NOTE_ATTR, 'NaN');
      } else {
        state = 'COMPLETE';
        values = checked;
      }
    } else if (typeof result === 'object' && !Array.isArray(result) && (result as { state: string }).state === 'pruned') {
      state = 'PRUNED';
      // Several objectives have no single intermediate value to stand for them (Optuna stores none either).
      // A fold trial's stand-in is its mean over the folds it ran, not the last fold's value.
      const last = this.isMultiObjective ? undefined : (trial.foldMean() ?? trial.lastIntermediateValue());
      values = last === undefined || Number.isNaN(last) ? null : [last];
    } else if (completeWithout) {
      state = 'FAIL';
      reason = 'objective returned no value and reported no folds: return a number, or report folds with trial.reportFold(i, value) (a command prints {"fold": i, "value": v})';
    } else {
      state = 'FAIL';
      const told = typeof result === 'object' && result !== null && !Array.isArray(result) && (result as { state: string }).state === 'fail';
      const error = told ? (result as { error?: unknown }).error : undefined;
      // Anything else is what JavaScript let through the types (tell(trial, 'abc')): say what it was.
      reason = !told ? `told ${JSON.stringify(result) ?? String(result)}, expected a number (one per objective) or { state: 'complete' | 'pruned' | 'fail' }` : error === undefined ? 'told as failed' : errorMessage(error);
    }
    if (reason !== undefined) trial.setSystemAttr(FAIL_REASON_KEY, reason);
    if (state === 'COMPLETE') {
      // A trial that never measured a declared constraint cannot be shown to meet it.
      const stored = trial.frozen().systemAttrs;
      for (const name of Object.keys(this.constraintLimits)) if (stored[constraintKey(name)] === undefined) trial.setConstraint(name, NaN);
    }
    await trial.flush().catch(() => undefined);
    const changed = await retryWhileBusy(() => this.storage.finishTrial(trial.id, state, values));
    if (!changed) {
      const current = await this.storage.getTrial(trial.id);
      throw new StorageError(`trial ${trial.number} is already ${current.state}; it cannot be told again`, 'SODATE_TRIAL_FINISHED');
    }
    this.liveTrials.delete(trial.id);
    trial.told = true;
    const frozen: FrozenTrial = { ...trial.frozen(state), values, datetimeComplete: new Date() };
    // bestTrial, bestValue and trials hold what this process told at once, as in Optuna; other processes' trials come with the next refresh.
    const index = this.history.findIndex((t) => t.id === frozen.id);
    this.history = index < 0 ? [...this.history, frozen].sort((a, b) => a.number - b.number) : this.history.map((t, i) => (i === index ? frozen : t));
    this.sampler.afterTrial?.(this.host.samplerView, this.host.forSampler(frozen), state, values);
    await this.policyWrites.flush();
    return frozen;
  }

  /** Run `objective` on trial after trial in this process, on the orchestrator behind `sodate tune`; see `OptimizeOptions`. */
  optimize(objective: Objective, options: OptimizeOptions = {}): Promise<FrozenTrial[]> {
    return optimize(this, objective, options);
  }

  /**
   * Queue a configuration to be tried next (the usual way to start from a known-good
   * baseline). With `skipIfExists`, nothing is queued when a trial with the same
   * parameters already exists or waits; with `retryFailed` too, trials of them cut short from
   * outside (interrupted, or their process died) do not count, so such a configuration is
   * queued again (what a baseline or a stage's carried start needs: the study must measure it
   * once). One that failed by its own run stays failed: queued again, it would fail again.
   */
  async enqueueTrial(
    params: Readonly<Record<string, ParamValue>>,
    options: { skipIfExists?: boolean; retryFailed?: boolean; userAttrs?: Record<string, JsonValue> } = {},
  ): Promise<boolean> {
    if (options.skipIfExists) {
      await this.refresh();
      const wanted = JSON.stringify(sortKeys(params));
      for (const t of this.history) {
        if (options.retryFailed && t.state === 'FAIL' && wasCutShort(t)) continue;
        const fixed = t.systemAttrs[FIXED_PARAMS_KEY];
        const seen = t.state === 'WAITING' && fixed !== undefined ? fixed : t.params;
        if (JSON.stringify(sortKeys(seen as Record<string, unknown>)) === wanted) return false;
      }
    }
    await this.storage.createTrial(this.id, {
      state: 'WAITING',
      systemAttrs: { [FIXED_PARAMS_KEY]: { ...params } },
      ...(options.userAttrs ? { userAttrs: options.userAttrs } : {}),
    });
    return true;
  }

  /** Store a JSON value with the study (NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity"). */
  async setUserAttr(key: string, value: JsonValue): Promise<void> {
    const stored = withNonFiniteAsStrings(value);
    this.userAttrs[key] = stored;
    await this.storage.setStudyAttr(this.id, 'user', key, stored);
  }

  async setSystemAttr(key: string, value: JsonValue): Promise<void> {
    this.systemAttrs[key] = value;
    await this.storage.setStudyAttr(this.id, 'system', key, value);
  }

  /** Trials in the given states, freshly read. */
  async getTrials(states?: readonly TrialState[]): Promise<readonly FrozenTrial[]> {
    await this.refresh();
    return states === undefined ? this.history : this.history.filter((t) => states.includes(t.state));
  }

  /** Close the storage if the study opened it from a URL. */
  async close(): Promise<void> {
    if (this.ownsStorage) await this.storage.close();
  }

  private async trialByNumber(number: number): Promise<StudyTrial> {
    let record = this.history.find((t) => t.number === number);
    if (record === undefined) record = (await this.refresh()).find((t) => t.number === number);
    if (record === undefined) throw new OptionError(`study "${this.name}" has no trial number ${number}`);
    return this.liveTrials.get(record.id) ?? new StudyTrial(this.host, record);
  }
}

const NAN_RESULT = 'objective returned NaN';

function isValues(result: unknown): result is TrialValues {
  return typeof result === 'number' || Array.isArray(result);
}

/**
 * The values to store for what an objective returned, or why the trial fails: one
 * number per objective, a NaN anywhere fails it (as in Optuna); ±Infinity is kept.
 */
export function checkValues(value: unknown, objectives: number): number[] | string {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length !== objectives) {
    return `objective returned ${list.length} value${list.length === 1 ? '' : 's'} (${JSON.stringify(value)}), the study has ${objectives} objective${objectives === 1 ? '' : 's'}: return ${objectives === 1 ? 'one number' : `an array of ${objectives} numbers, one per direction`}`;
  }
  const bad = list.find((v) => typeof v !== 'number');
  if (bad !== undefined) return `objective returned ${JSON.stringify(value)}, expected ${objectives === 1 ? 'a number' : `${objectives} numbers`}`;
  if ((list as number[]).some((v) => Number.isNaN(v))) return NAN_RESULT;
  return list as number[];
}

function sortKeys(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
