import type { Generated } from 'kysely'
import type { ColumnTypes } from './column-codec.js'

// The tables whose columns are the same in every Timon SQL schema but for the encodings of
// `ColumnTypes`: each as the row read back (`…Row`), and as Kysely sees the table (`…Table`).
// Each store's own `Tables` instantiates them with its encodings (and may add columns of its own,
// as PostgreSQL's delivery claims). The rows are plain interfaces because Kysely's `Selectable`
// cannot be resolved over a generic encoding.

/** Runs' steps. */
export interface StepRow<C extends ColumnTypes> {
  id: number
  report_id: number
  label: string
  health: string
  at: C['instant']
  detail: string | null
}

/** `StepRow` as Kysely sees the table (ids generated). */
export type StepsTable<C extends ColumnTypes> = Omit<StepRow<C>, 'id'> & { id: Generated<number> }

/** Incidents; `contract_id` is NULL for manual ones. */
export interface IncidentRow<C extends ColumnTypes> {
  id: number
  state: string
  trigger_type: string
  title: string
  description: string | null
  contract_id: number | null
  opened_at: C['instant']
  recovered_at: C['instant'] | null
  relapsed_at: C['instant'] | null
  resolved_at: C['instant'] | null
}

/** `IncidentRow` as Kysely sees the table (ids generated). */
export type IncidentsTable<C extends ColumnTypes> = Omit<IncidentRow<C>, 'id'> & { id: Generated<number> }

/** Incident timelines. */
export interface IncidentEventRow<C extends ColumnTypes> {
  id: number
  incident_id: number
  type: string
  report_id: number | null
  note: string
  is_system: C['flag']
  at: C['instant']
}

/** `IncidentEventRow` as Kysely sees the table (ids generated). */
export type IncidentEventsTable<C extends ColumnTypes> = Omit<IncidentEventRow<C>, 'id'> & { id: Generated<number> }

/** The notification outbox; `event` is the NotificationEvent as JSON (Dates as ISO strings). */
export interface DeliveryRow<C extends ColumnTypes> {
  id: number
  delivery_id: string
  target: string
  event: C['json']
  ordering_key: string | null
  status: string
  attempts: number
  next_attempt_at: C['instant']
  last_error: string | null
  created_at: C['instant']
  finished_at: C['instant'] | null
}

/** `DeliveryRow` as Kysely sees the table (ids generated). */
export type DeliveriesTable<C extends ColumnTypes> = Omit<DeliveryRow<C>, 'id'> & { id: Generated<number> }

/** API tokens of the TCP listener: the secret's SHA-256, never the secret. */
export interface TokenRow<C extends ColumnTypes> {
  id: number
  name: string
  scope: string
  codes: C['list']
  secret_hash: string
  created_at: C['instant']
  last_used_at: C['instant'] | null
  expires_at: C['instant'] | null
  revoked: C['flag']
}

/** `TokenRow` as Kysely sees the table (ids generated). */
export type TokensTable<C extends ColumnTypes> = Omit<TokenRow<C>, 'id'> & { id: Generated<number> }

/** Silences; `released` once their end has been handled. */
export interface SilenceRow<C extends ColumnTypes> {
  id: number
  pattern: string
  starts_at: C['instant']
  ends_at: C['instant']
  comment: string | null
  created_at: C['instant']
  released: C['flag']
}

/** `SilenceRow` as Kysely sees the table (ids generated). */
export type SilencesTable<C extends ColumnTypes> = Omit<SilenceRow<C>, 'id' | 'released'> & {
  id: Generated<number>
  released: Generated<C['flag']>
}

/** Incidents whose notifications a silence or dependency holds. */
export interface IncidentHoldsTable {
  incident_id: number
  held_by: string
}

/** When an incident is next reminded to a target (docs/behaviour.md#reminders). */
export interface IncidentRemindersTable<C extends ColumnTypes> {
  incident_id: number
  target: string
  remind_at: C['instant']
}

/** The rule columns, the same in `contracts` and `reports` (durations in milliseconds). */
export interface RuleColumns<C extends ColumnTypes> {
  stale_after: number | null
  stale_incident_after: number | null
  overtime_incident_after: number | null
  overlap_incident: C['flag']
  schedule: string | null
  tz: string | null
  grace: number | null
  min_runtime: number | null
  failure_threshold: number | null
  success_threshold: number | null
  depends_on: string | null
}
