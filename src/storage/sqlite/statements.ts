import type Database from 'better-sqlite3';
import type { AttrRow, IntermediateRow, ParamRow, TrialRow, TrialRows, ValueRow } from './rows.js';
import { NOT_A_RERUN_SQL, constrainedSql } from '../shared.js';

export type Statement = Database.Statement;

/** Reads every table of a set of trials with one query per table, whatever their number. */
export interface TrialReader<P> {
  read(params: P): TrialRows;
}

const TRIAL_COLUMNS = 'trial_id, number, state, datetime_start, datetime_complete';

/**
 * A reader of the trials matching `where`, a condition on `trial_id` (with named
 * parameters) that every table shares; each child table is then one query on its
 * UNIQUE (trial_id, …) index. `childWhere` overrides it for the child tables.
 */
function trialReader<P extends object>(db: Database.Database, where: string, childWhere?: string): TrialReader<P> {
  const children = childWhere ?? where;
  const trials = db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE ${where} ORDER BY number, trial_id`);
  const params = db.prepare(
    `SELECT trial_id, param_name, param_value, distribution_json FROM trial_params WHERE ${children} ORDER BY param_id`,
  );
  const values = db.prepare(`SELECT trial_id, objective, value, value_type FROM trial_values WHERE ${children} ORDER BY objective`);
  const intermediates = db.prepare(
    `SELECT trial_id, step, intermediate_value, intermediate_value_type FROM trial_intermediate_values WHERE ${children} ORDER BY trial_intermediate_value_id`,
  );
  const userAttrs = db.prepare(`SELECT trial_id, "key", value_json FROM trial_user_attributes WHERE ${children} ORDER BY trial_user_attribute_id`);
  const systemAttrs = db.prepare(
    `SELECT trial_id, "key", value_json FROM trial_system_attributes WHERE ${children} ORDER BY trial_system_attribute_id`,
  );
  for (const statement of [trials, params, values, intermediates, userAttrs, systemAttrs]) statement.raw(true);
  return {
    read(p: P): TrialRows {
      const rows = trials.all(p) as TrialRow[];
      if (rows.length === 0) return { trials: rows, params: [], values: [], intermediates: [], userAttrs: [], systemAttrs: [] };
      return {
        trials: rows,
        params: params.all(p) as ParamRow[],
        values: values.all(p) as ValueRow[],
        intermediates: intermediates.all(p) as IntermediateRow[],
        userAttrs: userAttrs.all(p) as AttrRow[],
        systemAttrs: systemAttrs.all(p) as AttrRow[],
      };
    },
  };
}

function attrUpsert(db: Database.Database, table: string, owner: string): Statement {
  return db.prepare(
    `INSERT INTO ${table} (${owner}, "key", value_json) VALUES (?, ?, ?) ON CONFLICT (${owner}, "key") DO UPDATE SET value_json = excluded.value_json`,
  );
}

/** Every statement the store runs, prepared once per connection. @internal */
export function prepareStatements(db: Database.Database) {
  return {
    // studies
    studyById: db.prepare('SELECT study_id, study_name FROM studies WHERE study_id = ?'),
    studyByName: db.prepare('SELECT study_id, study_name FROM studies WHERE study_name = ?'),
    allStudies: db.prepare('SELECT study_id, study_name FROM studies ORDER BY study_id'),
    insertStudy: db.prepare('INSERT INTO studies (study_name) VALUES (?)'),
    insertDirection: db.prepare('INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)'),
    directions: db.prepare('SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective').pluck(),
    allDirections: db.prepare('SELECT study_id, direction FROM study_directions ORDER BY study_id, objective'),
    studyUserAttrs: db.prepare('SELECT "key", value_json FROM study_user_attributes WHERE study_id = ? ORDER BY study_user_attribute_id'),
    studySystemAttrs: db.prepare('SELECT "key", value_json FROM study_system_attributes WHERE study_id = ? ORDER BY study_system_attribute_id'),
    allStudyUserAttrs: db.prepare('SELECT study_id, "key", value_json FROM study_user_attributes ORDER BY study_user_attribute_id'),
    allStudySystemAttrs: db.prepare('SELECT study_id, "key", value_json FROM study_system_attributes ORDER BY study_system_attribute_id'),
    upsertStudyUserAttr: attrUpsert(db, 'study_user_attributes', 'study_id'),
    upsertStudySystemAttr: attrUpsert(db, 'study_system_attributes', 'study_id'),
    studySystemAttr: db.prepare('SELECT value_json FROM study_system_attributes WHERE study_id = ? AND "key" = ?').pluck(),
    /** Add one to the resume count (key ?) of the study of trial ?. */
    bumpResumeCount: db.prepare(
      `INSERT INTO study_system_attributes (study_id, "key", value_json) SELECT study_id, ?, '1' FROM trials WHERE trial_id = ? AND true
       ON CONFLICT (study_id, "key") DO UPDATE SET value_json = CAST(CAST(study_system_attributes.value_json AS INTEGER) + 1 AS TEXT)`,
    ),
    /** Per study and state: count and earliest start. */
    stateSummaries: db.prepare('SELECT study_id, state, COUNT(*) AS n, MIN(datetime_start) AS start FROM trials GROUP BY study_id, state'),
    /** Per study: lowest and highest first objective of COMPLETE tuning trials (not re-runs by confirm or ablate); NaN (NULL 'FINITE') is skipped. */
    bestValues: db.prepare(
      `SELECT t.study_id AS study_id,
         MIN(CASE v.value_type WHEN 'INF_POS' THEN 9e999 WHEN 'INF_NEG' THEN -9e999 ELSE v.value END) AS low,
         MAX(CASE v.value_type WHEN 'INF_POS' THEN 9e999 WHEN 'INF_NEG' THEN -9e999 ELSE v.value END) AS high
       FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0
       WHERE t.state = 'COMPLETE' AND ${NOT_A_RERUN_SQL} GROUP BY t.study_id`,
    ),
    /** Studies some trial of which carries constraint values. */
    constrainedStudies: db.prepare(`SELECT s.study_id AS study_id FROM studies s WHERE ${constrainedSql('s.study_id')}`).pluck(),
    deleteStudy: [
      'trial_params',
      'trial_values',
      'trial_intermediate_values',
      'trial_user_attributes',
      'trial_system_attributes',
      'trial_heartbeats',
    ]
      .map((t) => db.prepare(`DELETE FROM ${t} WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)`))
      .concat(
        ['trials', 'study_user_attributes', 'study_system_attributes', 'study_directions', 'studies'].map((t) =>
          db.prepare(`DELETE FROM ${t} WHERE study_id = ?`),
        ),
      ),

    // trials
    nextNumber: db.prepare('SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?').pluck(),
    /**
     * Trials that count toward a budget (all but WAITING). Numbers are dense (0..n-1, both
     * here and in Optuna, and trials are never deleted one by one), so this is the next
     * number minus the WAITING ones: two index lookups instead of a scan of the study.
     */
    budgetCount: db
      .prepare(
        `SELECT (SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = @study)
              - (SELECT COUNT(*) FROM trials WHERE study_id = @study AND state = 'WAITING')`,
      )
      .pluck(),
    stateCounts: db.prepare('SELECT state, COUNT(*) AS n FROM trials WHERE study_id = ? GROUP BY state'),
    insertTrial: db.prepare('INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, ?, ?, NULL)'),
    trialState: db.prepare('SELECT number, state FROM trials WHERE trial_id = ?'),
    oldestWaiting: db.prepare("SELECT trial_id FROM trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number, trial_id LIMIT 1").pluck(),
    startTrial: db.prepare("UPDATE trials SET state = 'RUNNING', datetime_start = ? WHERE trial_id = ?"),
    finishTrial: db.prepare('UPDATE trials SET state = ?, datetime_complete = ?, datetime_start = COALESCE(datetime_start, ?) WHERE trial_id = ?'),
    reopenTrial: db.prepare("UPDATE trials SET state = 'RUNNING', datetime_complete = NULL WHERE trial_id = ?"),
    deleteValues: db.prepare('DELETE FROM trial_values WHERE trial_id = ?'),
    deleteIntermediate: db.prepare('DELETE FROM trial_intermediate_values WHERE trial_id = ? AND step = ?'),
    deleteTrialSystemAttr: db.prepare('DELETE FROM trial_system_attributes WHERE trial_id = ? AND key = ?'),
    insertValue: db.prepare('INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)'),
    upsertParam: db.prepare(
      `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)
       ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json`,
    ),
    upsertIntermediate: db.prepare(
      `INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)
       ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type`,
    ),
    upsertTrialUserAttr: attrUpsert(db, 'trial_user_attributes', 'trial_id'),
    upsertTrialSystemAttr: attrUpsert(db, 'trial_system_attributes', 'trial_id'),
    upsertHeartbeat: db.prepare(
      'INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, ?) ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat',
    ),
    runningWithoutHeartbeat: db.prepare(
      `SELECT t.number FROM trials t LEFT JOIN trial_heartbeats h ON h.trial_id = t.trial_id
       WHERE t.study_id = ? AND t.state = 'RUNNING' AND h.trial_id IS NULL ORDER BY t.number`,
    ).pluck(),
    staleTrials: db.prepare(
      `SELECT t.trial_id FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id
       WHERE t.study_id = ? AND t.state = 'RUNNING' AND h.heartbeat < ? ORDER BY t.number`,
    ).pluck(),

    // whole trials
    readOne: trialReader<{ id: number }>(db, 'trial_id = @id'),
    readIds: trialReader<{ ids: string }>(db, 'trial_id IN (SELECT value FROM json_each(@ids))'),
    // Trials after the cursor come from a rowid range (`+study_id` keeps the planner off the
    // study index, which would scan the whole study), open ones by id.
    readSince: trialReader<{ study: number; after: number; open: string }>(
      db,
      `trial_id IN (SELECT trial_id FROM trials WHERE trial_id > @after AND +study_id = @study
         UNION ALL SELECT trial_id FROM trials
         WHERE trial_id IN (SELECT value FROM json_each(@open)) AND trial_id <= @after AND +study_id = @study)`,
    ),
  };
}

/** @internal */
export type Statements = ReturnType<typeof prepareStatements>;
