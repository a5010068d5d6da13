// The history export (`timon replay`): one page of each part, in id order from its cursor (keyset
// pagination: each part's query is a range scan of its primary key, `id > cursor`, whatever the
// page). The reports, the bulk of it, are read raw (history-report-rows.ts); the other parts with
// Kysely's builder: a page is thousands of rows, so compiling its few queries costs nothing that
// matters. A page comes with its reports as objects (`exportHistory`), or with its samples as
// columns (`exportHistoryColumns`, what the daemon answers `timon replay` with): those are filled
// from the rows as they are read, with no `Sample` built per sample nor rule set per row, which
// otherwise made most of the daemon's work and garbage.
import {
  HISTORY_START,
  HistoryColumnsBuilder,
  inHistoryScope,
  nextHistoryCursor,
  sameRules,
  type HistoryPage,
  type HistoryQuery,
  type HistoryReport,
  type Rules,
  type Run,
  type Step,
  type StoreTx,
} from '@timon/core'
import { deliveries } from '../rows/deliveries.js'
import { incidentEvents } from '../rows/incident-events.js'
import { incidents } from '../rows/incidents.js'
import { isSampleRow, progress, reports, sampleHealth, type ReportRow } from '../rows/reports.js'
import { rules as ruleRows } from '../rows/rules.js'
import { steps } from '../rows/steps.js'
import {
  EVERY_COLUMN,
  SAMPLE_ONLY,
  eachWindowReport,
  readRuleColumns,
  reportRowOf,
  type ReportSelection,
  type ReportValues,
  type SampleRow,
} from './history-report-rows.js'
import { chunks, pushTo, type QueryContext } from './query-context.js'

export function historyQueries(context: QueryContext): Pick<StoreTx, 'exportHistory' | 'exportHistoryColumns'> {
  return {
    async exportHistory(query) {
      const rows: { readonly row: ReportRow; readonly code: string | null }[] = []
      const rest = await exportPage(context, query, EVERY_COLUMN, (_row, values, code) => {
        rows.push({ row: reportRowOf(values), code })
      })
      const stepsOf = await runSteps(
        context,
        rows.flatMap(({ row }) => (row.kind === 'run' ? [row.id] : [])),
      )
      // A probe's samples mostly carry its previous rules: they share one object, which spares
      // the memory of a page and lets its readers (`replay`) compare by identity.
      const rulesOf = new Map<number, Rules>()
      return {
        reports: rows.map(({ row, code }): HistoryReport => {
          const report = reports.toDomain(row)
          if (report.kind === 'run') return runOf(report, code, stepsOf)
          const previous = rulesOf.get(report.contractId)
          const rules = previous !== undefined && sameRules(previous, report.rules) ? previous : report.rules
          rulesOf.set(report.contractId, rules)
          return { ...report, code: code ?? '', rules }
        }),
        ...rest,
      }
    },

    async exportHistoryColumns(query) {
      const builder = new HistoryColumnsBuilder(query.limit)
      const others: { readonly id: number; readonly code: string | null }[] = []
      const rulesOf = sampleRules(context)
      const rest = await exportPage(context, query, SAMPLE_ONLY, (row, _values, code) => {
        if (!isSampleRow(row)) {
          others.push({ id: row.id, code })
          return
        }
        builder.sample({
          id: row.id,
          contractId: row.contract_id,
          code: code ?? '',
          uid: row.uid,
          health: sampleHealth(row),
          pushedAt: row.pushed_at,
          comment: row.comment,
          rules: rulesOf(row),
          progress: progress(row),
          host: row.host,
          detail: row.detail,
        })
      })
      // The runs (and any corrupt row, which `toDomain` refuses), read again with every column.
      const codeOf = new Map(others.map(({ id, code }) => [id, code]))
      const ids = others.map(({ id }) => id)
      const stepsOf = await runSteps(context, ids)
      for (const chunk of chunks(ids)) {
        for (const row of await context.db
          .selectFrom('reports')
          .selectAll()
          .where('id', 'in', chunk)
          .orderBy('id')
          .execute()) {
          builder.run(runOf(reports.toDomain(row) as Run, codeOf.get(row.id) ?? null, stepsOf))
        }
      }
      return builder.columns(rest)
    },
  }
}

// --- internal ---

/** The statement is the export's own (its text is used nowhere else), so raw mode stays with it. */
const CONTRACT_CODES = 'SELECT id, code FROM contracts'

/**
 * Reads one page of the history: hands `visit` each report in scope, in id order, as it is read
 * (see `eachWindowReport`: its row is valid during the call only) with its probe/job's code, then
 * answers the page's other parts: the incidents with their timelines, the deliveries, and the
 * next page's cursor.
 */
async function exportPage<Row extends Pick<ReportRow, 'id' | 'contract_id'>>(
  { db, statements }: QueryContext,
  query: HistoryQuery,
  selection: ReportSelection<Row>,
  visit: (row: Row, values: ReportValues, code: string | null) => void,
): Promise<Omit<HistoryPage, 'reports'>> {
  const after = query.after ?? HISTORY_START
  const [from, to] = [query.from.getTime(), query.to.getTime()]
  // Every probe's and job's code, read raw (a page reads them all, as pairs rather than objects).
  const codes = new Map(statements.prepare(CONTRACT_CODES).raw(true).all() as [number, string][])
  const codeOf = (id: number | null | undefined) => (id == null ? null : (codes.get(id) ?? null))

  const window = { afterId: after.reportId, from, to, limit: query.limit }
  const scannedReports = eachWindowReport(statements, selection, window, (row, values) => {
    const code = codeOf(row.contract_id)
    if (inHistoryScope(query, code)) visit(row, values, code)
  })

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

  const parts = {
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
  const scanned = (rows: readonly { readonly id: number }[], afterId: number) => ({
    count: rows.length,
    lastId: rows.at(-1)?.id ?? afterId,
  })
  const next = nextHistoryCursor(query.limit, {
    reportId: scannedReports,
    incidentId: scanned(incidentRows, after.incidentId),
    deliveryId: scanned(deliveryRows, after.deliveryId),
  })
  return next === undefined ? parts : { ...parts, next }
}

/**
 * The rules of samples read as {@link SampleRow}s, by their `rules_key`: a probe's samples mostly
 * carry the rules of its previous one (the same object again, as the columns' builder expects), and
 * probes mostly share a few sets, so a set's columns are read and mapped once per page.
 */
function sampleRules({ statements }: QueryContext): (row: SampleRow) => Rules {
  const byKey = new Map<string, Rules>()
  const lastOf = new Map<number, { readonly key: string; readonly rules: Rules }>()
  return (row) => {
    const last = lastOf.get(row.contract_id)
    if (last !== undefined && last.key === row.rules_key) return last.rules
    let rules = byKey.get(row.rules_key)
    if (rules === undefined) {
      rules = ruleRows.toDomain(readRuleColumns(statements, row.id))
      byKey.set(row.rules_key, rules)
    }
    lastOf.set(row.contract_id, { key: row.rules_key, rules })
    return rules
  }
}

/** The steps of the runs `runIds`, by run id. */
async function runSteps({ db }: QueryContext, runIds: readonly number[]): Promise<Map<number, Step[]>> {
  const stepsOf = new Map<number, Step[]>()
  for (const ids of chunks(runIds)) {
    for (const row of await db.selectFrom('steps').selectAll().where('report_id', 'in', ids).orderBy('id').execute()) {
      const step = steps.toDomain(row)
      pushTo(stepsOf, step.reportId, step)
    }
  }
  return stepsOf
}

/** A run as the history holds it: with its probe/job's code and its steps. */
function runOf(
  run: Run,
  code: string | null,
  stepsOf: ReadonlyMap<number, readonly Step[]>,
): Extract<HistoryReport, { readonly kind: 'run' }> {
  return { ...run, code: code ?? '', steps: stepsOf.get(run.id) ?? [] }
}
