import type { SqliteDatabase } from './driver.js'
import { SchemaVersionError, supportedVersion, type MigrateResult, type Migration } from '@timon/sql-common'
import { pragma } from './open-database.js'

/**
 * The schema, as an ordered record of migrations. Instants are INTEGER epoch milliseconds (UTC),
 * durations INTEGER milliseconds, booleans 0/1 (docs/behaviour.md#storage). Foreign keys cascade so that
 * nothing is left orphaned; partial indexes keep the deadline and outbox queries proportional to
 * what is due.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE contracts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('probe', 'job')),
        stale_after INTEGER,
        stale_incident_after INTEGER,
        overtime_incident_after INTEGER,
        overlap_incident INTEGER NOT NULL CHECK (overlap_incident IN (0, 1)),
        is_stale INTEGER NOT NULL DEFAULT 0 CHECK (is_stale IN (0, 1)),
        stale_at INTEGER,
        stale_incident_at INTEGER,
        last_report_id INTEGER REFERENCES reports (id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      -- status order: probes then jobs, each by code
      CREATE INDEX contracts_kind_code ON contracts (kind, code);
      CREATE INDEX contracts_stale_at ON contracts (stale_at) WHERE stale_at IS NOT NULL;
      CREATE INDEX contracts_stale_incident_at ON contracts (stale_incident_at) WHERE stale_incident_at IS NOT NULL;
      CREATE INDEX contracts_last_report_id ON contracts (last_report_id);

      CREATE TABLE reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('sample', 'run')),
        uid TEXT NOT NULL,
        health TEXT NOT NULL CHECK (health IN ('healthy', 'warning', 'critical', 'unknown')),
        pushed_at INTEGER,
        comment TEXT,
        started_at INTEGER,
        start_comment TEXT,
        ended_at INTEGER,
        end_comment TEXT,
        overtime_at INTEGER,
        exit_code INTEGER,
        exit_signal TEXT,
        log_path TEXT,
        skipped INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
        stale_after INTEGER,
        stale_incident_after INTEGER,
        overtime_incident_after INTEGER,
        overlap_incident INTEGER NOT NULL CHECK (overlap_incident IN (0, 1)),
        CHECK ((kind = 'sample') = (pushed_at IS NOT NULL)),
        CHECK ((kind = 'run') = (started_at IS NOT NULL)),
        UNIQUE (contract_id, uid)
      ) STRICT;
      -- (contract_id, rowid): latest report, newest-first paging, cascades
      CREATE INDEX reports_contract_id ON reports (contract_id);
      CREATE INDEX reports_unfinished_runs ON reports (contract_id) WHERE kind = 'run' AND ended_at IS NULL;
      CREATE INDEX reports_overtime_at ON reports (overtime_at)
        WHERE ended_at IS NULL AND overtime_at IS NOT NULL;

      CREATE TABLE steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        health TEXT NOT NULL CHECK (health IN ('healthy', 'warning', 'critical')),
        at INTEGER NOT NULL,
        detail TEXT
      ) STRICT;
      CREATE INDEX steps_report_id ON steps (report_id);

      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL CHECK (state IN ('open', 'recovered', 'relapsed', 'resolved')),
        trigger_type TEXT NOT NULL
          CHECK (trigger_type IN ('manual', 'critical', 'stale', 'job_overtime', 'job_overlap')),
        title TEXT NOT NULL,
        description TEXT,
        contract_id INTEGER REFERENCES contracts (id) ON DELETE CASCADE,
        opened_at INTEGER NOT NULL,
        recovered_at INTEGER,
        relapsed_at INTEGER,
        resolved_at INTEGER
      ) STRICT;
      CREATE INDEX incidents_contract_id ON incidents (contract_id);
      -- at most one non-resolved incident per (contract, trigger), so concurrent pushes cannot open two (docs/behaviour.md#one-open-incident-per-trigger)
      CREATE UNIQUE INDEX incidents_one_active ON incidents (contract_id, trigger_type)
        WHERE state <> 'resolved' AND contract_id IS NOT NULL;
      CREATE INDEX incidents_active ON incidents (id) WHERE state <> 'resolved';

      CREATE TABLE incident_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        type TEXT NOT NULL CHECK (type IN ('opened', 'recovered', 'relapsed', 'resolved', 'annotation')),
        report_id INTEGER REFERENCES reports (id) ON DELETE SET NULL,
        note TEXT NOT NULL,
        is_system INTEGER NOT NULL CHECK (is_system IN (0, 1)),
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX incident_events_incident_id ON incident_events (incident_id);
      CREATE INDEX incident_events_report_id ON incident_events (report_id);

      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL UNIQUE,
        target TEXT NOT NULL,
        event TEXT NOT NULL,
        ordering_key TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      ) STRICT;
      -- status leads so that the planner prefers it to deliveries_status for pending deliveries
      CREATE INDEX deliveries_pending_due ON deliveries (status, next_attempt_at) WHERE status = 'pending';
      CREATE INDEX deliveries_pending_order ON deliveries (target, ordering_key, id)
        WHERE status = 'pending' AND ordering_key IS NOT NULL;
      -- (status, rowid): listing one status newest first, counting by status
      CREATE INDEX deliveries_status ON deliveries (status);
    `,
  },
  {
    version: 2,
    name: 'schedules, missed and short incidents',
    // docs/behaviour.md#schedules. The trigger vocabulary is a CHECK, so incidents is rebuilt.
    sql: `
      ALTER TABLE contracts ADD COLUMN schedule TEXT;
      ALTER TABLE contracts ADD COLUMN tz TEXT;
      ALTER TABLE contracts ADD COLUMN grace INTEGER;
      ALTER TABLE contracts ADD COLUMN min_runtime INTEGER;
      ALTER TABLE contracts ADD COLUMN expected_at INTEGER;
      ALTER TABLE contracts ADD COLUMN missed_at INTEGER;
      CREATE INDEX contracts_missed_at ON contracts (missed_at) WHERE missed_at IS NOT NULL;
      ALTER TABLE reports ADD COLUMN schedule TEXT;
      ALTER TABLE reports ADD COLUMN tz TEXT;
      ALTER TABLE reports ADD COLUMN grace INTEGER;
      ALTER TABLE reports ADD COLUMN min_runtime INTEGER;

      CREATE TABLE incidents_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL CHECK (state IN ('open', 'recovered', 'relapsed', 'resolved')),
        trigger_type TEXT NOT NULL
          CHECK (trigger_type IN ('manual', 'critical', 'stale', 'job_overtime', 'job_overlap', 'missed', 'short')),
        title TEXT NOT NULL,
        description TEXT,
        contract_id INTEGER REFERENCES contracts (id) ON DELETE CASCADE,
        opened_at INTEGER NOT NULL,
        recovered_at INTEGER,
        relapsed_at INTEGER,
        resolved_at INTEGER
      ) STRICT;
      INSERT INTO incidents_new SELECT * FROM incidents;
      DROP TABLE incidents;
      ALTER TABLE incidents_new RENAME TO incidents;
      CREATE INDEX incidents_contract_id ON incidents (contract_id);
      CREATE UNIQUE INDEX incidents_one_active ON incidents (contract_id, trigger_type)
        WHERE state <> 'resolved' AND contract_id IS NOT NULL;
      CREATE INDEX incidents_active ON incidents (id) WHERE state <> 'resolved';
    `,
  },
  {
    version: 3,
    name: 'failure and success thresholds',
    // docs/behaviour.md#thresholds
    sql: `
      ALTER TABLE contracts ADD COLUMN failure_threshold INTEGER;
      ALTER TABLE contracts ADD COLUMN success_threshold INTEGER;
      ALTER TABLE contracts ADD COLUMN failure_streak INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE contracts ADD COLUMN success_streak INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE reports ADD COLUMN failure_threshold INTEGER;
      ALTER TABLE reports ADD COLUMN success_threshold INTEGER;
      ALTER TABLE reports ADD COLUMN progress_count INTEGER;
      ALTER TABLE reports ADD COLUMN progress_of INTEGER;
    `,
  },
  {
    version: 4,
    name: 'api tokens',
    // docs/behaviour.md#tokens: a name is unique among the tokens not revoked.
    sql: `
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('push', 'read', 'admin')),
        codes TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        expires_at INTEGER,
        revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
      ) STRICT;
      CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked = 0;
    `,
  },
  {
    version: 5,
    name: 'silences and held incidents',
    // docs/behaviour.md#silences: a silence's end is a deadline until it is released.
    sql: `
      CREATE TABLE silences (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pattern TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        comment TEXT,
        created_at INTEGER NOT NULL,
        released INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1))
      ) STRICT;
      CREATE INDEX silences_ends_at ON silences (ends_at) WHERE released = 0;
      CREATE TABLE incident_holds (
        incident_id INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
        held_by TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'incident history index',
    // The incident query (GET /v1/incidents): newest first, paged by (opened_at, id).
    sql: `CREATE INDEX incidents_opened ON incidents (opened_at, id);`,
  },
  {
    version: 7,
    name: 'report host',
    // docs/behaviour.md#hosts: the machine that pushed a sample or run.
    sql: `
      ALTER TABLE reports ADD COLUMN host TEXT;
    `,
  },
  {
    version: 8,
    name: 'dependencies',
    // docs/behaviour.md#dependencies
    sql: `
      ALTER TABLE contracts ADD COLUMN depends_on TEXT;
      ALTER TABLE reports ADD COLUMN depends_on TEXT;
    `,
  },
  {
    version: 9,
    name: 'incident reminders',
    // docs/behaviour.md#reminders: each reminder is a deadline, found by its index.
    sql: `
      CREATE TABLE incident_reminders (
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        remind_at INTEGER NOT NULL,
        PRIMARY KEY (incident_id, target)
      ) STRICT;
      CREATE INDEX incident_reminders_remind_at ON incident_reminders (remind_at);
    `,
  },
  {
    version: 10,
    name: 'sample detail',
    // A probe sample's longer text (a command check's output after its first line); NULL for runs.
    sql: `
      ALTER TABLE reports ADD COLUMN detail TEXT;
    `,
  },
]

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

/**
 * Brings a database up to date: applies every migration newer than the newest recorded one, all in
 * one immediate transaction (so two processes opening the same file cannot both migrate), and
 * records each in `schema_migrations`. Idempotent. Throws {@link SchemaVersionError} when the
 * database is newer than `migrations` and rethrows any SQL error after rolling back.
 *
 * `migrations` defaults to {@link MIGRATIONS}; `now` (epoch ms) stamps `applied_at`.
 */
export function migrate(
  db: SqliteDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): MigrateResult {
  const supported = supportedVersion(migrations)
  // SQLite's way to change a table's constraints is to rebuild it, which needs foreign keys off
  // (https://www.sqlite.org/lang_altertable.html#otheralter); the pragma only works outside a transaction.
  const foreignKeys = pragma(db, 'foreign_keys') === 1
  db.exec('PRAGMA foreign_keys = OFF')
  db.exec('BEGIN IMMEDIATE')
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`)
    const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as
      | { version: number | null }
      | undefined
    const current = row?.version ?? 0
    if (current > supported) throw new SchemaVersionError(current, supported)
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
    const pending = migrations.filter((migration) => migration.version > current)
    for (const migration of pending) {
      db.exec(migration.sql)
      record.run(migration.version, migration.name, now())
    }
    // Foreign keys are off while migrating (a table rebuild must not cascade); check them instead.
    const broken = pending.length === 0 ? [] : db.prepare('PRAGMA foreign_key_check').all()
    if (broken.length > 0)
      throw new Error(`migration broke ${broken.length} foreign key(s): ${JSON.stringify(broken.slice(0, 3))}`)
    db.exec('COMMIT')
    return { from: current, to: Math.max(current, supported) }
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw error
  } finally {
    if (foreignKeys) db.exec('PRAGMA foreign_keys = ON')
  }
}
