import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StorageError } from '../../errors.js';
import { folderError, translateSqliteError } from './errors.js';

/**
 * The tables are Optuna's RDB layout at schema version 12 (Optuna 3.1, alembic revision
 * v3.0.0.d), byte for byte what Optuna itself emits on SQLite, so that
 * `optuna.load_study` opens a sodate study and sodate continues an Optuna one.
 */
export const SCHEMA_VERSION = 12;
export const LIBRARY_VERSION = '3.1.0';
export const ALEMBIC_VERSION = 'v3.0.0.d';

const TABLES = [
  `CREATE TABLE studies (
	study_id INTEGER NOT NULL, 
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
	study_direction_id INTEGER NOT NULL, 
	direction VARCHAR(8) NOT NULL, 
	study_id INTEGER NOT NULL, 
	objective INTEGER NOT NULL, 
	PRIMARY KEY (study_direction_id), 
	UNIQUE (study_id, objective), 
	FOREIGN KEY(study_id) REFERENCES studies (study_id)
)`,
  attributeTable('study_user_attributes', 'study_user_attribute_id', 'study_id', 'studies'),
  attributeTable('study_system_attributes', 'study_system_attribute_id', 'study_id', 'studies'),
  `CREATE TABLE trials (
	trial_id INTEGER NOT NULL, 
	number INTEGER, 
	study_id INTEGER, 
	state VARCHAR(8) NOT NULL, 
	datetime_start DATETIME, 
	datetime_complete DATETIME, 
	PRIMARY KEY (trial_id), 
	FOREIGN KEY(study_id) REFERENCES studies (study_id)
)`,
  attributeTable('trial_user_attributes', 'trial_user_attribute_id', 'trial_id', 'trials'),
  attributeTable('trial_system_attributes', 'trial_system_attribute_id', 'trial_id', 'trials'),
  `CREATE TABLE trial_params (
	param_id INTEGER NOT NULL, 
	trial_id INTEGER, 
	param_name VARCHAR(512), 
	param_value FLOAT, 
	distribution_json TEXT, 
	PRIMARY KEY (param_id), 
	UNIQUE (trial_id, param_name), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE trial_values (
	trial_value_id INTEGER NOT NULL, 
	trial_id INTEGER NOT NULL, 
	objective INTEGER NOT NULL, 
	value FLOAT, 
	value_type VARCHAR(7) NOT NULL, 
	PRIMARY KEY (trial_value_id), 
	UNIQUE (trial_id, objective), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE trial_intermediate_values (
	trial_intermediate_value_id INTEGER NOT NULL, 
	trial_id INTEGER NOT NULL, 
	step INTEGER NOT NULL, 
	intermediate_value FLOAT, 
	intermediate_value_type VARCHAR(7) NOT NULL, 
	PRIMARY KEY (trial_intermediate_value_id), 
	UNIQUE (trial_id, step), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
  `CREATE TABLE trial_heartbeats (
	trial_heartbeat_id INTEGER NOT NULL, 
	trial_id INTEGER NOT NULL, 
	heartbeat DATETIME NOT NULL, 
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
 * Indexes Optuna lacks that sodate's queries need: the next number and a study's trials in
 * order; counts per state and the budget check without reading every trial.
 * Optuna ignores extra indexes, so they are added to Optuna's databases too.
 */
const EXTRA_INDEXES: Record<string, string> = {
  ix_trials_study_id_number: 'CREATE INDEX ix_trials_study_id_number ON trials (study_id, number)',
  ix_trials_study_id_state: 'CREATE INDEX ix_trials_study_id_state ON trials (study_id, state)',
};

function attributeTable(table: string, idColumn: string, owner: string, ownerTable: string): string {
  return `CREATE TABLE ${table} (
	${idColumn} INTEGER NOT NULL, 
	${owner} INTEGER, 
	"key" VARCHAR(512), 
	value_json TEXT, 
	PRIMARY KEY (${idColumn}), 
	UNIQUE (${owner}, "key"), 
	FOREIGN KEY(${owner}) REFERENCES ${ownerTable} (${owner})
)`;
}

export interface OpenOptions {
  /** How long a write waits for another process's transaction, in ms. Default 10 000. */
  readonly busyTimeoutMs: number;
}

/**
 * Open (creating when new) a study database: its folder, WAL journal, busy timeout,
 * synchronous=NORMAL, foreign keys, then the schema check. Failures are one-line
 * StorageErrors naming the file.
 */
export function openDatabase(file: string, options: OpenOptions): Database.Database {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) {
    const folder = dirname(resolve(file));
    try {
      mkdirSync(folder, { recursive: true });
    } catch (error) {
      throw folderError(error, file, folder);
    }
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new StorageError(`${file} is a folder; give the path of a database file, e.g. ${file.replace(/\/+$/, '')}/study.db`, 'SODATE_STORAGE_OPEN');
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs });
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs))}`);
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    ensureSchema(db, file);
    return db;
  } catch (error) {
    db?.close();
    throw translateSqliteError(error, file, options.busyTimeoutMs);
  }
}

function tableNames(db: Database.Database): Set<string> {
  return new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
}

function indexNames(db: Database.Database): Set<string> {
  return new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
}

/** Create the tables in a new file, or check that an existing file holds schema version 12. */
export function ensureSchema(db: Database.Database, file: string): void {
  if (tableNames(db).size === 0) {
    // Several processes may open a new file at once: the first to take the write lock creates.
    db.transaction(() => {
      if (tableNames(db).size !== 0) return;
      for (const ddl of TABLES) db.exec(ddl);
      db.prepare('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)').run(SCHEMA_VERSION, LIBRARY_VERSION);
      db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(ALEMBIC_VERSION);
      for (const ddl of Object.values(EXTRA_INDEXES)) db.exec(ddl);
    }).immediate();
  }
  checkSchema(db, file);
  const indexes = indexNames(db);
  const missing = Object.entries(EXTRA_INDEXES).filter(([name]) => !indexes.has(name));
  if (missing.length > 0) {
    try {
      db.transaction(() => {
        for (const [name, ddl] of missing) db.exec(ddl.replace(`INDEX ${name}`, `INDEX IF NOT EXISTS ${name}`));
      }).immediate();
    } catch (error) {
      // A read-only file is still readable; its writes fail later with their own message.
      if (!String((error as { code?: unknown }).code).startsWith('SQLITE_READONLY')) throw error;
    }
  }
}

function checkSchema(db: Database.Database, file: string): void {
  const tables = tableNames(db);
  if (!tables.has('version_info')) {
    throw new StorageError(
      `${file} is a SQLite database but not an Optuna or sodate study database (it has no version_info table); point the storage at a study database or at a new file`,
      'SODATE_STORAGE_SCHEMA',
    );
  }
  const row = db.prepare('SELECT schema_version, library_version FROM version_info WHERE version_info_id = 1').get() as
    | { schema_version: number | null; library_version: string | null }
    | undefined;
  const version = row?.schema_version ?? null;
  if (version !== SCHEMA_VERSION) {
    const writer = row?.library_version ? ` (written by Optuna ${row.library_version})` : '';
    const fix =
      version !== null && version < SCHEMA_VERSION
        ? `upgrade it first with \`optuna storage upgrade --storage sqlite:///${resolve(file)}\``
        : 'open it with the Optuna version that wrote it, or with a sodate release that reads that version';
    throw new StorageError(
      `${file} has study schema version ${version ?? 'none'}${writer}, but sodate reads version ${SCHEMA_VERSION} (Optuna 3.x); ${fix}`,
      'SODATE_STORAGE_SCHEMA',
    );
  }
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    throw new StorageError(
      `${file} lacks the tables ${missing.join(', ')}, so it is not a complete study database; point the storage at another file`,
      'SODATE_STORAGE_SCHEMA',
    );
  }
}
