// `incidents` rows: @timon/sql-common's mapping in SQLite's encoding.
import { incidentRows, type IncidentRow as SharedIncidentRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, type SqliteColumnTypes } from './codec.js'

export type IncidentRow = SharedIncidentRow<SqliteColumnTypes>

export const incidents = incidentRows(SQLITE_COLUMNS)
