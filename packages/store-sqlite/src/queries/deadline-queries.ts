// Deadlines: which contracts and runs are due, and the next one. Kysely's builder (typed columns),
// but for the next deadline, prepared SQL text: the daemon's scheduler asks for it after pushes
// (every 10 ms under load), and Kysely compiles a query afresh each time. The queries are shaped so
// that SQLite answers them from the partial indexes (see migrations.ts), in time proportional to
// what is due.
import type { Run, StoreTx } from '@timon/core'
import { sql } from 'kysely'
import { contracts } from '../rows/contracts.js'
import { reports } from '../rows/reports.js'
import { RUN, type QueryContext } from './query-context.js'

type DeadlineQueries = Pick<StoreTx, 'dueContracts' | 'dueRuns' | 'dueMissed' | 'nextDeadline'>

export function deadlineQueries({ db, statements }: QueryContext): DeadlineQueries {
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
      const row = statements.prepare(NEXT_DEADLINE).get() as Record<
        'stale' | 'staleIncident' | 'overtime' | 'missed',
        unknown
      >
      const candidates = [row.stale, row.staleIncident, row.overtime, row.missed].filter(
        (v): v is number => typeof v === 'number',
      )
      return candidates.length === 0 ? undefined : new Date(Math.min(...candidates))
    },
  }
}

// --- internal ---

/** Four min() lookups, each the first entry of a partial index (their WHERE repeats the index's). */
const NEXT_DEADLINE = `SELECT
  (SELECT min(stale_at) FROM contracts WHERE stale_at IS NOT NULL) AS stale,
  (SELECT min(stale_incident_at) FROM contracts WHERE stale_incident_at IS NOT NULL) AS staleIncident,
  (SELECT min(overtime_at) FROM reports WHERE ended_at IS NULL AND overtime_at IS NOT NULL) AS overtime,
  (SELECT min(missed_at) FROM contracts WHERE missed_at IS NOT NULL) AS missed`
