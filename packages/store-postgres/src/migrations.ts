import { sql, type Kysely } from 'kysely'
import { SchemaVersionError, supportedVersion, type MigrateResult, type Migration } from '@timon/sql-common'

/**
 * The schema, as an ordered record of migrations. Instants are `timestamptz` (one clock for every
 * daemon: the server can compare them with `now()`, and psql shows them readably), durations
 * `bigint` milliseconds, ids `bigint` identities. Codes sort bytewise (`COLLATE "C"`) whatever
 * the database's locale, as in the other stores. Foreign keys cascade so that nothing is left
 * orphaned; partial indexes keep the deadline and outbox queries proportional to what is due.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE contracts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text COLLATE "C" NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('probe', 'job')),
        stale_after bigint,
        stale_incident_after bigint,
        overtime_incident_after bigint,
        overlap_incident boolean NOT NULL,
        is_stale boolean NOT NULL DEFAULT false,
        stale_at timestamptz,
        stale_incident_at timestamptz,
        last_report_id bigint,
        created_at timestamptz NOT NULL
      );
      -- status order: probes then jobs, each by code
      CREATE INDEX contracts_kind_code ON contracts (kind, code);
      CREATE INDEX contracts_stale_at ON contracts (stale_at) WHERE stale_at IS NOT NULL;
      CREATE INDEX contracts_stale_incident_at ON contracts (stale_incident_at) WHERE stale_incident_at IS NOT NULL;
      CREATE INDEX contracts_last_report_id ON contracts (last_report_id);

      CREATE TABLE reports (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        contract_id bigint NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('sample', 'run')),
        uid text NOT NULL,
        health text NOT NULL CHECK (health IN ('healthy', 'warning', 'critical', 'unknown')),
        pushed_at timestamptz,
        comment text,
        started_at timestamptz,
        start_comment text,
        ended_at timestamptz,
        end_comment text,
        overtime_at timestamptz,
        exit_code integer,
        exit_signal text,
        log_path text,
        skipped boolean NOT NULL DEFAULT false,
        stale_after bigint,
        stale_incident_after bigint,
        overtime_incident_after bigint,
        overlap_incident boolean NOT NULL,
        CHECK ((kind = 'sample') = (pushed_at IS NOT NULL)),
        CHECK ((kind = 'run') = (started_at IS NOT NULL)),
        UNIQUE (contract_id, uid)
      );
      -- latest report, newest-first paging, cascades
      CREATE INDEX reports_contract_id ON reports (contract_id, id);
      CREATE INDEX reports_unfinished_runs ON reports (contract_id, id) WHERE kind = 'run' AND ended_at IS NULL;
      CREATE INDEX reports_overtime_at ON reports (overtime_at) WHERE ended_at IS NULL AND overtime_at IS NOT NULL;
      ALTER TABLE contracts ADD FOREIGN KEY (last_report_id) REFERENCES reports (id) ON DELETE SET NULL;

      CREATE TABLE steps (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        label text NOT NULL,
        health text NOT NULL CHECK (health IN ('healthy', 'warning', 'critical')),
        at timestamptz NOT NULL,
        detail text
      );
      CREATE INDEX steps_report_id ON steps (report_id, id);

      CREATE TABLE incidents (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        state text NOT NULL CHECK (state IN ('open', 'recovered', 'relapsed', 'resolved')),
        trigger_type text NOT NULL
          CHECK (trigger_type IN ('manual', 'critical', 'stale', 'job_overtime', 'job_overlap')),
        title text NOT NULL,
        description text,
        contract_id bigint REFERENCES contracts (id) ON DELETE CASCADE,
        opened_at timestamptz NOT NULL,
        recovered_at timestamptz,
        relapsed_at timestamptz,
        resolved_at timestamptz
      );
      CREATE INDEX incidents_contract_id ON incidents (contract_id);
      -- at most one non-resolved incident per (contract, trigger), even from concurrent daemons (docs/behaviour.md)
      CREATE UNIQUE INDEX incidents_one_active ON incidents (contract_id, trigger_type)
        WHERE state <> 'resolved' AND contract_id IS NOT NULL;
      CREATE INDEX incidents_active ON incidents (id) WHERE state <> 'resolved';

      CREATE TABLE incident_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('opened', 'recovered', 'relapsed', 'resolved', 'annotation')),
        report_id bigint REFERENCES reports (id) ON DELETE SET NULL,
        note text NOT NULL,
        is_system boolean NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE INDEX incident_events_incident_id ON incident_events (incident_id, id);
      CREATE INDEX incident_events_report_id ON incident_events (report_id);

      CREATE TABLE deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id text NOT NULL UNIQUE,
        target text NOT NULL,
        event jsonb NOT NULL,
        ordering_key text,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz
      );
      CREATE INDEX deliveries_pending_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
      CREATE INDEX deliveries_pending_order ON deliveries (target, ordering_key, id)
        WHERE status = 'pending' AND ordering_key IS NOT NULL;
      -- listing one status newest first, counting by status
      CREATE INDEX deliveries_status ON deliveries (status, id);
    `,
  },
  {
    version: 2,
    name: 'schedules, missed and short incidents',
    // docs/behaviour.md#schedules
    sql: `
      ALTER TABLE contracts
        ADD COLUMN schedule text,
        ADD COLUMN tz text,
        ADD COLUMN grace bigint,
        ADD COLUMN min_runtime bigint,
        ADD COLUMN expected_at timestamptz,
        ADD COLUMN missed_at timestamptz;
      CREATE INDEX contracts_missed_at ON contracts (missed_at) WHERE missed_at IS NOT NULL;
      ALTER TABLE reports
        ADD COLUMN schedule text,
        ADD COLUMN tz text,
        ADD COLUMN grace bigint,
        ADD COLUMN min_runtime bigint;
      ALTER TABLE incidents
        DROP CONSTRAINT incidents_trigger_type_check,
        ADD CONSTRAINT incidents_trigger_type_check
          CHECK (trigger_type IN ('manual', 'critical', 'stale', 'job_overtime', 'job_overlap', 'missed', 'short'));
    `,
  },
  {
    version: 3,
    name: 'failure and success thresholds',
    // docs/behaviour.md#thresholds
    sql: `
      ALTER TABLE contracts
        ADD COLUMN failure_threshold integer,
        ADD COLUMN success_threshold integer,
        ADD COLUMN failure_streak integer NOT NULL DEFAULT 0,
        ADD COLUMN success_streak integer NOT NULL DEFAULT 0;
      ALTER TABLE reports
        ADD COLUMN failure_threshold integer,
        ADD COLUMN success_threshold integer,
        ADD COLUMN progress_count integer,
        ADD COLUMN progress_of integer;
    `,
  },
  {
    version: 4,
    name: 'delivery claims and daemon heartbeats',
    sql: `
      -- who attempts a delivery, until when: several daemons never attempt one at once (README, "Several daemons")
      ALTER TABLE deliveries ADD COLUMN claimed_by text, ADD COLUMN lease_until timestamptz;
      CREATE TABLE daemons (
        name text PRIMARY KEY,
        started_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        version text NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'api tokens',
    // docs/behaviour.md#tokens: a name is unique among the tokens not revoked.
    sql: `
      CREATE TABLE tokens (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('push', 'read', 'admin')),
        codes text[] NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        expires_at timestamptz,
        revoked boolean NOT NULL DEFAULT false
      );
      CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE NOT revoked;
    `,
  },
  {
    version: 6,
    name: 'silences and held incidents',
    // docs/behaviour.md#silences: a silence's end is a deadline until it is released.
    sql: `
      CREATE TABLE silences (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pattern text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        comment text,
        created_at timestamptz NOT NULL,
        released boolean NOT NULL DEFAULT false
      );
      CREATE INDEX silences_ends_at ON silences (ends_at) WHERE NOT released;
      CREATE TABLE incident_holds (
        incident_id bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
        held_by text NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'incident history index',
    // The incident query (GET /v1/incidents): newest first, paged by (opened_at, id).
    sql: `CREATE INDEX incidents_opened ON incidents (opened_at, id);`,
  },
  {
    version: 8,
    name: 'report host',
    // docs/behaviour.md#hosts: the machine that pushed a sample or run.
    sql: `
      ALTER TABLE reports ADD COLUMN host text;
    `,
  },
  {
    version: 9,
    name: 'dependencies',
    // docs/behaviour.md#dependencies
    sql: `
      ALTER TABLE contracts ADD COLUMN depends_on text;
      ALTER TABLE reports ADD COLUMN depends_on text;
    `,
  },
  {
    version: 10,
    name: 'incident reminders',
    // docs/behaviour.md#reminders: each reminder is a deadline, found by its index.
    sql: `
      CREATE TABLE incident_reminders (
        incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        target text NOT NULL,
        remind_at timestamptz NOT NULL,
        PRIMARY KEY (incident_id, target)
      );
      CREATE INDEX incident_reminders_remind_at ON incident_reminders (remind_at);
    `,
  },
  {
    version: 11,
    name: 'sample detail',
    // A probe sample's longer text (a command check's output after its first line); NULL for runs.
    sql: `
      ALTER TABLE reports ADD COLUMN detail text;
    `,
  },
]

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

/**
 * Brings `schema` up to date: creates it when missing, applies every migration newer than the
 * newest recorded one and records each in `schema_migrations`, all in one transaction. Idempotent.
 * Throws {@link SchemaVersionError} when the schema is newer than `migrations`, and rethrows any
 * SQL error after rolling back.
 *
 * Daemons starting together on one database migrate once: the transaction first takes an advisory
 * lock named after the schema, held until it ends, so the others wait and then find it up to date.
 *
 * `db` must have `schema` as its search_path; `migrations` defaults to {@link MIGRATIONS}.
 */
export async function migrate(
  db: Kysely<unknown>,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  const supported = supportedVersion(migrations)
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}, hashtext(${schema}))`.execute(trx)
    // Not CREATE SCHEMA IF NOT EXISTS: that needs the CREATE privilege even when the schema exists.
    const { rows: found } = await sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`.execute(trx)
    if (found.length === 0) await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx)
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx)
    const { rows } = await sql<{
      version: number | null
    }>`SELECT max(version) AS version FROM schema_migrations`.execute(trx)
    const current = rows[0]?.version ?? 0
    if (current > supported) throw new SchemaVersionError(current, supported)
    for (const migration of migrations) {
      if (migration.version <= current) continue
      await sql.raw(migration.sql).execute(trx)
      await sql`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`.execute(
        trx,
      )
    }
    return { from: current, to: Math.max(current, supported) }
  })
}

// --- internal ---

/** First key of the migration's advisory lock (the second is the schema's hash): "timon" in ASCII, trimmed to 32 bits. */
const MIGRATION_LOCK = 0x74696d6f
