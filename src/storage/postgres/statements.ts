import type { AttrRow, IntermediateRow, ParamRow, TrialRow, TrialRows, ValueRow } from '../sqlite/rows.js';
import type { QueryConfig } from 'pg';
import { NOT_A_RERUN_SQL, constrainedSql } from '../shared.js';
import type { Query } from './connection.js';

/**
 * The SQL of the PostgreSQL store. Reads of whole trials are one statement (so one round
 * trip and one snapshot, without a transaction): the rows of all six trial tables in one
 * UNION ALL, tagged by table, which `readTrials` splits back into `TrialRows`.
 */

const STAMP = `'YYYY-MM-DD HH24:MI:SS.US'`;

/** Columns: tag, trial_id, order key, int, float, text a, text b, text c. */
function trialUnion(where: string): string {
  return `WITH sel AS (SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials WHERE ${where})
SELECT 0 AS k, trial_id, number AS o, number AS i, NULL::float8 AS f, state::text AS a,
       to_char(datetime_start, ${STAMP}) AS b, to_char(datetime_complete, ${STAMP}) AS c FROM sel
UNION ALL SELECT 1, p.trial_id, p.param_id, NULL, p.param_value, p.param_name, p.distribution_json, NULL
  FROM trial_params p JOIN sel USING (trial_id)
UNION ALL SELECT 2, v.trial_id, v.objective, v.objective, v.value, v.value_type::text, NULL, NULL
  FROM trial_values v JOIN sel USING (trial_id)
UNION ALL SELECT 3, iv.trial_id, iv.trial_intermediate_value_id, iv.step, iv.intermediate_value, iv.intermediate_value_type::text, NULL, NULL
  FROM trial_intermediate_values iv JOIN sel USING (trial_id)
UNION ALL SELECT 4, u.trial_id, u.trial_user_attribute_id, NULL, NULL, u.key, u.value_json, NULL
  FROM trial_user_attributes u JOIN sel USING (trial_id)
UNION ALL SELECT 5, s.trial_id, s.trial_system_attribute_id, NULL, NULL, s.key, s.value_json, NULL
  FROM trial_system_attributes s JOIN sel USING (trial_id)
ORDER BY 1, 3, 2`;
}

export const TRIALS_BY_ID = trialUnion('trial_id = $1');
export const TRIALS_BY_IDS = trialUnion('trial_id = ANY($1::int[])');
/**
 * A study's trials after the cursor's id, and its open ones again. Ids grow in commit
 * order within a study (see createTrial), so "every id up to lastTrialId was seen" holds.
 */
export const TRIALS_SINCE = trialUnion('study_id = $1 AND (trial_id > $2 OR trial_id = ANY($3::int[]))');

type UnionRow = [number, number, number, number | null, number | null, string | null, string | null, string | null];

/** Run one of the trial reads above and split its rows by table. */
export async function readTrials(query: Query, sql: string, params: unknown[]): Promise<TrialRows> {
  const config = { text: sql, values: params, rowMode: 'array' } as QueryConfig;
  const rows = (await query(config)).rows as unknown as UnionRow[];
  const out: TrialRows = { trials: [], params: [], values: [], intermediates: [], userAttrs: [], systemAttrs: [] };
  for (const [k, id, , i, f, a, b, c] of rows) {
    switch (k) {
      case 0:
        out.trials.push([id, i as number, a as string, b, c] satisfies TrialRow);
        break;
      case 1:
        out.params.push([id, a as string, f, b as string] satisfies ParamRow);
        break;
      case 2:
        out.values.push([id, i as number, f, a as string] satisfies ValueRow);
        break;
      case 3:
        out.intermediates.push([id, i as number, f, a as string] satisfies IntermediateRow);
        break;
      case 4:
        out.userAttrs.push([id, a as string, b] satisfies AttrRow);
        break;
      default:
        out.systemAttrs.push([id, a as string, b] satisfies AttrRow);
    }
  }
  return out;
}

/** A study with its directions in objective order and its attributes as [key, value_json] pairs. */
const STUDY_COLUMNS = `s.study_id, s.study_name,
  (SELECT json_agg(d.direction::text ORDER BY d.objective) FROM study_directions d WHERE d.study_id = s.study_id) AS directions,
  (SELECT COALESCE(json_agg(json_build_array(a.key, a.value_json) ORDER BY a.study_user_attribute_id), '[]'::json)
     FROM study_user_attributes a WHERE a.study_id = s.study_id) AS user_attrs,
  (SELECT COALESCE(json_agg(json_build_array(a.key, a.value_json) ORDER BY a.study_system_attribute_id), '[]'::json)
     FROM study_system_attributes a WHERE a.study_id = s.study_id) AS system_attrs`;

export interface StudyRow {
  study_id: number;
  study_name: string;
  directions: string[] | null;
  user_attrs: [string, string | null][];
  system_attrs: [string, string | null][];
}

export interface StudySummaryRow extends StudyRow {
  counts: Record<string, number> | null;
  start: string | null;
  low: number | null;
  high: number | null;
  constrained: boolean;
}

const BEST = (fn: 'MIN' | 'MAX') => `(SELECT ${fn}(CASE v.value_type WHEN 'INF_POS' THEN 'Infinity'::float8 WHEN 'INF_NEG' THEN '-Infinity'::float8 ELSE v.value END)
     FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0
     WHERE t.study_id = s.study_id AND t.state = 'COMPLETE' AND ${NOT_A_RERUN_SQL})`;

export const SQL = {
  studyByName: `SELECT ${STUDY_COLUMNS} FROM studies s WHERE s.study_name = $1`,
  studyById: `SELECT ${STUDY_COLUMNS} FROM studies s WHERE s.study_id = $1`,
  allStudies: `SELECT ${STUDY_COLUMNS},
  (SELECT json_object_agg(c.state, c.n) FROM (SELECT t.state::text AS state, COUNT(*) AS n FROM trials t WHERE t.study_id = s.study_id GROUP BY t.state) c) AS counts,
  (SELECT to_char(MIN(t.datetime_start), ${STAMP}) FROM trials t WHERE t.study_id = s.study_id) AS start,
  ${BEST('MIN')} AS low,
  ${BEST('MAX')} AS high,
  ${constrainedSql('s.study_id')} AS constrained
FROM studies s ORDER BY s.study_id`,
  studyExists: 'SELECT 1 FROM studies WHERE study_id = $1',
  /** The study's row lock: trial numbers and budgets are decided under it. */
  lockStudy: 'SELECT study_id FROM studies WHERE study_id = $1 FOR NO KEY UPDATE',
  insertStudy: 'INSERT INTO studies (study_name) VALUES ($1) RETURNING study_id',
  insertDirection: 'INSERT INTO study_directions (direction, study_id, objective) VALUES ($1, $2, $3)',
  upsertStudyAttrs: (table: 'study_user_attributes' | 'study_system_attributes') =>
    `INSERT INTO ${table} (study_id, key, value_json) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)
     WHERE EXISTS (SELECT 1 FROM studies WHERE study_id = $1)
     ON CONFLICT (study_id, key) DO UPDATE SET value_json = excluded.value_json`,
  deleteStudy: [
    ...['trial_params', 'trial_values', 'trial_intermediate_values', 'trial_user_attributes', 'trial_system_attributes', 'trial_heartbeats'].map(
      (t) => `DELETE FROM ${t} WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = $1)`,
    ),
    ...['trials', 'study_user_attributes', 'study_system_attributes', 'study_directions', 'studies'].map((t) => `DELETE FROM ${t} WHERE study_id = $1`),
  ],

  /** The next number and the WAITING count: the budget is next - waiting (numbers are dense). */
  numbering: `SELECT (SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = $1) AS next,
  (SELECT COUNT(*) FROM trials WHERE study_id = $1 AND state = 'WAITING') AS waiting`,
  /** A trial with its params and attributes in one statement. */
  insertTrial: `WITH t AS (
    INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES ($1, $2, $3, $4, NULL) RETURNING trial_id),
  p AS (INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
    SELECT t.trial_id, x.n, x.v, x.d FROM t, unnest($5::text[], $6::float8[], $7::text[]) WITH ORDINALITY AS x(n, v, d, o) ORDER BY x.o),
  u AS (INSERT INTO trial_user_attributes (trial_id, key, value_json)
    SELECT t.trial_id, x.k, x.v FROM t, unnest($8::text[], $9::text[]) WITH ORDINALITY AS x(k, v, o) ORDER BY x.o),
  s AS (INSERT INTO trial_system_attributes (trial_id, key, value_json)
    SELECT t.trial_id, x.k, x.v FROM t, unnest($10::text[], $11::text[]) WITH ORDINALITY AS x(k, v, o) ORDER BY x.o)
  SELECT trial_id FROM t`,
  /** Whether the study exists, and whether it has WAITING trials: a claim with none to claim writes nothing. */
  waitingExists: `SELECT EXISTS (SELECT 1 FROM trials WHERE study_id = $1 AND state = 'WAITING') AS waiting FROM studies WHERE study_id = $1`,
  /** The oldest WAITING trial, skipping any another worker is claiming right now. */
  claimWaiting: `UPDATE trials SET state = 'RUNNING', datetime_start = $2 WHERE trial_id = (
    SELECT trial_id FROM trials WHERE study_id = $1 AND state = 'WAITING' ORDER BY number, trial_id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING trial_id`,
  trialState: 'SELECT number, state::text AS state FROM trials WHERE trial_id = $1',
  /**
   * Writes on an open trial insert only while it is RUNNING or WAITING; FOR SHARE holds
   * off a concurrent finish until the write commits. No row: not found, or finished.
   */
  upsertParam: `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
    SELECT trial_id, $2, $3, $4 FROM trials WHERE trial_id = $1 AND state IN ('RUNNING', 'WAITING') FOR SHARE
    ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json`,
  upsertIntermediate: `INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
    SELECT trial_id, $2, $3, $4::trialintermediatevaluetype FROM trials WHERE trial_id = $1 AND state IN ('RUNNING', 'WAITING') FOR SHARE
    ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type`,
  /** Heartbeats use the server's clock, so machines with skewed clocks judge staleness alike. */
  upsertHeartbeat: `INSERT INTO trial_heartbeats (trial_id, heartbeat)
    SELECT trial_id, LOCALTIMESTAMP FROM trials WHERE trial_id = $1 AND state IN ('RUNNING', 'WAITING') FOR SHARE
    ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat`,
  upsertTrialAttrs: (table: 'trial_user_attributes' | 'trial_system_attributes') =>
    `INSERT INTO ${table} (trial_id, key, value_json) SELECT trial_id, k, v FROM trials, unnest($2::text[], $3::text[]) AS x(k, v) WHERE trial_id = $1
     ON CONFLICT (trial_id, key) DO UPDATE SET value_json = excluded.value_json`,
  /** Finish an open trial and store its values; 0 rows when it was not open. */
  finishTrial: `WITH up AS (
    UPDATE trials SET state = $2::trialstate, datetime_complete = $3, datetime_start = COALESCE(datetime_start, $3)
    WHERE trial_id = $1 AND state IN ('RUNNING', 'WAITING') RETURNING trial_id),
  ins AS (INSERT INTO trial_values (trial_id, objective, value, value_type)
    SELECT up.trial_id, (x.o - 1)::int, x.v, x.t::trialvaluetype FROM up, unnest($4::float8[], $5::text[]) WITH ORDINALITY AS x(v, t, o))
  SELECT trial_id FROM up`,
  /** Reopen a paused trial ($2: the paused attribute's key, $3: true as stored JSON, $4: false); 0 rows when it is not paused. */
  resumePaused: `WITH up AS (
    UPDATE trials SET state = 'RUNNING', datetime_complete = NULL
    WHERE trial_id = $1 AND state = 'PRUNED'
      AND EXISTS (SELECT 1 FROM trial_system_attributes a WHERE a.trial_id = $1 AND a.key = $2 AND a.value_json = $3)
    RETURNING trial_id),
  gone AS (DELETE FROM trial_values WHERE trial_id IN (SELECT trial_id FROM up)),
  mark AS (UPDATE trial_system_attributes SET value_json = $4 WHERE trial_id IN (SELECT trial_id FROM up) AND key = $2),
  beat AS (INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial_id, LOCALTIMESTAMP FROM up
    ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat)
  SELECT trial_id FROM up`,
  studySystemAttr: 'SELECT value_json FROM study_system_attributes WHERE study_id = $1 AND key = $2',
  /** Add one to the resume count (key $2) of the study of trial $1. */
  bumpResumeCount: `INSERT INTO study_system_attributes (study_id, key, value_json) SELECT study_id, $2, '1' FROM trials WHERE trial_id = $1
    ON CONFLICT (study_id, key) DO UPDATE SET value_json = (study_system_attributes.value_json::int + 1)::text`,
  /** Delete a resumed trial's reports at steps $2 and its system attributes $3 (their vectors). */
  deleteReportsAfter: `WITH steps AS (DELETE FROM trial_intermediate_values WHERE trial_id = $1 AND step = ANY($2::int[]))
  DELETE FROM trial_system_attributes WHERE trial_id = $1 AND key = ANY($3::text[])`,
  /**
   * RUNNING trials whose last heartbeat (server clock) is older than $2 seconds, failed at
   * $3; a resumed one ($6: the paused attribute's key, $7: false as stored JSON) is paused
   * again ($8: true) instead, and not returned.
   */
  failStale: `WITH stale AS (
    SELECT t.trial_id, EXISTS (SELECT 1 FROM trial_system_attributes a WHERE a.trial_id = t.trial_id AND a.key = $6 AND a.value_json = $7) AS resumed
    FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id
    WHERE t.study_id = $1 AND t.state = 'RUNNING' AND h.heartbeat < LOCALTIMESTAMP - make_interval(secs => $2)
    FOR UPDATE OF t SKIP LOCKED),
  up AS (UPDATE trials SET state = CASE WHEN s.resumed THEN 'PRUNED'::trialstate ELSE 'FAIL'::trialstate END,
      datetime_complete = $3, datetime_start = COALESCE(datetime_start, $3)
    FROM stale s WHERE trials.trial_id = s.trial_id RETURNING trials.trial_id, s.resumed),
  reason AS (INSERT INTO trial_system_attributes (trial_id, key, value_json) SELECT trial_id, $4, $5 FROM up WHERE NOT resumed
    ON CONFLICT (trial_id, key) DO UPDATE SET value_json = excluded.value_json),
  repause AS (UPDATE trial_system_attributes SET value_json = $8 WHERE key = $6 AND trial_id IN (SELECT trial_id FROM up WHERE resumed))
  SELECT trial_id FROM up WHERE NOT resumed`,
  /** One row per such trial, or one row of null for a study without any; none for an unknown study. */
  runningWithoutHeartbeat: `SELECT t.number FROM studies s LEFT JOIN trials t ON t.study_id = s.study_id AND t.state = 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM trial_heartbeats h WHERE h.trial_id = t.trial_id)
    WHERE s.study_id = $1 ORDER BY t.number`,
  stateCounts: `SELECT t.state::text AS state, COUNT(t.trial_id) AS n FROM studies s LEFT JOIN trials t ON t.study_id = s.study_id
    WHERE s.study_id = $1 GROUP BY t.state`,
};
