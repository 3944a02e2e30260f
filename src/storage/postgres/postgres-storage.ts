import { NotFoundError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import { distributionToJson } from '../../space/distribution-json.js';
import type { Distribution } from '../../space/distributions.js';
import type { Direction, FrozenTrial, StudyRecord, StudySummary, TrialCursor, TrialState } from '../records.js';
import { reportsAfter, idsToReread, needsResumeCount, resumeCount, cursorAfter, directionsOf, emptyCounts, staleTrialReason, studyExistsError, trialFinishedError } from '../shared.js';
import type { TrialRows } from '../sqlite/rows.js';
import { assembleTrials, decodeDatetime, decodeDirections, decodeJson, encodeDatetime, encodeDirection, encodeIntermediate, encodeJson, encodeValue, setKey } from '../sqlite/rows.js';
import type { Query } from './connection.js';
import { Connection } from './connection.js';
import { describeTarget } from './errors.js';
import { ensureSchema } from './schema.js';
import type { StudyRow, StudySummaryRow } from './statements.js';
import { SQL, TRIALS_BY_ID, TRIALS_BY_IDS, TRIALS_SINCE, readTrials } from './statements.js';
import { parsePostgresUrl } from './url.js';
import type { AttrScope, FinishedState, NewStudy, NewTrial, Storage } from '../storage.js';
import { FAIL_REASON_KEY, PAUSED_ATTR, RESUME_COUNT_ATTR } from '../metadata.js';

export interface PostgresStorageOptions {
  /** Connections this process keeps open at most. Default: the URL's `pool_size`, else 4. */
  readonly poolSize?: number;
  /** A statement running longer is cancelled by the server, in ms. Default 30 000. */
  readonly statementTimeoutMs?: number;
  /**
   * How long one call keeps retrying a lost connection (a restarting server, a dropped
   * network) or a conflict before it fails, in ms. Default 120 000.
   */
  readonly retryForMs?: number;
  /** How long opening keeps retrying an unreachable server, in ms. Default 3 000. */
  readonly openRetryForMs?: number;
}

/**
 * Studies in a PostgreSQL database, in Optuna 3.1's table layout, shared by any number of
 * processes on any number of machines. Trial numbers and budgets are decided under the
 * study's row lock; WAITING trials are claimed with FOR UPDATE SKIP LOCKED; heartbeats and
 * staleness use the server's clock. Lost connections and conflicts are retried, and a
 * write whose COMMIT was cut off is resolved by its transaction id, never applied twice.
 */
export class PostgresStorage implements Storage {
  readonly url: string;
  private readonly db: Connection;

  private constructor(url: string, db: Connection) {
    this.url = url;
    this.db = db;
  }

  /** Connect to the database a `postgresql://` URL names, creating the tables when it is empty. */
  static async open(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const parsed = parsePostgresUrl(url);
    const connect = (retryForMs: number) =>
      new Connection(parsed.connectionString, parsed.target, {
        poolSize: options.poolSize ?? parsed.poolSize ?? 4,
        statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
        retryForMs,
        synchronousCommit: parsed.synchronousCommit,
      });
    const opening = connect(options.openRetryForMs ?? 3_000);
    try {
      await opening.write((query) => ensureSchema(query, parsed.target));
    } finally {
      await opening.close();
    }
    return new PostgresStorage(parsed.display, connect(options.retryForMs ?? 120_000));
  }

  /** Where it points, password left out: `PostgreSQL user@host:port/db`. */
  get where(): string {
    return describeTarget(this.db.target);
  }

  async createStudy(spec: NewStudy): Promise<StudyRecord> {
    const id = await this.db.write(async (query) => {
      let studyId: number;
      try {
        studyId = (await query<{ study_id: number }>(SQL.insertStudy, [spec.name])).rows[0]!.study_id;
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') throw studyExistsError(spec.name, this.url);
        throw error;
      }
      const directions = directionsOf(spec);
      for (let objective = 0; objective < directions.length; objective++) await query(SQL.insertDirection, [encodeDirection(directions[objective] as Direction), studyId, objective]);
      for (const [scope, attrs] of [['user', spec.userAttrs], ['system', spec.systemAttrs]] as const) {
        const entries = Object.entries(attrs ?? {});
        if (entries.length > 0) await query(SQL.upsertStudyAttrs(scope === 'user' ? 'study_user_attributes' : 'study_system_attributes'), [studyId, entries.map((e) => e[0]), entries.map((e) => encodeJson(e[1]))]);
      }
      return studyId;
    });
    return (await this.studyBy(SQL.studyById, id))!;
  }

  async loadStudy(name: string): Promise<StudyRecord | null> {
    return this.studyBy(SQL.studyByName, name);
  }

  async listStudies(): Promise<StudySummary[]> {
    const rows = (await this.db.statement<StudySummaryRow>(SQL.allStudies)).rows;
    return rows.map((row): StudySummary => {
      const study = studyRecord(row);
      const counts = emptyCounts();
      for (const [state, n] of Object.entries(row.counts ?? {})) if (state in counts) counts[state as TrialState] += n;
      return {
        ...study,
        nTrials: Object.values(counts).reduce((a, n) => a + n, 0),
        counts,
        bestValue: (study.direction === 'minimize' ? row.low : row.high) ?? null,
        constrained: row.constrained,
        datetimeStart: decodeDatetime(row.start),
      };
    });
  }

  async deleteStudy(studyId: number): Promise<void> {
    await this.db.write(async (query) => {
      await this.lockStudy(query, studyId);
      for (const sql of SQL.deleteStudy) await query(sql, [studyId]);
    });
  }

  async setStudyAttr(studyId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    const table = scope === 'user' ? 'study_user_attributes' : 'study_system_attributes';
    const result = await this.db.statement(SQL.upsertStudyAttrs(table), [studyId, [key], [encodeJson(value)]]);
    if (result.rowCount === 0) throw this.noStudy(studyId);
  }

  async createTrial(studyId: number, template: NewTrial = {}): Promise<FrozenTrial | null> {
    const state = template.state ?? 'RUNNING';
    const params = Object.entries(template.params ?? {}).map(([name, p]) => [name, p.internal, distributionToJson(p.distribution)] as const);
    const userAttrs = Object.entries(template.userAttrs ?? {}).map(([k, v]) => [k, encodeJson(v)] as const);
    const systemAttrs = Object.entries(template.systemAttrs ?? {}).map(([k, v]) => [k, encodeJson(v)] as const);
    return this.db.write(async (query) => {
      // Under the study's lock, numbers are decided one transaction at a time: dense per
      // study, and trial ids (taken from the sequence under the same lock) grow in commit order.
      await this.lockStudy(query, studyId);
      const { next, waiting } = (await query<{ next: number; waiting: number }>(SQL.numbering, [studyId])).rows[0]!;
      if (template.maxTrials !== undefined && next - waiting >= template.maxTrials) return null;
      const start = state === 'RUNNING' ? encodeDatetime(new Date()) : null;
      const id = (
        await query<{ trial_id: number }>(SQL.insertTrial, [
          next,
          studyId,
          state,
          start,
          params.map((p) => p[0]),
          params.map((p) => p[1]),
          params.map((p) => p[2]),
          userAttrs.map((a) => a[0]),
          userAttrs.map((a) => a[1]),
          systemAttrs.map((a) => a[0]),
          systemAttrs.map((a) => a[1]),
        ])
      ).rows[0]!.trial_id;
      const rows: TrialRows = {
        trials: [[id, next, state, start, null]],
        params: params.map(([name, internal, json]) => [id, name, internal, json]),
        values: [],
        intermediates: [],
        userAttrs: userAttrs.map(([k, json]) => [id, k, json]),
        systemAttrs: systemAttrs.map(([k, json]) => [id, k, json]),
      };
      return assembleTrials(rows)[0]!;
    });
  }

  async claimWaitingTrial(studyId: number, maxTrials?: number): Promise<FrozenTrial | null> {
    // Most asks find no WAITING trial: say so with one read instead of a locking transaction
    // (whose commit the server must flush). One enqueued meanwhile is claimed by the next ask.
    const probe = (await this.db.statement<{ waiting: boolean }>(SQL.waitingExists, [studyId])).rows[0];
    if (probe === undefined) throw this.noStudy(studyId);
    if (!probe.waiting) return null;
    return this.db.write(async (query) => {
      if (maxTrials !== undefined) {
        // A claim uses up budget as a creation does: decided under the same lock.
        await this.lockStudy(query, studyId);
        const { next, waiting } = (await query<{ next: number; waiting: number }>(SQL.numbering, [studyId])).rows[0]!;
        if (next - waiting >= maxTrials) return null;
      }
      const claimed = (await query<{ trial_id: number }>(SQL.claimWaiting, [studyId, encodeDatetime(new Date())])).rows[0];
      if (claimed === undefined) {
        if (maxTrials === undefined) await this.requireStudy(query, studyId);
        return null;
      }
      return this.readOne(query, claimed.trial_id);
    });
  }

  async setParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void> {
    await this.openTrialWrite(trialId, SQL.upsertParam, [trialId, name, internal, distributionToJson(distribution)]);
  }

  async setParams(trialId: number, params: Readonly<Record<string, { readonly internal: number; readonly distribution: Distribution }>>): Promise<void> {
    // Each upsert is idempotent, so a retry after a dropped connection is safe statement by statement.
    for (const [name, p] of Object.entries(params)) await this.setParam(trialId, name, p.internal, p.distribution);
  }

  async report(trialId: number, step: number, value: number): Promise<void> {
    const [stored, type] = encodeIntermediate(value);
    await this.openTrialWrite(trialId, SQL.upsertIntermediate, [trialId, step, stored, type]);
  }

  async setTrialAttr(trialId: number, scope: AttrScope, key: string, value: JsonValue): Promise<void> {
    return this.setTrialAttrs(trialId, scope, { [key]: value });
  }

  async setTrialAttrs(trialId: number, scope: AttrScope, attrs: Readonly<Record<string, JsonValue>>): Promise<void> {
    const entries = Object.entries(attrs);
    const table = scope === 'user' ? 'trial_user_attributes' : 'trial_system_attributes';
    // One statement: its rows are written together or not at all.
    const result = await this.db.statement(SQL.upsertTrialAttrs(table), [trialId, entries.map((e) => e[0]), entries.map((e) => encodeJson(e[1]))]);
    if (result.rowCount === 0 && (entries.length > 0 || (await this.db.statement(SQL.trialState, [trialId])).rowCount === 0)) throw this.noTrial(trialId);
  }

  async finishTrial(trialId: number, state: FinishedState, values?: readonly number[] | null): Promise<boolean> {
    const encoded = (values ?? []).map(encodeValue);
    return this.db.write(async (query) => {
      const now = encodeDatetime(new Date());
      const done = await query(SQL.finishTrial, [trialId, state, now, encoded.map((v) => v[0]), encoded.map((v) => v[1])]);
      if (done.rowCount !== 0) return true;
      if ((await query(SQL.trialState, [trialId])).rowCount === 0) throw this.noTrial(trialId);
      return false;
    });
  }

  async resumePausedTrial(trialId: number, fromStep?: number): Promise<FrozenTrial | null> {
    return this.db.write(async (query) => {
      // The UPDATE's row lock makes the check and the change one step: one worker wins.
      const up = await query<{ trial_id: number }>(SQL.resumePaused, [trialId, PAUSED_ATTR, encodeJson(true), encodeJson(false)]);
      if (up.rowCount === 0) {
        if ((await query(SQL.trialState, [trialId])).rowCount === 0) throw this.noTrial(trialId);
        return null;
      }
      await query(SQL.bumpResumeCount, [trialId, RESUME_COUNT_ATTR]);
      const resumed = await this.readOne(query, trialId);
      if (fromStep === undefined) return resumed;
      const { steps, vectorKeys } = reportsAfter(resumed, fromStep);
      if (steps.length === 0 && vectorKeys.length === 0) return resumed;
      await query(SQL.deleteReportsAfter, [trialId, steps, vectorKeys]);
      return this.readOne(query, trialId);
    });
  }

  async heartbeat(trialId: number): Promise<void> {
    await this.openTrialWrite(trialId, SQL.upsertHeartbeat, [trialId]);
  }

  async failStaleTrials(studyId: number, graceSeconds: number): Promise<FrozenTrial[]> {
    return this.db.write(async (query) => {
      await this.requireStudy(query, studyId);
      const now = encodeDatetime(new Date());
      const failed = await query<{ trial_id: number }>(SQL.failStale, [studyId, graceSeconds, now, FAIL_REASON_KEY, encodeJson(staleTrialReason(graceSeconds)), PAUSED_ATTR, encodeJson(false), encodeJson(true)]);
      if (failed.rows.length === 0) return [];
      return assembleTrials(await readTrials(query, TRIALS_BY_IDS, [failed.rows.map((r) => r.trial_id)]));
    });
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return this.readOne((sql, params) => this.db.statement(sql, params), trialId);
  }

  async trialsSince(studyId: number, cursor: TrialCursor): Promise<{ trials: FrozenTrial[]; cursor: TrialCursor }> {
    // The count is read before the trials: a resume between the two reads is caught next time.
    const resumes = needsResumeCount(cursor) ? resumeCount(decodeCount((await this.db.statement<{ value_json: string }>(SQL.studySystemAttr, [studyId, RESUME_COUNT_ATTR])).rows[0]?.value_json)) : undefined;
    const rows = await readTrials((sql, params) => this.db.statement(sql, params), TRIALS_SINCE, [studyId, cursor.lastTrialId, idsToReread(cursor, resumes)]);
    if (rows.trials.length === 0) {
      if ((await this.db.statement(SQL.studyExists, [studyId])).rowCount === 0) throw this.noStudy(studyId);
      return { trials: [], cursor };
    }
    const trials = assembleTrials(rows);
    return { trials, cursor: cursorAfter(trials, cursor, resumes) };
  }

  async runningWithoutHeartbeat(studyId: number): Promise<number[]> {
    const rows = (await this.db.statement<{ number: number | null }>(SQL.runningWithoutHeartbeat, [studyId])).rows;
    if (rows.length === 0) throw this.noStudy(studyId);
    return rows.flatMap((r) => (r.number === null ? [] : [r.number]));
  }

  async countTrials(studyId: number): Promise<Record<TrialState, number>> {
    const rows = (await this.db.statement<{ state: string | null; n: number }>(SQL.stateCounts, [studyId])).rows;
    if (rows.length === 0) throw this.noStudy(studyId);
    const counts = emptyCounts();
    for (const r of rows) if (r.state !== null && r.state in counts) counts[r.state as TrialState] += r.n;
    return counts;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ---- helpers -------------------------------------------------------------------------

  private async studyBy(sql: string, key: string | number): Promise<StudyRecord | null> {
    const row = (await this.db.statement<StudyRow>(sql, [key])).rows[0];
    return row === undefined ? null : studyRecord(row);
  }

  private async lockStudy(query: Query, studyId: number): Promise<void> {
    if ((await query(SQL.lockStudy, [studyId])).rowCount === 0) throw this.noStudy(studyId);
  }

  private async requireStudy(query: Query, studyId: number): Promise<void> {
    if ((await query(SQL.studyExists, [studyId])).rowCount === 0) throw this.noStudy(studyId);
  }

  /** A write that lands only on an open trial; otherwise says whether it is missing or finished. */
  private async openTrialWrite(trialId: number, sql: string, params: unknown[]): Promise<void> {
    const result = await this.db.statement(sql, params);
    if (result.rowCount !== 0) return;
    const row = (await this.db.statement<{ number: number; state: TrialState }>(SQL.trialState, [trialId])).rows[0];
    if (row === undefined) throw this.noTrial(trialId);
    // Not inserted although the trial exists: it is finished (finished trials never reopen).
    throw trialFinishedError(row.number, row.state);
  }

  private async readOne(query: Query, trialId: number): Promise<FrozenTrial> {
    const trial = assembleTrials(await readTrials(query, TRIALS_BY_ID, [trialId]))[0];
    if (trial === undefined) throw this.noTrial(trialId);
    return trial;
  }

  private noStudy(studyId: number): NotFoundError {
    return new NotFoundError(`study id ${studyId} does not exist in ${this.url}`);
  }

  private noTrial(trialId: number): NotFoundError {
    return new NotFoundError(`trial id ${trialId} does not exist in ${this.url}`);
  }
}

function studyRecord(row: StudyRow): StudyRecord {
  const attrs = (pairs: [string, string | null][]) => {
    const record: Record<string, JsonValue> = {};
    for (const [key, json] of pairs) setKey(record, key, decodeJson(json));
    return record;
  };
  return {
    id: row.study_id,
    name: row.study_name,
    ...decodeDirections(row.directions ?? []),
    userAttrs: attrs(row.user_attrs),
    systemAttrs: attrs(row.system_attrs),
  };
}

/** A stored JSON count (absent before the first resume). */
function decodeCount(json: string | undefined): number | undefined {
  if (json === undefined) return undefined;
  const value: unknown = JSON.parse(json);
  return typeof value === 'number' ? value : undefined;
}
