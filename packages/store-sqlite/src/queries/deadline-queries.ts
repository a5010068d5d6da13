// Deadlines: which contracts and runs are due, and the next one. Kysely's builder (typed columns);
// none of these runs on every push. The queries are shaped so that SQLite answers them from the
// partial indexes (see migrations.ts), in time proportional to what is due.
import type { Run, StoreTx } from '@timon/core'
import { sql } from 'kysely'
import { contracts } from '../rows/contracts.js'
import { reports } from '../rows/reports.js'
import { RUN, type QueryContext } from './query-context.js'

type DeadlineQueries = Pick<StoreTx, 'dueContracts' | 'dueRuns' | 'dueMissed' | 'nextDeadline'>

export function deadlineQueries({ db }: QueryContext): DeadlineQueries {
  return {
    async dueContracts(at, limit) {
      // The OR of two indexable ranges lets SQLite union the two partial indexes: the work is
      // proportional to the contracts that are due, not to all contracts.
      const rows = await db
        .selectFrom('contracts')
        .selectAll()
        .where((eb) => eb.or([eb('stale_at', '<=', at.getTime()), eb('stale_incident_at', '<=', at.getTime())]))
        .orderBy(sql`min(coalesce(stale_at, stale_incident_at), coalesce(stale_incident_at, stale_at))`)
        .orderBy('id')
        .limit(limit)
        .execute()
      return rows.map(contracts.toDomain)
    },

    async dueRuns(at, limit) {
      // The terms repeat the partial index's WHERE (`reports_overtime_at`) so that SQLite uses it.
      const rows = await db
        .selectFrom('reports')
        .selectAll()
        .where('ended_at', 'is', null)
        .where('overtime_at', 'is not', null)
        .where('overtime_at', '<=', at.getTime())
        .where('kind', '=', RUN)
        .orderBy('overtime_at')
        .orderBy('id')
        .limit(limit)
        .execute()
      return rows.map((row) => reports.toDomain(row) as Run)
    },

    async dueMissed(at, limit) {
      const rows = await db
        .selectFrom('contracts')
        .selectAll()
        .where('missed_at', 'is not', null)
        .where('missed_at', '<=', at.getTime())
        .orderBy('missed_at')
        .orderBy('id')
        .limit(limit)
        .execute()
      return rows.map(contracts.toDomain)
    },

    async nextDeadline() {
      // Four min() lookups, each the first entry of a partial index.
      const row = await db
        .selectNoFrom((eb) => [
          eb.selectFrom('contracts').select((e) => e.fn.min('stale_at').as('v')).where('stale_at', 'is not', null).as('stale'),
          eb
            .selectFrom('contracts')
            .select((e) => e.fn.min('stale_incident_at').as('v'))
            .where('stale_incident_at', 'is not', null)
            .as('staleIncident'),
          eb
            .selectFrom('reports')
            .select((e) => e.fn.min('overtime_at').as('v'))
            .where('ended_at', 'is', null)
            .where('overtime_at', 'is not', null)
            .as('overtime'),
          eb.selectFrom('contracts').select((e) => e.fn.min('missed_at').as('v')).where('missed_at', 'is not', null).as('missed'),
        ])
        .executeTakeFirstOrThrow()
      const candidates = [row.stale, row.staleIncident, row.overtime, row.missed].filter((v): v is number => typeof v === 'number')
      return candidates.length === 0 ? undefined : new Date(Math.min(...candidates))
    },
  }
}
