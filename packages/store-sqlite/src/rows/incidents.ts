// Maps `incidents` rows to domain values and back; no queries here.
import { INCIDENT_STATES, TRIGGER_TYPES, type Incident, type IncidentPatch } from '@timon/core'
import type { Selectable } from 'kysely'
import type { IncidentsTable } from '../tables.js'
import { dateOrNull, msOrNull, oneOf } from './codec.js'

export type IncidentRow = Selectable<IncidentsTable>

export const incidents = {
  toDomain(row: IncidentRow): Incident {
    return {
      id: row.id,
      state: oneOf(INCIDENT_STATES, row.state, 'incidents.state'),
      triggerType: oneOf(TRIGGER_TYPES, row.trigger_type, 'incidents.trigger_type'),
      title: row.title,
      description: row.description,
      contractId: row.contract_id,
      openedAt: new Date(row.opened_at),
      recoveredAt: dateOrNull(row.recovered_at),
      relapsedAt: dateOrNull(row.relapsed_at),
      resolvedAt: dateOrNull(row.resolved_at),
    }
  },
  toRow(incident: Omit<Incident, 'id'>): Omit<IncidentRow, 'id'> {
    return {
      state: incident.state,
      trigger_type: incident.triggerType,
      title: incident.title,
      description: incident.description,
      contract_id: incident.contractId,
      opened_at: incident.openedAt.getTime(),
      recovered_at: msOrNull(incident.recoveredAt),
      relapsed_at: msOrNull(incident.relapsedAt),
      resolved_at: msOrNull(incident.resolvedAt),
    }
  },
  patchToRow(patch: IncidentPatch): Partial<Omit<IncidentRow, 'id'>> {
    return {
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.state === undefined ? {} : { state: patch.state }),
      ...(patch.recoveredAt === undefined ? {} : { recovered_at: msOrNull(patch.recoveredAt) }),
      ...(patch.relapsedAt === undefined ? {} : { relapsed_at: msOrNull(patch.relapsedAt) }),
      ...(patch.resolvedAt === undefined ? {} : { resolved_at: msOrNull(patch.resolvedAt) }),
    }
  },
}
