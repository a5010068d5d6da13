// The reports of a history page, read as raw rows (arrays, not objects) from a prepared statement:
// the bulk of a month-long export, and better-sqlite3 builds a row as an array several times
// faster than as an object of its 30 columns. Each array becomes a `ReportRow` by position, so that
// the one mapper (`reports.toDomain`) still decides what a report is.
import type { ReportRow } from '../rows/reports.js'
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

/** Each column's position in a raw row. */
const AT = Object.fromEntries(REPORT_COLUMNS.map((column, i) => [column, i])) as Record<keyof ReportRow, number>

/**
 * Samples by `pushed_at`, runs by `started_at`, within the window, after the cursor: a range scan
 * of the primary key whatever the page.
 */
const WINDOW_REPORTS = `SELECT ${REPORT_COLUMNS.join(', ')} FROM reports
  WHERE id > ? AND ((pushed_at >= ? AND pushed_at <= ?) OR (pushed_at IS NULL AND started_at >= ? AND started_at <= ?))
  ORDER BY id LIMIT ?`

/** Up to `limit` reports after `afterId` whose time is within `[from, to]` (ms), in id order. */
export function windowReportRows(
  statements: Statements,
  window: { readonly afterId: number; readonly from: number; readonly to: number; readonly limit: number },
): ReportRow[] {
  const { afterId, from, to, limit } = window
  // The statement is the export's own (its text is used nowhere else), so raw mode stays with it.
  const values = statements.prepare(WINDOW_REPORTS).raw(true).all(afterId, from, to, from, to, limit)
  return (values as unknown[][]).map(reportRowOf)
}

/**
 * The row of a raw row's values: an object literal of one shape, several times faster to build than
 * by assigning each column in a loop (every sample of an export goes through here).
 */
function reportRowOf(values: readonly unknown[]): ReportRow {
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
