// The history export (`timon replay`): one page of each part, in id order from its cursor (keyset
// pagination: each part's query is a range scan of its primary key, `id > cursor`, whatever the
// page). The reports, the bulk of it, are read raw (history-report-rows.ts); the other parts with
// Kysely's builder: a page is thousands of rows, so compiling its few queries costs nothing that
// matters.
import {
  HISTORY_START,
  inHistoryScope,
  nextHistoryCursor,
  sameRules,
  type HistoryPage,
  type HistoryReport,
  type Rules,
  type Step,
  type StoreTx,
} from '@timon/core'
import { deliveries } from '../rows/deliveries.js'
import { incidentEvents } from '../rows/incident-events.js'
import { incidents } from '../rows/incidents.js'
import { reports } from '../rows/reports.js'
import { steps } from '../rows/steps.js'
import { windowReportRows } from './history-report-rows.js'
import { chunks, pushTo, type QueryContext } from './query-context.js'

export function historyQueries({ db, statements }: QueryContext): Pick<StoreTx, 'exportHistory'> {
  return {
    async exportHistory(query) {
      const after = query.after ?? HISTORY_START
      const [from, to] = [query.from.getTime(), query.to.getTime()]
      const codes = new Map(
        (await db.selectFrom('contracts').select(['id', 'code']).execute()).map((c) => [c.id, c.code]),
      )
      const codeOf = (id: number | null | undefined) => (id == null ? null : (codes.get(id) ?? null))

      const reportRows = windowReportRows(statements, { afterId: after.reportId, from, to, limit: query.limit })
      const inScope = reportRows.filter((row) => inHistoryScope(query, codeOf(row.contract_id)))
      const stepsOf = new Map<number, Step[]>()
      for (const ids of chunks(inScope.filter((row) => row.kind === 'run').map((row) => row.id))) {
        for (const row of await db
          .selectFrom('steps')
          .selectAll()
          .where('report_id', 'in', ids)
          .orderBy('id')
          .execute()) {
          const step = steps.toDomain(row)
          pushTo(stepsOf, step.reportId, step)
        }
      }

      const incidentRows = await db
        .selectFrom('incidents')
        .selectAll()
        .where('id', '>', after.incidentId)
        .where('opened_at', '>=', from)
        .where('opened_at', '<=', to)
        .orderBy('id')
        .limit(query.limit)
        .execute()
      const wantedIncidents = incidentRows.filter((row) => inHistoryScope(query, codeOf(row.contract_id)))
      const timelines = new Map<number, ReturnType<typeof incidentEvents.toDomain>[]>()
      for (const ids of chunks(wantedIncidents.map((row) => row.id))) {
        for (const row of await db
          .selectFrom('incident_events')
          .selectAll()
          .where('incident_id', 'in', ids)
          .orderBy('id')
          .execute()) {
          const event = incidentEvents.toDomain(row)
          pushTo(timelines, event.incidentId, event)
        }
      }

      const deliveryRows = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('id', '>', after.deliveryId)
        .where('created_at', '>=', from)
        .where('created_at', '<=', to)
        .orderBy('id')
        .limit(query.limit)
        .execute()

      // A probe's samples mostly carry its previous rules: they share one object, which spares
      // the memory of a page and lets its readers (the wire's columns, `replay`) compare by identity.
      const rulesOf = new Map<number, Rules>()
      const page: HistoryPage = {
        reports: inScope.map((row): HistoryReport => {
          const report = reports.toDomain(row)
          const code = codeOf(row.contract_id) ?? ''
          const previous = rulesOf.get(report.contractId)
          const rules = previous !== undefined && sameRules(previous, report.rules) ? previous : report.rules
          rulesOf.set(report.contractId, rules)
          return report.kind === 'sample'
            ? { ...report, code, rules }
            : { ...report, code, rules, steps: stepsOf.get(report.id) ?? [] }
        }),
        incidents: wantedIncidents.map((row) => ({
          ...incidents.toDomain(row),
          code: codeOf(row.contract_id),
          timeline: timelines.get(row.id) ?? [],
        })),
        deliveries: deliveryRows.flatMap((row) => {
          const delivery = deliveries.toDomain(row)
          const code = codeOf(delivery.event.incident?.contractId)
          return inHistoryScope(query, code) ? [{ ...delivery, code }] : []
        }),
      }
      const scanned = <T extends { id: number }>(rows: readonly T[], afterId: number) => ({
        count: rows.length,
        lastId: rows.at(-1)?.id ?? afterId,
      })
      const next = nextHistoryCursor(query.limit, {
        reportId: scanned(reportRows, after.reportId),
        incidentId: scanned(incidentRows, after.incidentId),
        deliveryId: scanned(deliveryRows, after.deliveryId),
      })
      return next === undefined ? page : { ...page, next }
    },
  }
}
