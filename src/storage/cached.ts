import type { JsonValue } from '../json.js';
import type { Distribution } from '../space/distributions.js';
import type { FrozenTrial, StudyRecord, StudySummary, TrialCursor, TrialState } from './records.js';
import { START_CURSOR, isFinished, isPaused } from './records.js';
import type { AttrScope, FinishedState, NewStudy, NewTrial, Storage } from './storage.js';

interface StudyCache {
  cursor: TrialCursor;
  /** Every trial read so far, ordered by number; replaced (never mutated) when it changes. */
  trials: readonly FrozenTrial[];
  /** Trial id → its index in `trials`. */
  index: Map<number, number>;
  /** The refresh in flight, so that concurrent reads apply their results in order. */
  pending: Promise<unknown>;
}

/**
 * A storage with a cache of each study's trials in front of it. Finished trials never
 * change, so they are read once; `allTrials` asks the inner storage only for what is new
 * since the last read and for the trials that were still open. Every other call goes
 * straight through: writes land in the inner storage and show up on the next read.
 */
export class CachedStorage implements Storage {
  readonly inner: Storage;
  private readonly studies = new Map<number, StudyCache>();

  constructor(inner: Storage) {
    this.inner = inner;
  }

  get url(): string {
    return this.inner.url;
  }

  /**
   * Every trial of the study, ordered by number, as of now. Resolves to the same array
   * object as the previous call when the inner storage returned nothing new (no trial
   * created, none left open).
   */
  async allTrials(studyId: number): Promise<readonly FrozenTrial[]> {
    let cache = this.studies.get(studyId);
    if (cache === undefined) {
      cache = { cursor: START_CURSOR, trials: [], index: new Map(), pending: Promise.resolve() };
      this.studies.set(studyId, cache);
    }
    const entry = cache;
    const refresh = entry.pending.then(async () => {
      const { trials, cursor } = await this.inner.trialsSince(studyId, entry.cursor);
      if (this.studies.get(studyId) === entry) merge(entry, trials);
      entry.cursor = cursor;
      return entry.trials;
    });
    entry.pending = refresh.catch(() => undefined);
    return refresh;
  }

  /** Forget what was read of a study (or of all), e.g. after it was changed by hand. */
  invalidate(studyId?: number): void {
    if (studyId === undefined) this.studies.clear();
    else this.studies.delete(studyId);
  }

  createStudy(spec: NewStudy): Promise<StudyRecord> {
    return this.inner.createStudy(spec);
  }
  loadStudy(name: string): Promise<StudyRecord | null> {
    return this.inner.loadStudy(name);
  }
  listStudies(): Promise<StudySummary[]> {
    return this.inner.listStudies();
  }
  async deleteStudy(studyId: number): Promise<void> {
    this.studies.delete(studyId);
    await this.inner.deleteStudy(studyId);
    this.studies.delete(studyId);
  }
  setStudyAttr(studyId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    return this.inner.setStudyAttr(studyId, scope, key, value);
  }
  createTrial(studyId: number, template?: NewTrial): Promise<FrozenTrial | null> {
    return this.inner.createTrial(studyId, template);
  }
  claimWaitingTrial(studyId: number, maxTrials?: number): Promise<FrozenTrial | null> {
    return this.inner.claimWaitingTrial(studyId, maxTrials);
  }
  setParams(trialId: number, params: Readonly<Record<string, { readonly internal: number; readonly distribution: Distribution }>>): Promise<void> {
    return this.inner.setParams(trialId, params);
  }

  setParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void> {
    return this.inner.setParam(trialId, name, internal, distribution);
  }
  report(trialId: number, step: number, value: number): Promise<void> {
    return this.inner.report(trialId, step, value);
  }
  setTrialAttr(trialId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    return this.setTrialAttrs(trialId, scope, { [key]: value });
  }
  async setTrialAttrs(trialId: number, scope: AttrScope, attrs: Readonly<Record<string, JsonValue>>): Promise<void> {
    await this.inner.setTrialAttrs(trialId, scope, attrs);
    // A finished trial is never read again: fold this process's own later writes (an artifact
    // deletion mark) into the cached copy, or it would not see them.
    for (const cache of this.studies.values()) {
      const at = cache.index.get(trialId);
      const trial = at === undefined ? undefined : cache.trials[at];
      if (at === undefined || trial === undefined || !isFinished(trial.state) || isPaused(trial)) continue;
      const trials = [...cache.trials];
      trials[at] = scope === 'user' ? { ...trial, userAttrs: { ...trial.userAttrs, ...attrs } } : { ...trial, systemAttrs: { ...trial.systemAttrs, ...attrs } };
      cache.trials = trials;
    }
  }
  finishTrial(trialId: number, state: FinishedState, values?: readonly number[] | null): Promise<boolean> {
    return this.inner.finishTrial(trialId, state, values);
  }
  resumePausedTrial(trialId: number, fromStep?: number): Promise<FrozenTrial | null> {
    return this.inner.resumePausedTrial(trialId, fromStep);
  }
  heartbeat(trialId: number): Promise<void> {
    return this.inner.heartbeat(trialId);
  }
  failStaleTrials(studyId: number, graceSeconds: number): Promise<FrozenTrial[]> {
    return this.inner.failStaleTrials(studyId, graceSeconds);
  }
  getTrial(trialId: number): Promise<FrozenTrial> {
    return this.inner.getTrial(trialId);
  }
  trialsSince(studyId: number, cursor: TrialCursor): Promise<{ trials: FrozenTrial[]; cursor: TrialCursor }> {
    return this.inner.trialsSince(studyId, cursor);
  }
  runningWithoutHeartbeat(studyId: number): Promise<number[]> {
    return this.inner.runningWithoutHeartbeat(studyId);
  }

  countTrials(studyId: number): Promise<Record<TrialState, number>> {
    return this.inner.countTrials(studyId);
  }
  async close(): Promise<void> {
    this.studies.clear();
    await this.inner.close();
  }
}

/** Fold fresh trials in: known ids are replaced in place, new ones appended, order by number kept. */
function merge(cache: StudyCache, fresh: readonly FrozenTrial[]): void {
  if (fresh.length === 0) return;
  const trials = [...cache.trials];
  let sorted = true;
  for (const trial of fresh) {
    const at = cache.index.get(trial.id);
    if (at !== undefined) {
      trials[at] = trial;
      continue;
    }
    const last = trials[trials.length - 1];
    if (last !== undefined && last.number > trial.number) sorted = false;
    cache.index.set(trial.id, trials.length);
    trials.push(trial);
  }
  if (!sorted) {
    trials.sort((a, b) => a.number - b.number || a.id - b.id);
    cache.index = new Map(trials.map((t, i) => [t.id, i]));
  }
  cache.trials = trials;
}
