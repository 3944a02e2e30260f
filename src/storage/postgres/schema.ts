import { StorageError } from '../../errors.js';
import { ALEMBIC_VERSION, LIBRARY_VERSION, SCHEMA_VERSION } from '../sqlite/schema.js';
import type { Query } from './connection.js';
import type { PgTarget } from './errors.js';
import { describeTarget } from './errors.js';

/**
 * Optuna 3.1's RDB layout on PostgreSQL (schema version 12, alembic v3.0.0.d), as
 * SQLAlchemy emits it there: native enum types for directions, states and value types,
 * SERIAL keys, the same constraint names (PostgreSQL derives them the same way), and the
 * unique index on study_name. `optuna.load_study(storage='postgresql://…')` opens a
 * sodate study, and sodate continues an Optuna one. Timestamps are `timestamp without
 * time zone`, holding UTC (as the SQLite store does).
 */

const TYPES = [
  `CREATE TYPE studydirection AS ENUM ('NOT_SET', 'MINIMIZE', 'MAXIMIZE')`,
  `CREATE TYPE trialstate AS ENUM ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING')`,
  `CREATE TYPE trialvaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG')`,
  `CREATE TYPE trialintermediatevaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG', 'NAN')`,
];

function attributeTable(table: string, idColumn: string, owner: string, ownerTable: string): string {
  return `CREATE TABLE ${table} (
	${idColumn} SERIAL NOT NULL,
	${owner} INTEGER,
	key VARCHAR(512),
	value_json TEXT,
	PRIMARY KEY (${idColumn}),
	UNIQUE (${owner}, key),
	FOREIGN KEY(${owner}) REFERENCES ${ownerTable} (${owner})
)`;
}

const TABLES = [
  `CREATE TABLE studies (
	study_id SERIAL NOT NULL,
	study_name VARCHAR(512) NOT NULL,
	PRIMARY KEY (study_id)
)`,
  `CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)`,
  `CREATE TABLE version_info (
	version_info_id INTEGER NOT NULL,
	schema_version INTEGER,
	library_version VARCHAR(256),
	PRIMARY KEY (version_info_id),
	CHECK (version_info_id=1)
)`,
  `CREATE TABLE study_directions (
	study_direction_id SERIAL NOT NULL,
	direction studydirection NOT NULL,
	study_id INTEGER NOT NULL,
	objective INTEGER NOT NULL,
	PRIMARY KEY (study_direction_id),
	UNIQUE (study_id, objective),
	FOREIGN KEY(study_id) REFERENCES studies (study_id)
)`,
  attributeTable('study_user_attributes', 'study_user_attribute_id', 'study_id', 'studies'),
  attributeTable('study_system_attributes', 'study_system_attribute_id', 'study_id', 'studies'),
  `CREATE TABLE trials (
	trial_id SERIAL NOT NULL,
	number INTEGER,
	study_id INTEGER,
	state trialstate NOT NULL,
	datetime_start TIMESTAMP WITHOUT TIME ZONE,
	datetime_complete TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (trial_id),
	FOREIGN KEY(study_id) REFERENCES studies (study_id)
)`,
  attributeTable('trial_user_attributes', 'trial_user_attribute_id', 'trial_id', 'trials'),
  attributeTable('trial_system_attributes', 'trial_system_attribute_id', 'trial_id', 'trials'),
  `CREATE TABLE trial_params (
	param_id SERIAL NOT NULL,
	trial_id INTEGER,
	param_name VARCHAR(512),
	param_value FLOAT,
	distribution_json TEXT,
	PRIMARY KEY (param_id),
	UNIQUE (trial_id, param_name),
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE trial_values (
	trial_value_id SERIAL NOT NULL,
	trial_id INTEGER NOT NULL,
	objective INTEGER NOT NULL,
	value FLOAT,
	value_type trialvaluetype NOT NULL,
	PRIMARY KEY (trial_value_id),
	UNIQUE (trial_id, objective),
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE trial_intermediate_values (
	trial_intermediate_value_id SERIAL NOT NULL,
	trial_id INTEGER NOT NULL,
	step INTEGER NOT NULL,
	intermediate_value FLOAT,
	intermediate_value_type trialintermediatevaluetype NOT NULL,
	PRIMARY KEY (trial_intermediate_value_id),
	UNIQUE (trial_id, step),
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE trial_heartbeats (
	trial_heartbeat_id SERIAL NOT NULL,
	trial_id INTEGER NOT NULL,
	heartbeat TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	PRIMARY KEY (trial_heartbeat_id),
	UNIQUE (trial_id),
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)`,
];

/** Tables sodate reads and writes; a database without one of them is not a study database. */
const REQUIRED_TABLES = [
  'studies',
  'version_info',
  'study_directions',
  'study_user_attributes',
  'study_system_attributes',
  'trials',
  'trial_user_attributes',
  'trial_system_attributes',
  'trial_params',
  'trial_values',
  'trial_intermediate_values',
  'trial_heartbeats',
];

/**
 * Indexes Optuna lacks that sodate's queries need (the next number and a study's trials in
 * order; counts per state and the WAITING queue). Optuna ignores them.
 */
export const EXTRA_INDEXES: Record<string, string> = {
  ix_trials_study_id_number: 'CREATE INDEX IF NOT EXISTS ix_trials_study_id_number ON trials (study_id, number)',
  ix_trials_study_id_state: 'CREATE INDEX IF NOT EXISTS ix_trials_study_id_state ON trials (study_id, state)',
};

/** Any constant: serialises schema creation between processes opening a new database at once. */
const SCHEMA_LOCK = 0x50d47e;

async function tableNames(query: Query): Promise<Set<string>> {
  const rows = (await query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")).rows;
  return new Set(rows.map((r) => r.name));
}

/**
 * Create the tables in an empty database (under an advisory lock, so several workers may
 * open it at once), or check that an existing one holds schema version 12. Adds sodate's
 * indexes where they are missing. Runs inside one transaction.
 */
export async function ensureSchema(query: Query, target: PgTarget): Promise<void> {
  await query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
  let tables = await tableNames(query);
  if (!tables.has('version_info') && !tables.has('studies')) {
    for (const ddl of [...TYPES, ...TABLES]) await query(ddl);
    await query('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, $1, $2)', [SCHEMA_VERSION, LIBRARY_VERSION]);
    await query('INSERT INTO alembic_version (version_num) VALUES ($1)', [ALEMBIC_VERSION]);
    tables = await tableNames(query);
  }
  await checkSchema(query, target, tables);
  const present = new Set(
    (await query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'trials'")).rows.map((r) => r.name),
  );
  for (const [name, ddl] of Object.entries(EXTRA_INDEXES)) if (!present.has(name)) await query(ddl);
}

async function checkSchema(query: Query, target: PgTarget, tables: Set<string>): Promise<void> {
  const where = describeTarget(target);
  if (!tables.has('version_info')) {
    throw new StorageError(
      `${where} holds tables but is not an Optuna or sodate study database (it has no version_info table); point the storage at a study database or at an empty one`,
      'SODATE_STORAGE_SCHEMA',
    );
  }
  const row = (await query<{ schema_version: number | null; library_version: string | null }>('SELECT schema_version, library_version FROM version_info WHERE version_info_id = 1')).rows[0];
  const version = row?.schema_version ?? null;
  if (version !== SCHEMA_VERSION) {
    const writer = row?.library_version ? ` (written by Optuna ${row.library_version})` : '';
    const fix =
      version !== null && version < SCHEMA_VERSION
        ? `upgrade it first with \`optuna storage upgrade --storage <its URL>\``
        : 'open it with the Optuna version that wrote it, or with a sodate release that reads that version';
    throw new StorageError(`${where} has study schema version ${version ?? 'none'}${writer}, but sodate reads version ${SCHEMA_VERSION} (Optuna 3.x); ${fix}`, 'SODATE_STORAGE_SCHEMA');
  }
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    throw new StorageError(`${where} lacks the tables ${missing.join(', ')}, so it is not a complete study database; point the storage at another database`, 'SODATE_STORAGE_SCHEMA');
  }
}
