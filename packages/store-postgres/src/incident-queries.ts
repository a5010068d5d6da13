// The incident query (`GET /v1/incidents`) over the (opened_at, id) index. A code glob is resolved
// to contract ids first (globs match segment-wise, which SQL cannot say), passed as one array.
import { matchesAnyCodeGlob, type CodedIncident, type IncidentQuery } from '@timon/core'
import { sql, type Transaction } from 'kysely'
import { incidents } from './rows.js'
import type { Tables } from './tables.js'

/** `StoreTx.queryIncidents` in the transaction `trx`. */
export async function queryIncidents(
  trx: Transaction<Tables>,
  query: IncidentQuery,
): Promise<readonly CodedIncident[]> {
  const { states, triggers, codes, since, until, before } = query
  const contracts = (await trx.selectFrom('contracts').select(['id', 'code']).execute()).map((row) => ({
    id: Number(row.id),
    code: row.code,
  }))
  const codeOf = new Map(contracts.map((contract) => [contract.id, contract.code]))
  let select = trx.selectFrom('incidents').selectAll()
  if (states !== undefined) select = select.where('state', 'in', [...states])
  if (triggers !== undefined) select = select.where('trigger_type', 'in', [...triggers])
  if (codes !== undefined) {
    const ids = contracts.filter((contract) => matchesAnyCodeGlob(codes, contract.code)).map((contract) => contract.id)
    select = select.where('contract_id', '=', sql<number>`ANY(${ids}::bigint[])`)
  }
  if (since !== undefined) select = select.where('opened_at', '>=', since)
  if (until !== undefined) select = select.where('opened_at', '<=', until)
  // A row value, so the index is walked from the cursor on.
  if (before !== undefined) select = select.where(sql<boolean>`(opened_at, id) < (${before.openedAt}, ${before.id})`)
  const rows = await select.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
  return rows.map((row) => {
    const incident = incidents.toDomain(row)
    return { ...incident, code: incident.contractId === null ? null : (codeOf.get(incident.contractId) ?? null) }
  })
}
