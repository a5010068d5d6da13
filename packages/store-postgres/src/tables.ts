import type { Generated } from 'kysely'

// Row types of the PostgreSQL schema (see migrations.ts). They never leave this package:
// postgres-store.ts maps them to domain types with one toDomain / toRow pair per table.
//
// Encodings: instants are `timestamptz` (read back as Dates), durations `bigint` milliseconds,
// ids `bigint` (both read as numbers: see the pool's type parsers), a delivery's event `jsonb`.

/** Every table the store uses, as Kysely sees it. */
export interface Tables {
  schema_migrations: SchemaMigrationsTable
  contracts: ContractsTable
  reports: ReportsTable
  steps: StepsTable
  incidents: IncidentsTable
  incident_events: IncidentEventsTable
  deliveries: DeliveriesTable
  daemons: DaemonsTable
  tokens: TokensTable
  silences: SilencesTable
  incident_holds: IncidentHoldsTable
  incident_reminders: IncidentRemindersTable
}

/** Silences (docs/behaviour.md#silences). */
export interface SilencesTable {
  id: Generated<number>
  pattern: string
  starts_at: Date
  ends_at: Date
  comment: string | null
  created_at: Date
  released: Generated<boolean>
}

/** Incidents whose notifications a silence holds. */
export interface IncidentHoldsTable {
  incident_id: number
  held_by: string
}

/** When an incident is next reminded to a target (docs/behaviour.md#reminders). */
export interface IncidentRemindersTable {
  incident_id: number
  target: string
  remind_at: Date
}

/** One applied migration. */
export interface SchemaMigrationsTable {
  version: number
  name: string
  applied_at: Generated<Date>
}

/** Probes and jobs, with their rules as columns. */
export interface ContractsTable {
  id: Generated<number>
  code: string
  kind: string
  stale_after: number | null
  stale_incident_after: number | null
  overtime_incident_after: number | null
  overlap_incident: boolean
  is_stale: boolean
  stale_at: Date | null
  stale_incident_at: Date | null
  last_report_id: number | null
  created_at: Date
  schedule: string | null
  tz: string | null
  grace: number | null
  min_runtime: number | null
  failure_threshold: number | null
  success_threshold: number | null
  depends_on: string | null
  failure_streak: Generated<number>
  success_streak: Generated<number>
  expected_at: Date | null
  missed_at: Date | null
}

/** Samples (`kind = 'sample'`) and runs (`kind = 'run'`); the other kind's columns are NULL. */
export interface ReportsTable {
  id: Generated<number>
  contract_id: number
  kind: string
  uid: string
  health: string
  pushed_at: Date | null
  comment: string | null
  detail: string | null
  started_at: Date | null
  start_comment: string | null
  ended_at: Date | null
  end_comment: string | null
  overtime_at: Date | null
  exit_code: number | null
  exit_signal: string | null
  log_path: string | null
  skipped: boolean
  stale_after: number | null
  stale_incident_after: number | null
  overtime_incident_after: number | null
  overlap_incident: boolean
  schedule: string | null
  tz: string | null
  grace: number | null
  min_runtime: number | null
  failure_threshold: number | null
  success_threshold: number | null
  depends_on: string | null
  progress_count: number | null
  progress_of: number | null
  /** The machine that pushed it. */
  host: string | null
}

/** Steps of runs. */
export interface StepsTable {
  id: Generated<number>
  report_id: number
  label: string
  health: string
  at: Date
  detail: string | null
}

/** Incidents; `contract_id` is NULL for manual ones. */
export interface IncidentsTable {
  id: Generated<number>
  state: string
  trigger_type: string
  title: string
  description: string | null
  contract_id: number | null
  opened_at: Date
  recovered_at: Date | null
  relapsed_at: Date | null
  resolved_at: Date | null
}

/** Incident timelines. */
export interface IncidentEventsTable {
  id: Generated<number>
  incident_id: number
  type: string
  report_id: number | null
  note: string
  is_system: boolean
  at: Date
}

/**
 * The notification outbox; `event` is the NotificationEvent as JSON (Dates as ISO strings),
 * written as text and read back parsed.
 */
export interface DeliveriesTable {
  id: Generated<number>
  delivery_id: string
  target: string
  event: unknown
  ordering_key: string | null
  status: string
  attempts: number
  next_attempt_at: Date
  last_error: string | null
  created_at: Date
  finished_at: Date | null
  /** Who claimed it to attempt it (`DeliveryClaim.owner`), until `lease_until`; null when nobody. */
  claimed_by: Generated<string | null>
  lease_until: Generated<Date | null>
}

/** The daemons serving the database, with their heartbeats. */
export interface DaemonsTable {
  name: string
  started_at: Date
  last_seen_at: Date
  version: string
}

/** API tokens of the TCP listener: the secret's SHA-256, never the secret. */
export interface TokensTable {
  id: Generated<number>
  name: string
  scope: string
  codes: string[]
  secret_hash: string
  created_at: Date
  last_used_at: Date | null
  expires_at: Date | null
  revoked: boolean
}
