// Samples, runs and their steps. Kysely's builder (typed columns) for all but the insert every push
// runs, which is prepared SQL text with positional parameters: Kysely compiles a query afresh each
// time, and that costs more than SQLite takes to run it.
import type { Report, ReportMark, Run, Sample, StoreTx } from '@timon/core'
import { reports, type MarkRow, type ReportFields, type ReportRow } from '../rows/reports.js'
import { steps } from '../rows/steps.js'
import type { Statements } from '../statements.js'
import { RUN, type QueryContext } from './query-context.js'

type ReportQueries = Pick<
  StoreTx,
  | 'insertSample'
  | 'insertRun'
  | 'getReport'
  | 'findReport'
  | 'updateRun'
  | 'latestReport'
  | 'latestStartedRun'
  | 'listReports'
  | 'countReports'
  | 'recentReportMarks'
  | 'unfinishedRuns'
  | 'deleteReport'
  | 'runLogPaths'
  | 'insertStep'
  | 'listSteps'
>

export function reportQueries({ db, statements, cache }: QueryContext): ReportQueries {
  return {
    async insertSample(input) {
      return insertReport(statements, {
        ...input,
        kind: 'sample',
        detail: input.detail ?? null,
        progress: input.progress ?? null,
      }) as Sample
    },

    async insertRun(input) {
      const skipped = input.skipped ?? false
      return insertReport(statements, {
        ...input,
        kind: 'run',
        health: skipped ? 'healthy' : 'unknown',
        endedAt: skipped ? input.startedAt : null,
        endComment: null,
        exit: null,
        logPath: null,
        skipped,
        progress: null,
      }) as Run
    },

    async getReport(id) {
      const row = await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : reports.toDomain(row)
    },

    async findReport(contractId, uid) {
      const row = await db
        .selectFrom('reports')
        .selectAll()
        .where('contract_id', '=', contractId)
        .where('uid', '=', uid)
        .executeTakeFirst()
      return row === undefined ? undefined : reports.toDomain(row)
    },

    async updateRun(id, patch) {
      const set = reports.runPatchToRow(patch)
      if (Object.keys(set).length === 0) return
      await db.updateTable('reports').set(set).where('id', '=', id).where('kind', '=', 'run').execute()
    },

    async latestReport(contractId) {
      const row = await db
        .selectFrom('reports')
        .selectAll()
        .where('contract_id', '=', contractId)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
      return row === undefined ? undefined : reports.toDomain(row)
    },

    async latestStartedRun(contractId) {
      const row = await db
        .selectFrom('reports')
        .selectAll()
        .where('contract_id', '=', contractId)
        .where('kind', '=', 'run')
        .where('skipped', '=', 0)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
      return row === undefined ? undefined : (reports.toDomain(row) as Run)
    },

    async listReports(contractId, page) {
      let query = db.selectFrom('reports').selectAll().where('contract_id', '=', contractId)
      if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId)
      query = query.orderBy('id', 'desc')
      if (page.limit !== undefined) query = query.limit(page.limit)
      return (await query.execute()).map(reports.toDomain)
    },

    async recentReportMarks(contractIds, perContract) {
      // One indexed LIMIT query per contract, narrow columns: a long history costs nothing extra,
      // and 10,000 contracts take tens of milliseconds (a window function over IN lists, or every
      // column, cost several times more).
      const statement = statements.prepare(RECENT_MARKS)
      const recent = new Map<number, ReportMark[]>()
      for (const id of new Set(contractIds)) {
        const rows = statement.all(id, perContract) as MarkRow[]
        if (rows.length > 0) recent.set(id, rows.map(reports.markToDomain))
      }
      return recent
    },

    async countReports(contractId) {
      const { count } = await db
        .selectFrom('reports')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('contract_id', '=', contractId)
        .executeTakeFirstOrThrow()
      return count
    },

    async unfinishedRuns(contractId, excludeId) {
      let query = db
        .selectFrom('reports')
        .selectAll()
        .where('contract_id', '=', contractId)
        .where('kind', '=', RUN)
        .where('ended_at', 'is', null)
      if (excludeId !== undefined) query = query.where('id', '<>', excludeId)
      return (await query.orderBy('id').execute()).map((row) => reports.toDomain(row) as Run)
    },

    async deleteReport(id) {
      // A contract whose last report it is gets NULL (ON DELETE SET NULL), behind the row cache's back.
      cache.contractsChanged()
      await db.deleteFrom('reports').where('id', '=', id).execute()
    },

    async runLogPaths(contractId) {
      const rows = await db
        .selectFrom('reports')
        .select('log_path')
        .where('contract_id', '=', contractId)
        .where('log_path', 'is not', null)
        .orderBy('id')
        .execute()
      return rows.flatMap((row) => (row.log_path === null ? [] : [row.log_path]))
    },

    async insertStep(input) {
      const row = steps.toRow({ ...input, detail: input.detail ?? null })
      const { insertId } = await db.insertInto('steps').values(row).executeTakeFirstOrThrow()
      return steps.toDomain({ ...row, id: Number(insertId) })
    },

    async listSteps(reportId) {
      const rows = await db.selectFrom('steps').selectAll().where('report_id', '=', reportId).orderBy('id').execute()
      return rows.map(steps.toDomain)
    },
  }
}

// --- internal ---

/** Every column of `reports` but the id, in the order of `INSERT_REPORT`'s parameters. */
const INSERT_COLUMNS = [
  'contract_id',
  'kind',
  'uid',
  'health',
  'pushed_at',
  'comment',
  'detail',
  'started_at',
  'start_comment',
  'ended_at',
  'end_comment',
  'overtime_at',
  'exit_code',
  'exit_signal',
  'log_path',
  'skipped',
  'stale_after',
  'stale_incident_after',
  'overtime_incident_after',
  'overlap_incident',
  'schedule',
  'tz',
  'grace',
  'min_runtime',
  'failure_threshold',
  'success_threshold',
  'depends_on',
  'progress_count',
  'progress_of',
  'host',
] as const satisfies readonly (keyof Omit<ReportRow, 'id'>)[]

const RECENT_MARKS = 'SELECT kind, health, ended_at FROM reports WHERE contract_id = ? ORDER BY id DESC LIMIT ?'

const INSERT_REPORT = `INSERT INTO reports (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`

function insertReport(statements: Statements, fields: ReportFields): Report {
  const row = reports.toRow(fields)
  // Spread, not one array argument: better-sqlite3 reads an array's elements one property lookup
  // at a time, a few µs for 29 columns.
  const { lastInsertRowid } = statements.prepare(INSERT_REPORT).run(...INSERT_COLUMNS.map((column) => row[column]))
  return reports.toDomain({ ...row, id: Number(lastInsertRowid) })
}
