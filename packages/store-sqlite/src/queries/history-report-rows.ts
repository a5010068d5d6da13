// The reports of a history page: the window both forms of the export scan, in batches, and the
// page of objects' reports read as raw rows (arrays, not objects): better-sqlite3 builds a row as
// an array several times faster than as an object of its 30 columns. A row is copied into a
// `ReportRow` by position, so that the one mapper (`reports.toDomain`) still decides what a report
// is. The samples of the page of columns are read otherwise (history-sample-columns.ts).
import { DEFAULT_RULES } from '@timon/core'
import type { RuleColumns } from '@timon/sql-common'
import type { SqliteColumnTypes } from '../rows/codec.js'
import type { ReportRow } from '../rows/reports.js'
import { rules } from '../rows/rules.js'
import type { Statements } from '../statements.js'

/**
 * Every column of `reports`, in the order the raw rows carry them: the keys of an object that
 * must name each column of `ReportRow` (a column added to the table and not here fails to compile).
 */
const REPORT_COLUMNS = Object.keys({
  id: 0,
  contract_id: 0,
  kind: 0,
  uid: 0,
  health: 0,
  pushed_at: 0,
  comment: 0,
  started_at: 0,
  start_comment: 0,
  ended_at: 0,
  end_comment: 0,
  overtime_at: 0,
  exit_code: 0,
  exit_signal: 0,
  log_path: 0,
  skipped: 0,
  stale_after: 0,
  stale_incident_after: 0,
  overtime_incident_after: 0,
  overlap_incident: 0,
  schedule: 0,
  tz: 0,
  grace: 0,
  min_runtime: 0,
  failure_threshold: 0,
  success_threshold: 0,
  depends_on: 0,
  progress_count: 0,
  progress_of: 0,
  host: 0,
  detail: 0,
} satisfies Record<keyof ReportRow, 0>) as (keyof ReportRow)[]

/** Each column's position in a raw row of every column. */
const AT = Object.fromEntries(REPORT_COLUMNS.map((column, i) => [column, i])) as Record<keyof ReportRow, number>

/** The rule columns: those `rules.toRow` fills. */
export const RULE_COLUMNS = Object.keys(rules.toRow(DEFAULT_RULES)) as (keyof RuleColumns<SqliteColumnTypes>)[]

/** A report's values, every column in {@link REPORT_COLUMNS} order, as the statement hands them back. */
export type ReportValues = readonly unknown[]

/** The window of a history page's reports: after the cursor, within `[from, to]` (ms), up to `limit`. */
export interface ReportWindow {
  readonly afterId: number
  readonly from: number
  readonly to: number
  readonly limit: number
}

/** How many reports a page's scan read, and the id of the last (`afterId` when none): the cursor's part. */
export interface ScannedReports {
  readonly count: number
  readonly lastId: number
}

/**
 * The reports of a window, from the cursor on: samples by `pushed_at`, runs by `started_at`, in id
 * order — a range scan of the primary key whatever the page. Bound as {@link windowParameters}.
 */
export const WINDOW_REPORTS = `FROM reports
  WHERE id > ? AND ((pushed_at >= ? AND pushed_at <= ?) OR (pushed_at IS NULL AND started_at >= ? AND started_at <= ?))
  ORDER BY id LIMIT ?`

/** The parameters of {@link WINDOW_REPORTS}: up to `limit` reports after `afterId`. */
export function windowParameters(window: ReportWindow, afterId: number, limit: number): readonly number[] {
  return [afterId, window.from, window.to, window.from, window.to, limit]
}

/**
 * Scans the window in batches of up to `size` reports: `read` reads the batch after `afterId`
 * (its `count` reports, the last `lastId`), until the window's `limit` or its end.
 */
export function scanWindow(
  window: ReportWindow,
  size: number,
  read: (afterId: number, limit: number) => ScannedReports,
): ScannedReports {
  let count = 0
  let lastId = window.afterId
  while (count < window.limit) {
    const asked = Math.min(size, window.limit - count)
    const batch = read(lastId, asked)
    count += batch.count
    lastId = batch.lastId
    if (batch.count < asked) break
  }
  return { count, lastId }
}

/** The rule columns of report `id`, which must exist. */
export function readRuleColumns(statements: Statements, id: number): RuleColumns<SqliteColumnTypes> {
  return statements.prepare(RULES_OF_REPORT).get(id) as RuleColumns<SqliteColumnTypes>
}

const RULES_OF_REPORT = `SELECT ${RULE_COLUMNS.join(', ')} FROM reports WHERE id = ?`

/** Every column of the window's reports, read raw (the statement is the export's own). */
const EVERY_COLUMN = `SELECT ${REPORT_COLUMNS.join(', ')} ${WINDOW_REPORTS}`

/**
 * Rows read per statement call: a page of arrays held at once outgrows a daemon's small young
 * generation, and their copies and promotions cost more than reading them; a batch dies young.
 */
const BATCH = 250

/**
 * Hands `visit` the values of each report of the window, every column ({@link reportRowOf} copies
 * them into a row), in id order.
 */
export function eachWindowReport(
  statements: Statements,
  window: ReportWindow,
  visit: (values: ReportValues) => void,
): ScannedReports {
  // The statement is the export's own (its text is used nowhere else), so raw mode stays with it.
  const statement = statements.prepare(EVERY_COLUMN).raw(true)
  return scanWindow(window, BATCH, (afterId, limit) => {
    const batch = statement.all(...windowParameters(window, afterId, limit)) as ReportValues[]
    for (const values of batch) visit(values)
    return { count: batch.length, lastId: (batch.at(-1)?.[AT.id] as number | undefined) ?? afterId }
  })
}

/** The id of the probe or job of a report's values. */
export function contractIdOf(values: ReportValues): number {
  return values[AT.contract_id] as number
}

/**
 * The row of a report's values: an object literal of one shape, several
 * times faster to build than by assigning each column in a loop (every report of a page of objects
 * goes through here).
 */
export function reportRowOf(values: ReportValues): ReportRow {
  const at = AT
  return {
    id: values[at.id] as ReportRow['id'],
    contract_id: values[at.contract_id] as ReportRow['contract_id'],
    kind: values[at.kind] as ReportRow['kind'],
    uid: values[at.uid] as ReportRow['uid'],
    health: values[at.health] as ReportRow['health'],
    pushed_at: values[at.pushed_at] as ReportRow['pushed_at'],
    comment: values[at.comment] as ReportRow['comment'],
    started_at: values[at.started_at] as ReportRow['started_at'],
    start_comment: values[at.start_comment] as ReportRow['start_comment'],
    ended_at: values[at.ended_at] as ReportRow['ended_at'],
    end_comment: values[at.end_comment] as ReportRow['end_comment'],
    overtime_at: values[at.overtime_at] as ReportRow['overtime_at'],
    exit_code: values[at.exit_code] as ReportRow['exit_code'],
    exit_signal: values[at.exit_signal] as ReportRow['exit_signal'],
    log_path: values[at.log_path] as ReportRow['log_path'],
    skipped: values[at.skipped] as ReportRow['skipped'],
    stale_after: values[at.stale_after] as ReportRow['stale_after'],
    stale_incident_after: values[at.stale_incident_after] as ReportRow['stale_incident_after'],
    overtime_incident_after: values[at.overtime_incident_after] as ReportRow['overtime_incident_after'],
    overlap_incident: values[at.overlap_incident] as ReportRow['overlap_incident'],
    schedule: values[at.schedule] as ReportRow['schedule'],
    tz: values[at.tz] as ReportRow['tz'],
    grace: values[at.grace] as ReportRow['grace'],
    min_runtime: values[at.min_runtime] as ReportRow['min_runtime'],
    failure_threshold: values[at.failure_threshold] as ReportRow['failure_threshold'],
    success_threshold: values[at.success_threshold] as ReportRow['success_threshold'],
    depends_on: values[at.depends_on] as ReportRow['depends_on'],
    progress_count: values[at.progress_count] as ReportRow['progress_count'],
    progress_of: values[at.progress_of] as ReportRow['progress_of'],
    host: values[at.host] as ReportRow['host'],
    detail: values[at.detail] as ReportRow['detail'],
  }
}
