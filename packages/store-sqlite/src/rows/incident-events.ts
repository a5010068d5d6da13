// Maps `incident_events` rows to domain values and back; no queries here.
import { INCIDENT_EVENT_TYPES, type IncidentEvent } from '@timon/core'
import type { Selectable } from 'kysely'
import type { IncidentEventsTable } from '../tables.js'
import { bit, bool, oneOf } from './codec.js'

export type IncidentEventRow = Selectable<IncidentEventsTable>

export const incidentEvents = {
  toDomain(row: IncidentEventRow): IncidentEvent {
    return {
      id: row.id,
      incidentId: row.incident_id,
      type: oneOf(INCIDENT_EVENT_TYPES, row.type, 'incident_events.type'),
      reportId: row.report_id,
      note: row.note,
      isSystem: bool(row.is_system),
      at: new Date(row.at),
    }
  },
  toRow(event: Omit<IncidentEvent, 'id'>): Omit<IncidentEventRow, 'id'> {
    return {
      incident_id: event.incidentId,
      type: event.type,
      report_id: event.reportId,
      note: event.note,
      is_system: bit(event.isSystem),
      at: event.at.getTime(),
    }
  },
}
