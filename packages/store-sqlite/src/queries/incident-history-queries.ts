// The incident query (`GET /v1/incidents`): Kysely's builder over the (opened_at, id) index. A
// code glob is resolved to contract ids first (globs match segment-wise, which SQL cannot say),
// passed as one JSON parameter whatever their number.
import { matchesAnyCodeGlob, type StoreTx } from '@timon/core'
import { sql } from 'kysely'
import { incidents } from '../rows/incidents.js'
import type { QueryContext } from './query-context.js'

export function incidentHistoryQueries({ db }: QueryContext): Pick<StoreTx, 'queryIncidents'> {
  return {
    async queryIncidents(query) {
      const { states, triggers, codes, since, until, before } = query
      const contracts = await db.selectFrom('contracts').select(['id', 'code']).execute()
      const codeOf = new Map(contracts.map((contract) => [contract.id, contract.code]))
      let select = db.selectFrom('incidents').selectAll()
      if (states !== undefined) select = select.where('state', 'in', [...states])
      if (triggers !== undefined) select = select.where('trigger_type', 'in', [...triggers])
      if (codes !== undefined) {
        const ids = JSON.stringify(
          contracts.filter((contract) => matchesAnyCodeGlob(codes, contract.code)).map((contract) => contract.id),
        )
        select = select.where('contract_id', 'in', sql<number>`(SELECT value FROM json_each(${ids}))`)
      }
      if (since !== undefined) select = select.where('opened_at', '>=', since.getTime())
      if (until !== undefined) select = select.where('opened_at', '<=', until.getTime())
      // A row value, so the index is walked from the cursor on.
      if (before !== undefined)
        select = select.where(sql<boolean>`(opened_at, id) < (${before.openedAt.getTime()}, ${before.id})`)
      const rows = await select.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
      return rows.map((row) => ({
        ...incidents.toDomain(row),
        code: row.contract_id === null ? null : (codeOf.get(row.contract_id) ?? null),
      }))
    },
  }
}
