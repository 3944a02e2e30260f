import type Database from 'better-sqlite3';
import { NotFoundError, StorageError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import { distributionToJson } from '../../space/distribution-json.js';
import type { Distribution } from '../../space/distributions.js';
import type { Direction, FrozenTrial, StudyRecord, StudySummary, TrialCursor, TrialState } from '../records.js';
import { isFinished, isPaused, wasResumed } from '../records.js';
import { reportsAfter, idsToReread, needsResumeCount, resumeCount, cursorAfter, directionsOf, emptyCounts, staleTrialReason, studyExistsError, trialFinishedError } from '../shared.js';
import type { AttrScope, FinishedState, NewStudy, NewTrial, Storage } from '../storage.js';
import { translateSqliteError } from './errors.js';
import type { TrialRows } from './rows.js';
import {
  assembleTrials,
  decodeDatetime,
  decodeDirection,
  decodeDirections,
  decodeJson,
  encodeDatetime,
  encodeDirection,
  encodeIntermediate,
  encodeJson,
  encodeValue,
  setKey,
} from './rows.js';
import { openDatabase } from './schema.js';
import type { Statements } from './statements.js';
import { prepareStatements } from './statements.js';
import { FAIL_REASON_KEY, PAUSED_ATTR, RESUME_COUNT_ATTR } from '../metadata.js';

export interface SqliteStorageOptions {
  /** How long a write waits for other processes' transactions before failing, in ms. Default 10 000. */
  readonly busyTimeoutMs?: number;
  /** The URL to name in messages. Default `sqlite:<path>`. */
  readonly url?: string;
}

interface StudyRow {
  study_id: number;
  study_name: string;
}
interface KeyValueRow {
  key: string;
  value_json: string | null;
}

/**
 * A study database in one SQLite file, in Optuna 3.1's layout (schema version 12), so
 * Optuna's tools open it too. Several processes may share the file: every change is one
 * IMMEDIATE transaction (WAL journal, busy timeout), which keeps trial numbers unique and
 * `maxTrials` exact across processes. One machine only: use PostgreSQL across machines.
 */
export class SqliteStorage implements Storage {
  readonly url: string;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly busyTimeoutMs: number;
  /** Runs its argument inside a transaction; prepared once, used with `.immediate` / `.deferred`. */
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  private constructor(file: string, db: Database.Database, options: SqliteStorageOptions, busyTimeoutMs: number) {
    this.file = file;
    this.db = db;
    this.url = options.url ?? `sqlite:${file}`;
    this.busyTimeoutMs = busyTimeoutMs;
    this.sql = prepareStatements(db);
    this.transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Open the database at `file`, creating it (and its folder) when missing. */
  static open(file: string, options: SqliteStorageOptions = {}): SqliteStorage {
    const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    const db = openDatabase(file, { busyTimeoutMs });
    try {
      return new SqliteStorage(file, db, options, busyTimeoutMs);
    } catch (error) {
      db.close();
      throw translateSqliteError(error, file, busyTimeoutMs);
    }
  }

  async createStudy(spec: NewStudy): Promise<StudyRecord> {
    return this.write(() => {
      if (this.sql.studyByName.get(spec.name) !== undefined) throw studyExistsError(spec.name, this.url);
      const id = Number(this.sql.insertStudy.run(spec.name).lastInsertRowid);
      directionsOf(spec).forEach((d, objective) => this.sql.insertDirection.run(encodeDirection(d), id, objective));
      for (const [key, value] of Object.entries(spec.userAttrs ?? {})) this.sql.upsertStudyUserAttr.run(id, key, encodeJson(value));
      for (const [key, value] of Object.entries(spec.systemAttrs ?? {})) this.sql.upsertStudySystemAttr.run(id, key, encodeJson(value));
      return this.studyRecord({ study_id: id, study_name: spec.name });
    });
  }

  async loadStudy(name: string): Promise<StudyRecord | null> {
    return this.read(() => {
      const row = this.sql.studyByName.get(name) as StudyRow | undefined;
      return row === undefined ? null : this.studyRecord(row);
    });
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.read(() => {
      const studies = this.sql.allStudies.all() as StudyRow[];
      const directions = new Map<number, Direction[]>();
      for (const r of this.sql.allDirections.all() as { study_id: number; direction: string }[]) {
        directions.set(r.study_id, [...(directions.get(r.study_id) ?? []), decodeDirection(r.direction)]);
      }
      const attrs = (rows: ({ study_id: number } & KeyValueRow)[]) => {
        const byStudy = new Map<number, Record<string, JsonValue>>();
        for (const r of rows) {
          let record = byStudy.get(r.study_id);
          if (record === undefined) byStudy.set(r.study_id, (record = {}));
          setKey(record, r.key, decodeJson(r.value_json));
        }
        return byStudy;
      };
      const userAttrs = attrs(this.sql.allStudyUserAttrs.all() as ({ study_id: number } & KeyValueRow)[]);
      const systemAttrs = attrs(this.sql.allStudySystemAttrs.all() as ({ study_id: number } & KeyValueRow)[]);
      const counts = new Map<number, { counts: Record<TrialState, number>; start: string | null }>();
      for (const r of this.sql.stateSummaries.all() as { study_id: number; state: string; n: number; start: string | null }[]) {
        let entry = counts.get(r.study_id);
        if (entry === undefined) counts.set(r.study_id, (entry = { counts: emptyCounts(), start: null }));
        if (r.state in entry.counts) entry.counts[r.state as TrialState] += r.n;
        if (r.start !== null && (entry.start === null || r.start < entry.start)) entry.start = r.start;
      }
      const best = new Map((this.sql.bestValues.all() as { study_id: number; low: number | null; high: number | null }[]).map((r) => [r.study_id, r]));
      const constrained = new Set(this.sql.constrainedStudies.all() as number[]);
      return studies.map((s): StudySummary => {
        const studyDirections = directions.get(s.study_id) ?? [decodeDirection(undefined)];
        const direction = studyDirections[0] as Direction;
        const c = counts.get(s.study_id);
        const b = best.get(s.study_id);
        const stateCounts = c?.counts ?? emptyCounts();
        return {
          id: s.study_id,
          name: s.study_name,
          direction,
          directions: studyDirections,
          userAttrs: userAttrs.get(s.study_id) ?? {},
          systemAttrs: systemAttrs.get(s.study_id) ?? {},
          nTrials: Object.values(stateCounts).reduce((a, n) => a + n, 0),
          counts: stateCounts,
          bestValue: (direction === 'minimize' ? b?.low : b?.high) ?? null,
          constrained: constrained.has(s.study_id),
          datetimeStart: decodeDatetime(c?.start ?? null),
        };
      });
    });
  }

  async deleteStudy(studyId: number): Promise<void> {
    return this.write(() => {
      this.requireStudy(studyId);
      for (const statement of this.sql.deleteStudy) statement.run(studyId);
    });
  }

  async setStudyAttr(studyId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    return this.write(() => {
      this.requireStudy(studyId);
      (scope === 'user' ? this.sql.upsertStudyUserAttr : this.sql.upsertStudySystemAttr).run(studyId, key, encodeJson(value));
    });
  }

  async createTrial(studyId: number, template: NewTrial = {}): Promise<FrozenTrial | null> {
    return this.write(() => {
      this.requireStudy(studyId);
      if (template.maxTrials !== undefined && (this.sql.budgetCount.get({ study: studyId }) as number) >= template.maxTrials) return null;
      const state = template.state ?? 'RUNNING';
      const number = this.sql.nextNumber.get(studyId) as number;
      const start = state === 'RUNNING' ? new Date() : null;
      const id = Number(this.sql.insertTrial.run(number, studyId, state, start && encodeDatetime(start)).lastInsertRowid);
      const rows: TrialRows = {
        trials: [[id, number, state, start && encodeDatetime(start), null]],
        params: [],
        values: [],
        intermediates: [],
        userAttrs: [],
        systemAttrs: [],
      };
      for (const [name, p] of Object.entries(template.params ?? {})) {
        const json = distributionToJson(p.distribution);
        this.sql.upsertParam.run(id, name, p.internal, json);
        rows.params.push([id, name, p.internal, json]);
      }
      for (const [key, value] of Object.entries(template.userAttrs ?? {})) {
        const json = encodeJson(value);
        this.sql.upsertTrialUserAttr.run(id, key, json);
        rows.userAttrs.push([id, key, json]);
      }
      for (const [key, value] of Object.entries(template.systemAttrs ?? {})) {
        const json = encodeJson(value);
        this.sql.upsertTrialSystemAttr.run(id, key, json);
        rows.systemAttrs.push([id, key, json]);
      }
      return assembleTrials(rows)[0] as FrozenTrial;
    });
  }

  async claimWaitingTrial(studyId: number, maxTrials?: number): Promise<FrozenTrial | null> {
    return this.write(() => {
      this.requireStudy(studyId);
      if (maxTrials !== undefined && (this.sql.budgetCount.get({ study: studyId }) as number) >= maxTrials) return null;
      const id = this.sql.oldestWaiting.get(studyId) as number | undefined;
      if (id === undefined) return null;
      this.sql.startTrial.run(encodeDatetime(new Date()), id);
      return this.readTrial(id);
    });
  }

  async setParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void> {
    const json = distributionToJson(distribution);
    return this.write(() => {
      this.requireOpenTrial(trialId);
      this.sql.upsertParam.run(trialId, name, internal, json);
    });
  }

  async setParams(trialId: number, params: Readonly<Record<string, { readonly internal: number; readonly distribution: Distribution }>>): Promise<void> {
    const rows = Object.entries(params).map(([name, p]) => [name, p.internal, distributionToJson(p.distribution)] as const);
    return this.write(() => {
      this.requireOpenTrial(trialId);
      for (const [name, internal, json] of rows) this.sql.upsertParam.run(trialId, name, internal, json);
    });
  }

  async report(trialId: number, step: number, value: number): Promise<void> {
    const [stored, type] = encodeIntermediate(value);
    return this.write(() => {
      this.requireOpenTrial(trialId);
      this.sql.upsertIntermediate.run(trialId, step, stored, type);
    });
  }

  async setTrialAttr(trialId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    return this.setTrialAttrs(trialId, scope, { [key]: value });
  }

  async setTrialAttrs(trialId: number, scope: AttrScope, attrs: Readonly<Record<string, JsonValue>>): Promise<void> {
    const rows = Object.entries(attrs).map(([key, value]) => [key, encodeJson(value)] as const);
    return this.write(() => {
      this.requireTrial(trialId);
      const upsert = scope === 'user' ? this.sql.upsertTrialUserAttr : this.sql.upsertTrialSystemAttr;
      for (const [key, json] of rows) upsert.run(trialId, key, json);
    });
  }

  async finishTrial(trialId: number, state: FinishedState, values?: readonly number[] | null): Promise<boolean> {
    return this.write(() => {
      const trial = this.requireTrial(trialId);
      if (isFinished(trial.state)) return false;
      const now = encodeDatetime(new Date());
      this.sql.finishTrial.run(state, now, now, trialId);
      this.sql.deleteValues.run(trialId);
      (values ?? []).forEach((v, objective) => this.sql.insertValue.run(trialId, objective, ...encodeValue(v)));
      return true;
    });
  }

  async resumePausedTrial(trialId: number, fromStep?: number): Promise<FrozenTrial | null> {
    return this.write(() => {
      // The write lock is held: no other process can resume it between the check and the update.
      const paused = this.readTrial(trialId);
      if (!isPaused(paused)) return null;
      if (fromStep !== undefined) {
        const { steps, vectorKeys } = reportsAfter(paused, fromStep);
        for (const step of steps) this.sql.deleteIntermediate.run(trialId, step);
        for (const key of vectorKeys) this.sql.deleteTrialSystemAttr.run(trialId, key);
      }
      this.sql.reopenTrial.run(trialId);
      this.sql.deleteValues.run(trialId);
      this.sql.upsertTrialSystemAttr.run(trialId, PAUSED_ATTR, encodeJson(false));
      this.sql.bumpResumeCount.run(RESUME_COUNT_ATTR, trialId);
      this.sql.upsertHeartbeat.run(trialId, encodeDatetime(new Date()));
      return this.readTrial(trialId);
    });
  }

  async heartbeat(trialId: number): Promise<void> {
    return this.write(() => {
      this.requireOpenTrial(trialId);
      this.sql.upsertHeartbeat.run(trialId, encodeDatetime(new Date()));
    });
  }

  async failStaleTrials(studyId: number, graceSeconds: number): Promise<FrozenTrial[]> {
    return this.write(() => {
      this.requireStudy(studyId);
      const now = new Date();
      const deadline = encodeDatetime(new Date(now.getTime() - graceSeconds * 1000));
      const stale = this.sql.staleTrials.all(studyId, deadline) as number[];
      const ids: number[] = [];
      for (const id of stale) {
        if (!wasResumed(this.readTrial(id))) ids.push(id);
        else {
          this.sql.finishTrial.run('PRUNED', encodeDatetime(now), encodeDatetime(now), id);
          this.sql.upsertTrialSystemAttr.run(id, PAUSED_ATTR, encodeJson(true));
        }
      }
      if (ids.length === 0) return [];
      const reason = encodeJson(staleTrialReason(graceSeconds));
      for (const id of ids) {
        this.sql.finishTrial.run('FAIL', encodeDatetime(now), encodeDatetime(now), id);
        this.sql.upsertTrialSystemAttr.run(id, FAIL_REASON_KEY, reason);
      }
      return assembleTrials(this.sql.readIds.read({ ids: JSON.stringify(ids) }));
    });
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return this.read(() => this.readTrial(trialId));
  }

  async trialsSince(studyId: number, cursor: TrialCursor): Promise<{ trials: FrozenTrial[]; cursor: TrialCursor }> {
    return this.read(() => {
      this.requireStudy(studyId);
      const stored = needsResumeCount(cursor) ? (this.sql.studySystemAttr.get(studyId, RESUME_COUNT_ATTR) as string | undefined) : undefined;
      const resumes = needsResumeCount(cursor) ? resumeCount(stored === undefined ? undefined : (JSON.parse(stored) as JsonValue)) : undefined;
      const trials = assembleTrials(this.sql.readSince.read({ study: studyId, after: cursor.lastTrialId, open: JSON.stringify(idsToReread(cursor, resumes)) }));
      return { trials, cursor: cursorAfter(trials, cursor, resumes) };
    });
  }

  async runningWithoutHeartbeat(studyId: number): Promise<number[]> {
    return this.read(() => {
      this.requireStudy(studyId);
      return this.sql.runningWithoutHeartbeat.all(studyId) as number[];
    });
  }

  async countTrials(studyId: number): Promise<Record<TrialState, number>> {
    return this.read(() => {
      this.requireStudy(studyId);
      const counts = emptyCounts();
      for (const r of this.sql.stateCounts.all(studyId) as { state: string; n: number }[]) {
        if (r.state in counts) counts[r.state as TrialState] += r.n;
      }
      return counts;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ---- helpers -------------------------------------------------------------------------

  private studyRecord(row: StudyRow): StudyRecord {
    const attrs = (rows: KeyValueRow[]) => {
      const record: Record<string, JsonValue> = {};
      for (const r of rows) setKey(record, r.key, decodeJson(r.value_json));
      return record;
    };
    return {
      id: row.study_id,
      name: row.study_name,
      ...decodeDirections(this.sql.directions.all(row.study_id) as string[]),
      userAttrs: attrs(this.sql.studyUserAttrs.all(row.study_id) as KeyValueRow[]),
      systemAttrs: attrs(this.sql.studySystemAttrs.all(row.study_id) as KeyValueRow[]),
    };
  }

  private requireStudy(studyId: number): void {
    if (this.sql.studyById.get(studyId) === undefined) throw new NotFoundError(`study id ${studyId} does not exist in ${this.url}`);
  }

  private requireTrial(trialId: number): { number: number; state: TrialState } {
    const row = this.sql.trialState.get(trialId) as { number: number; state: TrialState } | undefined;
    if (row === undefined) throw new NotFoundError(`trial id ${trialId} does not exist in ${this.url}`);
    return row;
  }

  /** The trial, which must not be finished yet (RUNNING or WAITING). */
  private requireOpenTrial(trialId: number): void {
    const row = this.requireTrial(trialId);
    if (isFinished(row.state)) throw trialFinishedError(row.number, row.state);
  }

  private readTrial(trialId: number): FrozenTrial {
    const trial = assembleTrials(this.sql.readOne.read({ id: trialId }))[0];
    if (trial === undefined) throw new NotFoundError(`trial id ${trialId} does not exist in ${this.url}`);
    return trial;
  }

  /** One IMMEDIATE transaction: takes the write lock first, so it never fails half way for another writer. */
  private write<T>(fn: () => T): T {
    return this.guard(() => this.transaction.immediate(fn) as T);
  }

  /** One read transaction: a consistent snapshot across the statements of `fn`. */
  private read<T>(fn: () => T): T {
    return this.guard(() => this.transaction.deferred(fn) as T);
  }

  private guard<T>(fn: () => T): T {
    if (!this.db.open) throw new StorageError(`${this.url} is closed; open the storage again`, 'SODATE_STORAGE_CLOSED');
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, this.file, this.busyTimeoutMs);
    }
  }
}
