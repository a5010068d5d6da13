import type { Generated } from 'kysely'
import type {
  DeliveriesTable as SharedDeliveriesTable,
  IncidentEventsTable,
  IncidentHoldsTable,
  IncidentRemindersTable,
  IncidentsTable,
  RuleColumns,
  SilencesTable,
  StepsTable,
  TokensTable,
} from '@timon/sql-common'
import type { PostgresColumnTypes } from './columns.js'

// Row types of the PostgreSQL schema (see migrations.ts). They never leave this package: rows.ts
// maps them to domain types with one toDomain / toRow pair per table. The tables both SQL stores
// share come from @timon/sql-common in PostgreSQL's encodings (columns.ts).
//
// Encodings: instants are `timestamptz` (read back as Dates), durations `bigint` milliseconds,
// ids `bigint` (both read as numbers: see the pool's type parsers), a delivery's event `jsonb`.

/** Every table the store uses, as Kysely sees it. */
export interface Tables {
  schema_migrations: SchemaMigrationsTable
  contracts: ContractsTable
  reports: ReportsTable
  steps: StepsTable<PostgresColumnTypes>
  incidents: IncidentsTable<PostgresColumnTypes>
  incident_events: IncidentEventsTable<PostgresColumnTypes>
  deliveries: DeliveriesTable
  daemons: DaemonsTable
  tokens: TokensTable<PostgresColumnTypes>
  silences: SilencesTable<PostgresColumnTypes>
  incident_holds: IncidentHoldsTable
  incident_reminders: IncidentRemindersTable<PostgresColumnTypes>
}

/** One applied migration. */
export interface SchemaMigrationsTable {
  version: number
  name: string
  applied_at: Generated<Date>
}

/** Probes and jobs, with their rules as columns. */
export interface ContractsTable extends RuleColumns<PostgresColumnTypes> {
  id: Generated<number>
  code: string
  kind: string
  is_stale: boolean
  stale_at: Date | null
  stale_incident_at: Date | null
  last_report_id: number | null
  created_at: Date
  failure_streak: Generated<number>
  success_streak: Generated<number>
  expected_at: Date | null
  missed_at: Date | null
}

/** Samples (`kind = 'sample'`) and runs (`kind = 'run'`); the other kind's columns are NULL. */
export interface ReportsTable extends RuleColumns<PostgresColumnTypes> {
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
  progress_count: number | null
  progress_of: number | null
  /** The machine that pushed it. */
  host: string | null
}

/** The notification outbox, with the claim of the daemon attempting a delivery. */
export type DeliveriesTable = SharedDeliveriesTable<PostgresColumnTypes> & {
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
