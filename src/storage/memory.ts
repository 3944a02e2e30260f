import { NotFoundError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Distribution } from '../space/distributions.js';
import { toExternal } from '../space/distributions.js';
import type { Direction, FrozenTrial, StudyRecord, StudySummary, TrialCursor, TrialState } from './records.js';
import { isFinished, isPaused, wasResumed } from './records.js';
import type { AttrScope, FinishedState, NewStudy, NewTrial, Storage } from './storage.js';
import { reportsAfter, cursorAfter, idsToReread, needsResumeCount, resumeCount, bestValueOf, carriesConstraints, directionsOf, countByState, earliestStart, emptyCounts, staleTrialReason, studyExistsError, trialFinishedError } from './shared.js';
import { FAIL_REASON_KEY, PAUSED_ATTR, RESUME_COUNT_ATTR } from './metadata.js';

interface MutableTrial {
  id: number;
  number: number;
  state: TrialState;
  values: number[] | null;
  internalParams: Record<string, number>;
  distributions: Record<string, Distribution>;
  intermediateValues: Map<number, number>;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
  datetimeStart: Date | null;
  datetimeComplete: Date | null;
  heartbeat: number | null;
}

interface MutableStudy {
  id: number;
  name: string;
  directions: readonly Direction[];
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
  trials: MutableTrial[];
  /** WAITING trials, oldest first: claimed from the front. */
  waiting: MutableTrial[];
}

/** Everything in this process's memory: for tests, benchmarks and throwaway studies. */
export class InMemoryStorage implements Storage {
  readonly url = 'memory:';
  private readonly studies = new Map<number, MutableStudy>();
  private readonly trials = new Map<number, { study: MutableStudy; trial: MutableTrial }>();
  private nextStudyId = 1;
  private nextTrialId = 1;

  async createStudy(spec: NewStudy): Promise<StudyRecord> {
    for (const s of this.studies.values()) if (s.name === spec.name) throw studyExistsError(spec.name, this.url);
    const study: MutableStudy = {
      id: this.nextStudyId++,
      name: spec.name,
      directions: directionsOf(spec),
      userAttrs: structuredClone({ ...spec.userAttrs }),
      systemAttrs: structuredClone({ ...spec.systemAttrs }),
      trials: [],
      waiting: [],
    };
    this.studies.set(study.id, study);
    return studyRecord(study);
  }

  async loadStudy(name: string): Promise<StudyRecord | null> {
    for (const s of this.studies.values()) if (s.name === name) return studyRecord(s);
    return null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return [...this.studies.values()].map((s) => {
      const frozen = s.trials.map(freeze);
      return {
        ...studyRecord(s),
        nTrials: frozen.length,
        counts: countByState(frozen),
        bestValue: bestValueOf(frozen, s.directions[0] as Direction),
        constrained: carriesConstraints(frozen),
        datetimeStart: earliestStart(frozen),
      };
    });
  }

  async deleteStudy(studyId: number): Promise<void> {
    const study = this.study(studyId);
    for (const t of study.trials) this.trials.delete(t.id);
    this.studies.delete(studyId);
  }

  async setStudyAttr(studyId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    const study = this.study(studyId);
    (scope === 'user' ? study.userAttrs : study.systemAttrs)[key] = structuredClone(value);
  }

  async createTrial(studyId: number, template: NewTrial = {}): Promise<FrozenTrial | null> {
    const study = this.study(studyId);
    if (template.maxTrials !== undefined && budgetCount(study) >= template.maxTrials) return null;
    const state = template.state ?? 'RUNNING';
    const trial: MutableTrial = {
      id: this.nextTrialId++,
      number: study.trials.length,
      state,
      values: null,
      internalParams: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs: structuredClone({ ...template.userAttrs }),
      systemAttrs: structuredClone({ ...template.systemAttrs }),
      datetimeStart: state === 'RUNNING' ? new Date() : null,
      datetimeComplete: null,
      heartbeat: null,
    };
    for (const [name, p] of Object.entries(template.params ?? {})) {
      trial.internalParams[name] = p.internal;
      trial.distributions[name] = p.distribution;
    }
    study.trials.push(trial);
    if (state === 'WAITING') study.waiting.push(trial);
    this.trials.set(trial.id, { study, trial });
    return freeze(trial);
  }

  async claimWaitingTrial(studyId: number, maxTrials?: number): Promise<FrozenTrial | null> {
    const study = this.study(studyId);
    if (maxTrials !== undefined && budgetCount(study) >= maxTrials) return null;
    const waiting = study.waiting.shift();
    if (waiting === undefined) return null;
    waiting.state = 'RUNNING';
    waiting.datetimeStart = new Date();
    return freeze(waiting);
  }

  async setParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void> {
    const trial = this.running(trialId);
    trial.internalParams[name] = internal;
    trial.distributions[name] = distribution;
  }

  async setParams(trialId: number, params: Readonly<Record<string, { readonly internal: number; readonly distribution: Distribution }>>): Promise<void> {
    const trial = this.running(trialId);
    for (const [name, p] of Object.entries(params)) {
      trial.internalParams[name] = p.internal;
      trial.distributions[name] = p.distribution;
    }
  }

  async report(trialId: number, step: number, value: number): Promise<void> {
    this.running(trialId).intermediateValues.set(step, value);
  }

  async setTrialAttr(trialId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    return this.setTrialAttrs(trialId, scope, { [key]: value });
  }

  async setTrialAttrs(trialId: number, scope: AttrScope, attrs: Readonly<Record<string, JsonValue>>): Promise<void> {
    const { trial } = this.entry(trialId);
    const target = scope === 'user' ? trial.userAttrs : trial.systemAttrs;
    for (const [key, value] of Object.entries(attrs)) target[key] = structuredClone(value);
  }

  async finishTrial(trialId: number, state: FinishedState, values?: readonly number[] | null): Promise<boolean> {
    const { study, trial } = this.entry(trialId);
    if (isFinished(trial.state)) return false;
    if (trial.state === 'WAITING') study.waiting.splice(study.waiting.indexOf(trial), 1);
    trial.state = state;
    trial.values = values && values.length > 0 ? [...values] : null;
    trial.datetimeComplete = new Date();
    trial.datetimeStart ??= trial.datetimeComplete;
    return true;
  }

  async resumePausedTrial(trialId: number, fromStep?: number): Promise<FrozenTrial | null> {
    const { study, trial } = this.entry(trialId);
    if (!isPaused(trial)) return null;
    study.systemAttrs[RESUME_COUNT_ATTR] = resumeCount(study.systemAttrs[RESUME_COUNT_ATTR]) + 1;
    if (fromStep !== undefined) {
      const { steps, vectorKeys } = reportsAfter(trial, fromStep);
      for (const step of steps) trial.intermediateValues.delete(step);
      for (const key of vectorKeys) delete trial.systemAttrs[key];
    }
    trial.state = 'RUNNING';
    trial.values = null;
    trial.datetimeComplete = null;
    trial.systemAttrs[PAUSED_ATTR] = false;
    trial.heartbeat = Date.now();
    return freeze(trial);
  }

  async heartbeat(trialId: number): Promise<void> {
    this.running(trialId).heartbeat = Date.now();
  }

  async failStaleTrials(studyId: number, graceSeconds: number): Promise<FrozenTrial[]> {
    const deadline = Date.now() - graceSeconds * 1000;
    const failed: FrozenTrial[] = [];
    for (const trial of this.study(studyId).trials) {
      if (trial.state === 'RUNNING' && trial.heartbeat !== null && trial.heartbeat < deadline) {
        trial.datetimeComplete = new Date();
        if (wasResumed(trial)) {
          trial.state = 'PRUNED';
          trial.systemAttrs[PAUSED_ATTR] = true;
          continue;
        }
        trial.state = 'FAIL';
        trial.systemAttrs[FAIL_REASON_KEY] = staleTrialReason(graceSeconds);
        failed.push(freeze(trial));
      }
    }
    return failed;
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return freeze(this.entry(trialId).trial);
  }

  async trialsSince(studyId: number, cursor: TrialCursor): Promise<{ trials: FrozenTrial[]; cursor: TrialCursor }> {
    const study = this.study(studyId);
    // Trials are appended in id order: the new ones are a suffix found by bisection, so a
    // read costs what changed, not the size of the study.
    const first = firstIndexAfter(study.trials, cursor.lastTrialId);
    const resumes = needsResumeCount(cursor) ? resumeCount(study.systemAttrs[RESUME_COUNT_ATTR]) : undefined;
    const picked: MutableTrial[] = [];
    for (const id of idsToReread(cursor, resumes)) {
      const entry = this.trials.get(id);
      if (entry !== undefined && entry.trial.id <= cursor.lastTrialId) picked.push(entry.trial);
    }
    for (let i = first; i < study.trials.length; i++) picked.push(study.trials[i] as MutableTrial);
    picked.sort((a, b) => a.number - b.number);
    const frozen = picked.map(freeze);
    return { trials: frozen, cursor: cursorAfter(frozen, cursor, resumes) };
  }

  async runningWithoutHeartbeat(studyId: number): Promise<number[]> {
    return this.study(studyId)
      .trials.filter((t) => t.state === 'RUNNING' && t.heartbeat === null)
      .map((t) => t.number);
  }

  async countTrials(studyId: number): Promise<Record<TrialState, number>> {
    const counts = emptyCounts();
    for (const t of this.study(studyId).trials) counts[t.state]++;
    return counts;
  }

  async close(): Promise<void> {}

  private study(studyId: number): MutableStudy {
    const study = this.studies.get(studyId);
    if (study === undefined) throw new NotFoundError(`study id ${studyId} does not exist in ${this.url}`);
    return study;
  }

  private entry(trialId: number): { study: MutableStudy; trial: MutableTrial } {
    const entry = this.trials.get(trialId);
    if (entry === undefined) throw new NotFoundError(`trial id ${trialId} does not exist in ${this.url}`);
    return entry;
  }

  private running(trialId: number): MutableTrial {
    const { trial } = this.entry(trialId);
    if (isFinished(trial.state)) throw trialFinishedError(trial.number, trial.state);
    return trial;
  }
}

function budgetCount(study: MutableStudy): number {
  return study.trials.length - study.waiting.length;
}

function firstIndexAfter(trials: readonly MutableTrial[], id: number): number {
  let lo = 0;
  let hi = trials.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((trials[mid] as MutableTrial).id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function studyRecord(s: MutableStudy): StudyRecord {
  return { id: s.id, name: s.name, direction: s.directions[0] as Direction, directions: [...s.directions], userAttrs: structuredClone(s.userAttrs), systemAttrs: structuredClone(s.systemAttrs) };
}

function freeze(t: MutableTrial): FrozenTrial {
  const params: Record<string, ReturnType<typeof toExternal>> = {};
  for (const [name, internal] of Object.entries(t.internalParams)) params[name] = toExternal(t.distributions[name] as Distribution, internal);
  return {
    id: t.id,
    number: t.number,
    state: t.state,
    values: t.values ? [...t.values] : null,
    params,
    internalParams: { ...t.internalParams },
    distributions: { ...t.distributions },
    intermediateValues: new Map(t.intermediateValues),
    userAttrs: structuredClone(t.userAttrs),
    systemAttrs: structuredClone(t.systemAttrs),
    datetimeStart: t.datetimeStart,
    datetimeComplete: t.datetimeComplete,
  };
}

