// Incidents and their timelines. Kysely's builder (typed columns) for all but the read every push
// runs (a contract's active incidents), which is prepared SQL text: Kysely compiles a query afresh
// each time, and that costs more than SQLite takes to run it. That read answers from the row cache
// (row-cache.ts) when it can; the writes of incidents go through it, the update and the delete
// returning the incident's contract, which the cache keeps them under.
import type { Incident, StoreTx } from '@timon/core'
import { incidentEvents } from '../rows/incident-events.js'
import { incidents, type IncidentRow } from '../rows/incidents.js'
import { chunks, pushTo, RESOLVED, type QueryContext } from './query-context.js'

type IncidentQueries = Pick<
  StoreTx,
  | 'insertIncident'
  | 'getIncident'
  | 'activeIncident'
  | 'updateIncident'
  | 'deleteIncident'
  | 'listActiveIncidents'
  | 'activeIncidentsOfContract'
  | 'activeIncidentIdsOfReports'
  | 'insertIncidentEvent'
  | 'listIncidentEvents'
>

export function incidentQueries({ db, statements, cache }: QueryContext): IncidentQueries {
  return {
    async insertIncident(input) {
      const row = incidents.toRow({ ...input, state: 'open', recoveredAt: null, relapsedAt: null, resolvedAt: null })
      const { insertId } = await db.insertInto('incidents').values(row).executeTakeFirstOrThrow()
      const incident = incidents.toDomain({ ...row, id: Number(insertId) })
      cache.incidentInserted(incident)
      return incident
    },

    async getIncident(id) {
      const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : incidents.toDomain(row)
    },

    async activeIncident(contractId, trigger) {
      const row = await db
        .selectFrom('incidents')
        .selectAll()
        .where('contract_id', '=', contractId)
        .where('trigger_type', '=', trigger)
        .where('state', '<>', RESOLVED)
        .executeTakeFirst()
      return row === undefined ? undefined : incidents.toDomain(row)
    },

    async updateIncident(id, patch) {
      const set = incidents.patchToRow(patch)
      if (Object.keys(set).length === 0) return
      const updated = await db
        .updateTable('incidents')
        .set(set)
        .where('id', '=', id)
        .returning('contract_id')
        .executeTakeFirst()
      if (updated !== undefined) cache.incidentUpdated(updated.contract_id, id, patch)
    },

    async deleteIncident(id) {
      const deleted = await db.deleteFrom('incidents').where('id', '=', id).returning('contract_id').executeTakeFirst()
      if (deleted !== undefined) cache.incidentDeleted(deleted.contract_id, id)
    },

    async listActiveIncidents() {
      const rows = await db.selectFrom('incidents').selectAll().where('state', '<>', RESOLVED).orderBy('id').execute()
      return rows.map(incidents.toDomain)
    },

    async activeIncidentsOfContract(contractId): Promise<readonly Incident[]> {
      const cached = cache.activeIncidents(contractId)
      if (cached !== undefined) return cached
      const rows = statements.prepare(ACTIVE_OF_CONTRACT).all(contractId) as IncidentRow[]
      const active = rows.map(incidents.toDomain)
      cache.activeIncidentsRead(contractId, active)
      return active
    },

    async activeIncidentIdsOfReports(reportIds) {
      const linked = new Map<number, number[]>()
      for (const ids of chunks([...new Set(reportIds)])) {
        const rows = await db
          .selectFrom('incident_events as e')
          .innerJoin('incidents as i', 'i.id', 'e.incident_id')
          .select(['e.report_id', 'e.incident_id'])
          .distinct()
          .where('e.report_id', 'in', ids)
          .where('i.state', '<>', RESOLVED)
          .orderBy('e.report_id')
          .orderBy('e.incident_id')
          .execute()
        for (const { report_id, incident_id } of rows) {
          if (report_id !== null) pushTo(linked, report_id, incident_id)
        }
      }
      return linked
    },

    async insertIncidentEvent(input) {
      const row = incidentEvents.toRow(input)
      const { insertId } = await db.insertInto('incident_events').values(row).executeTakeFirstOrThrow()
      return incidentEvents.toDomain({ ...row, id: Number(insertId) })
    },

    async listIncidentEvents(incidentId) {
      const rows = await db
        .selectFrom('incident_events')
        .selectAll()
        .where('incident_id', '=', incidentId)
        .orderBy('id')
        .execute()
      return rows.map(incidentEvents.toDomain)
    },
  }
}

// --- internal ---

const ACTIVE_OF_CONTRACT = "SELECT * FROM incidents WHERE contract_id = ? AND state <> 'resolved' ORDER BY id"
