import {
  INCIDENT_EVENT_TYPES,
  INCIDENT_STATES,
  TRIGGER_TYPES,
  type Incident,
  type IncidentEvent,
  type IncidentPatch,
} from '@timon/core'
import { dateOrNull, instantOrNull, oneOf, type ColumnCodec, type ColumnTypes } from '../column-codec.js'
import type { IncidentEventRow, IncidentRow } from '../tables.js'

/** Maps `incidents` rows to domain values and back. */
export function incidentRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  type Row = IncidentRow<C>
  return {
    toDomain(row: Row): Incident {
      return {
        id: row.id,
        state: oneOf(codec, INCIDENT_STATES, row.state, 'incidents.state'),
        triggerType: oneOf(codec, TRIGGER_TYPES, row.trigger_type, 'incidents.trigger_type'),
        title: row.title,
        description: row.description,
        contractId: row.contract_id,
        openedAt: codec.date(row.opened_at),
        recoveredAt: dateOrNull(codec, row.recovered_at),
        relapsedAt: dateOrNull(codec, row.relapsed_at),
        resolvedAt: dateOrNull(codec, row.resolved_at),
      }
    },
    toRow(incident: Omit<Incident, 'id'>): Omit<Row, 'id'> {
      return {
        state: incident.state,
        trigger_type: incident.triggerType,
        title: incident.title,
        description: incident.description,
        contract_id: incident.contractId,
        opened_at: codec.instant(incident.openedAt),
        recovered_at: instantOrNull(codec, incident.recoveredAt),
        relapsed_at: instantOrNull(codec, incident.relapsedAt),
        resolved_at: instantOrNull(codec, incident.resolvedAt),
      }
    },
    patchToRow(patch: IncidentPatch): Partial<Omit<Row, 'id'>> {
      return {
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(patch.state === undefined ? {} : { state: patch.state }),
        ...(patch.recoveredAt === undefined ? {} : { recovered_at: instantOrNull(codec, patch.recoveredAt) }),
        ...(patch.relapsedAt === undefined ? {} : { relapsed_at: instantOrNull(codec, patch.relapsedAt) }),
        ...(patch.resolvedAt === undefined ? {} : { resolved_at: instantOrNull(codec, patch.resolvedAt) }),
      }
    },
  }
}

/** Maps `incident_events` rows (timelines) to domain values and back. */
export function incidentEventRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  type Row = IncidentEventRow<C>
  return {
    toDomain(row: Row): IncidentEvent {
      return {
        id: row.id,
        incidentId: row.incident_id,
        type: oneOf(codec, INCIDENT_EVENT_TYPES, row.type, 'incident_events.type'),
        reportId: row.report_id,
        note: row.note,
        isSystem: codec.bool(row.is_system),
        at: codec.date(row.at),
      }
    },
    toRow(event: Omit<IncidentEvent, 'id'>): Omit<Row, 'id'> {
      return {
        incident_id: event.incidentId,
        type: event.type,
        report_id: event.reportId,
        note: event.note,
        is_system: codec.flag(event.isSystem),
        at: codec.instant(event.at),
      }
    },
  }
}
