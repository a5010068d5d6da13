// The history export (`timon replay`): one page of each part, in id order from its cursor (keyset
// pagination: each part's query is a range scan of its primary key, `id > cursor`, whatever the
// page). The reports, the bulk of it, are read with SQL of the store's own (history-report-rows.ts);
// the other parts with Kysely's builder: a page is thousands of rows, so compiling its few queries
// costs nothing that matters. A page comes with its reports as objects (`exportHistory`), or with
// its samples as columns (`exportHistoryColumns`, what the daemon answers `timon replay` with):
// those SQLite reads as columns, most of them as the JSON text the page carries
// (history-sample-columns.ts), with no `Sample` nor row built per sample, which otherwise made most
// of the daemon's work and garbage.
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
import { progress, reports, type ReportRow } from '../rows/reports.js'
import { steps } from '../rows/steps.js'
import type { Statements } from '../statements.js'
import {
  contractIdOf,
  eachWindowReport,
  reportRowOf,
  type ReportWindow,
  type ScannedReports,
} from './history-report-rows.js'
import { readSampleColumns } from './history-sample-columns.js'
import { chunks, pushTo, type QueryContext } from './query-context.js'

export function historyQueries(context: QueryContext): Pick<StoreTx, 'exportHistory' | 'exportHistoryColumns'> {
  return {
    async exportHistory(query) {
      const { reports: read, parts } = await exportPage(context, query, (window, { codeOf }) => {
        const rows: { readonly row: ReportRow; readonly code: string | null }[] = []
        const scanned = eachWindowReport(context.statements, window, (values) => {
          const code = codeOf(contractIdOf(values))
          if (inHistoryScope(query, code)) rows.push({ row: reportRowOf(values), code })
        })
        return { ...scanned, rows }
      })
      const stepsOf = await runSteps(
        context,
        read.rows.flatMap(({ row }) => (row.kind === 'run' ? [row.id] : [])),
      )
      // A probe's samples mostly carry its previous rules: they share one object, which spares
      // the memory of a page and lets its readers (`replay`) compare by identity.
      const rulesOf = new Map<number, Rules>()
      return {
        reports: read.rows.map(({ row, code }): HistoryReport => {
          const report = reports.toDomain(row)
          if (report.kind === 'run') return runOf(report, code, stepsOf)
          const previous = rulesOf.get(report.contractId)
          const rules = previous !== undefined && sameRules(previous, report.rules) ? previous : report.rules
          rulesOf.set(report.contractId, rules)
          return { ...report, code: code ?? '', rules }
        }),
        ...parts,
      }
    },

    async exportHistoryColumns(query) {
      const builder = new HistoryColumnsBuilder()
      const {
        reports: read,
        contracts,
        parts,
      } = await exportPage(context, query, (window, { scope }) => readSampleColumns(context.statements, window, scope))
      const { contract_id: contractId, progress_count: counts, progress_of: ofs } = read.values
      builder.samples(
        {
          id: read.text.id,
          contractId,
          uid: read.text.uid,
          health: read.text.health,
          pushedAt: read.text.pushed_at,
          comment: read.text.comment,
          rules: read.rules,
          progress: counts.map((count, i) => progress({ progress_count: count, progress_of: ofs[i] ?? null })),
          host: read.text.host,
          detail: read.text.detail,
        },
        (probe) => contracts.codeOf(probe) ?? '',
      )
      // The runs (and any corrupt row, which `toDomain` refuses), read again with every column.
      const stepsOf = await runSteps(context, read.others)
      for (const chunk of chunks(read.others)) {
        for (const row of await context.db
          .selectFrom('reports')
          .selectAll()
          .where('id', 'in', chunk)
          .orderBy('id')
          .execute()) {
          builder.run(runOf(reports.toDomain(row) as Run, contracts.codeOf(row.contract_id), stepsOf))
        }
      }
      return builder.columns(parts)
    },
  }
}

// --- internal ---

/**
 * Every probe's and job's code by id: a page reads them all, as two JSON arrays (a row each, even
 * raw, cost three times as much: 0.4 µs a contract, some 0.1 µs a sample with 1,000 probes).
 */
function contractCodes(statements: Statements): Map<number, string> {
  // The statement is the export's own (its text is used nowhere else), so raw mode stays with it.
  const [ids, codes] = (statements.prepare(CONTRACT_CODES).raw(true).get() as [string, string]).map(
    (array) => JSON.parse(array) as unknown[],
  ) as [number[], string[]]
  return new Map(ids.map((id, i) => [id, codes[i] as string]))
}

const CONTRACT_CODES = 'SELECT json_group_array(id), json_group_array(code) FROM contracts'

/** The probes and jobs of a page: each one's code, and which are in the query's scope. */
interface PageContracts {
  /** The code of a probe or job by its id (`null` for none). */
  readonly codeOf: (id: number | null | undefined) => string | null
  /** The ids of those in the query's scope; `undefined` when every one is. */
  readonly scope: readonly number[] | undefined
}

/**
 * Reads one page of the history: has `readReports` read the page's window of reports, then reads
 * the page's other parts: the incidents with their timelines, the deliveries, and the next page's
 * cursor. Answers what `readReports` read, the page's probes and jobs, and the other parts.
 */
async function exportPage<Read extends ScannedReports>(
  { db, statements }: QueryContext,
  query: HistoryQuery,
  readReports: (window: ReportWindow, contracts: PageContracts) => Read,
): Promise<{
  readonly reports: Read
  readonly contracts: PageContracts
  readonly parts: Omit<HistoryPage, 'reports'>
}> {
  const after = query.after ?? HISTORY_START
  const [from, to] = [query.from.getTime(), query.to.getTime()]
  const codes = contractCodes(statements)
  const codeOf = (id: number | null | undefined) => (id == null ? null : (codes.get(id) ?? null))
  const scope =
    query.code === undefined ? undefined : [...codes].flatMap(([id, code]) => (inHistoryScope(query, code) ? [id] : []))
  const contracts = { codeOf, scope }

  const scannedReports = readReports({ afterId: after.reportId, from, to, limit: query.limit }, contracts)

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
  return { reports: scannedReports, contracts, parts: next === undefined ? parts : { ...parts, next } }
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
