import type { Generated } from 'kysely'
import type {
  DeliveriesTable,
  IncidentEventsTable,
  IncidentHoldsTable,
  IncidentRemindersTable,
  IncidentsTable,
  RuleColumns,
  SilencesTable,
  StepsTable,
  TokensTable,
} from '@timon/sql-common'
import type { SqliteColumnTypes } from './rows/codec.js'

// Row types of the SQLite schema (see migrations.ts). They never leave this package: rows/ maps
// them to domain types with one toDomain / toRow pair per table. The tables both SQL stores share
// come from @timon/sql-common in SQLite's encodings.
//
// Encodings: instants are INTEGER epoch milliseconds (UTC), durations INTEGER milliseconds, booleans
// INTEGER 0/1, a delivery's event JSON text.

/** Every table the store uses, as Kysely sees it. */
export interface Tables {
  schema_migrations: SchemaMigrationsTable
  contracts: ContractsTable
  reports: ReportsTable
  steps: StepsTable<SqliteColumnTypes>
  incidents: IncidentsTable<SqliteColumnTypes>
  incident_events: IncidentEventsTable<SqliteColumnTypes>
  deliveries: DeliveriesTable<SqliteColumnTypes>
  tokens: TokensTable<SqliteColumnTypes>
  silences: SilencesTable<SqliteColumnTypes>
  incident_holds: IncidentHoldsTable
  incident_reminders: IncidentRemindersTable<SqliteColumnTypes>
}

/** One applied migration. */
export interface SchemaMigrationsTable {
  version: number
  name: string
  applied_at: number
}

/** Probes and jobs, with their rules as columns. */
export interface ContractsTable extends RuleColumns<SqliteColumnTypes> {
  id: Generated<number>
  code: string
  kind: string
  is_stale: number
  stale_at: number | null
  stale_incident_at: number | null
  last_report_id: number | null
  created_at: number
  failure_streak: Generated<number>
  success_streak: Generated<number>
  expected_at: number | null
  missed_at: number | null
}

/** Samples (`kind = 'sample'`) and runs (`kind = 'run'`); the other kind's columns are NULL. */
export interface ReportsTable extends RuleColumns<SqliteColumnTypes> {
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
  progress_count: number | null
  progress_of: number | null
  /** The machine that pushed it. */
  host: string | null
}
