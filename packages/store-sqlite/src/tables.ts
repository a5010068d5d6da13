import type { Generated } from 'kysely'

// Row types of the SQLite schema (see migrations.ts). They never leave this package: sqlite-store.ts
// maps them to domain types with one toDomain / toRow pair per table.
//
// Encodings: instants are INTEGER epoch milliseconds (UTC), durations INTEGER milliseconds, booleans
// INTEGER 0/1, a delivery's event JSON text.

/** Every table the store uses, as Kysely sees it. */
export interface Tables {
  schema_migrations: SchemaMigrationsTable
  contracts: ContractsTable
  reports: ReportsTable
  steps: StepsTable
  incidents: IncidentsTable
  incident_events: IncidentEventsTable
  deliveries: DeliveriesTable
  tokens: TokensTable
  silences: SilencesTable
  incident_holds: IncidentHoldsTable
  incident_reminders: IncidentRemindersTable
}

/** Silences; `released` 0/1 (its end handled). */
export interface SilencesTable {
  id: Generated<number>
  pattern: string
  starts_at: number
  ends_at: number
  comment: string | null
  created_at: number
  released: number
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
  remind_at: number
}

/** One applied migration. */
export interface SchemaMigrationsTable {
  version: number
  name: string
  applied_at: number
}

/** Probes and jobs, with their rules as columns. */
export interface ContractsTable {
  id: Generated<number>
  code: string
  kind: string
  stale_after: number | null
  stale_incident_after: number | null
  overtime_incident_after: number | null
  overlap_incident: number
  is_stale: number
  stale_at: number | null
  stale_incident_at: number | null
  last_report_id: number | null
  created_at: number
  schedule: string | null
  tz: string | null
  grace: number | null
  min_runtime: number | null
  failure_threshold: number | null
  success_threshold: number | null
  depends_on: string | null
  failure_streak: Generated<number>
  success_streak: Generated<number>
  expected_at: number | null
  missed_at: number | null
}

/** Samples (`kind = 'sample'`) and runs (`kind = 'run'`); the other kind's columns are NULL. */
export interface ReportsTable {
  id: Generated<number>
  contract_id: number
  kind: string
  uid: string
  health: string
  pushed_at: number | null
  comment: string | null
  detail: string | null
  started_at: number | null
  start_comment: string | null
  ended_at: number | null
  end_comment: string | null
  overtime_at: number | null
  exit_code: number | null
  exit_signal: string | null
  log_path: string | null
  skipped: number
  stale_after: number | null
  stale_incident_after: number | null
  overtime_incident_after: number | null
  overlap_incident: number
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
  at: number
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
  opened_at: number
  recovered_at: number | null
  relapsed_at: number | null
  resolved_at: number | null
}

/** Incident timelines. */
export interface IncidentEventsTable {
  id: Generated<number>
  incident_id: number
  type: string
  report_id: number | null
  note: string
  is_system: number
  at: number
}

/** The notification outbox; `event` is the NotificationEvent as JSON (Dates as ISO strings). */
export interface DeliveriesTable {
  id: Generated<number>
  delivery_id: string
  target: string
  event: string
  ordering_key: string | null
  status: string
  attempts: number
  next_attempt_at: number
  last_error: string | null
  created_at: number
  finished_at: number | null
}

/** API tokens of the TCP listener: the secret's SHA-256, never the secret; `codes` a JSON array of globs. */
export interface TokensTable {
  id: Generated<number>
  name: string
  scope: string
  codes: string
  secret_hash: string
  created_at: number
  last_used_at: number | null
  expires_at: number | null
  revoked: number
}
