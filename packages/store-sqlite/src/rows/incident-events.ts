// `incident_events` rows: @timon/sql-common's mapping in SQLite's encoding.
import { incidentEventRows, type IncidentEventRow as SharedIncidentEventRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, type SqliteColumnTypes } from './codec.js'

export type IncidentEventRow = SharedIncidentEventRow<SqliteColumnTypes>

export const incidentEvents = incidentEventRows(SQLITE_COLUMNS)
