// `incidents` rows: @timon/sql-common's mapping in SQLite's encoding, and the values the row cache
// builds without reading them back.
import type { Incident, IncidentPatch } from '@timon/core'
import { incidentRows, type IncidentRow as SharedIncidentRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, storedRow, type SqliteColumnTypes } from './codec.js'

export type IncidentRow = SharedIncidentRow<SqliteColumnTypes>

const mapping = incidentRows(SQLITE_COLUMNS)

export const incidents = {
  ...mapping,
  /**
   * The incident `updateIncident(incident.id, patch)` leaves (`incident` itself when `patch` is
   * undefined), as a read of its row gives it back once written (see `storedRow`), or `undefined`
   * when it would not come back as it is.
   */
  stored(incident: Incident, patch?: IncidentPatch): Incident | undefined {
    const written = mapping.toRow(incident)
    const row = storedRow(patch === undefined ? written : { ...written, ...mapping.patchToRow(patch) })
    return row === undefined ? undefined : mapping.toDomain({ ...row, id: incident.id })
  },
}
