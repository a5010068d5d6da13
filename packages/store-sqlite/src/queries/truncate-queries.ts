// Truncation. Prepared SQL text with positional parameters: one set-based DELETE per kind carries
// the retention rule as a CASE and returns the deleted runs' log paths, which Kysely's builder
// could only wrap in `sql` fragments.
import type { StoreTx, TruncateCounts, TruncatePlan } from '@timon/core'
import type { QueryContext } from './query-context.js'

export function truncateQueries({ statements, cache }: QueryContext): Pick<StoreTx, 'truncate'> {
  return {
    async truncate(plan: TruncatePlan): Promise<TruncateCounts> {
      const scope = plan.contractId === null ? [] : [plan.contractId]
      const byContract = plan.contractId === null ? 0 : 1
      let incidents = 0
      if (plan.incidentCutoff !== undefined) {
        const { changes } = statements
          .prepare(DELETE_INCIDENTS[byContract])
          .run(plan.incidentCutoff.getTime(), ...scope)
        incidents = Number(changes)
      }
      const deliveries =
        plan.deliveryCutoff === undefined
          ? 0
          : Number(statements.prepare(DELETE_DELIVERIES).run(plan.deliveryCutoff.getTime()).changes)
      const cutoffs = plan.reportCutoffs
      if (cutoffs === undefined) return { samples: 0, runs: 0, incidents, deliveries, logPaths: [] }
      // A contract pointing at another's report (never its own last one, kept) may get NULL
      // (last_report_id ON DELETE SET NULL), behind the row cache's back. The incidents deleted
      // above are resolved ones, which the cache does not hold.
      cache.contractsChanged()
      const deleteReports = (kind: 'sample' | 'run') =>
        statements
          .prepare(DELETE_REPORTS[byContract])
          .all(
            kind,
            ...scope,
            cutoffs.healthy?.getTime() ?? null,
            cutoffs.warning?.getTime() ?? null,
            cutoffs.critical?.getTime() ?? null,
          ) as { log_path: string | null }[]
      const samples = deleteReports('sample').length
      const runs = deleteReports('run')
      const logPaths = runs.flatMap((row) => (row.log_path === null ? [] : [row.log_path]))
      return { samples, runs: runs.length, incidents, deliveries, logPaths }
    },
  }
}

// --- internal ---

/** Resolved incidents resolved at or before a cutoff. */
const deleteIncidents = (byContract: boolean) => `
  DELETE FROM incidents
  WHERE state = 'resolved' AND resolved_at IS NOT NULL AND resolved_at <= ?
    ${byContract ? 'AND contract_id = ?' : ''}`
const DELETE_INCIDENTS = [deleteIncidents(false), deleteIncidents(true)] as const

/** The SQL form of `isDeliveryTruncated`: outbox rows delivered or failed at or before a cutoff. */
const DELETE_DELIVERIES = `
  DELETE FROM deliveries
  WHERE status <> 'pending' AND finished_at IS NOT NULL AND finished_at <= ?`

/**
 * The SQL form of `isReportTruncated`, minus the two protections of the store: each contract's
 * last report and any report a non-resolved incident's timeline points at. Parameters: kind,
 * [contract id], then the healthy, warning and critical cutoffs.
 */
const deleteReports = (byContract: boolean) => `
  DELETE FROM reports AS r
  WHERE r.kind = ?
    ${byContract ? 'AND r.contract_id = ?' : ''}
    AND (CASE r.kind WHEN 'sample' THEN r.pushed_at ELSE coalesce(r.ended_at, r.started_at) END)
      <= (CASE r.health WHEN 'healthy' THEN ? WHEN 'warning' THEN ? ELSE ? END)
    AND r.id IS NOT (SELECT c.last_report_id FROM contracts AS c WHERE c.id = r.contract_id)
    AND NOT EXISTS (
      SELECT 1 FROM incident_events AS e JOIN incidents AS i ON i.id = e.incident_id
      WHERE e.report_id = r.id AND i.state <> 'resolved'
    )
  RETURNING log_path`
const DELETE_REPORTS = [deleteReports(false), deleteReports(true)] as const
