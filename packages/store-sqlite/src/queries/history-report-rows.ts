// The reports of a history page, read as raw rows (arrays, not objects) from a prepared statement:
// the bulk of a month-long export, and better-sqlite3 builds a row as an array several times
// faster than as an object of its 30 columns. Each array becomes a `ReportRow` by the column
// list, so that the one mapper (`reports.toDomain`) still decides what a report is.
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
} satisfies Record<keyof ReportRow, 0>)

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

function reportRowOf(values: readonly unknown[]): ReportRow {
  const row: Record<string, unknown> = {}
  for (let i = 0; i < REPORT_COLUMNS.length; i++) row[REPORT_COLUMNS[i] as string] = values[i]
  return row as ReportRow
}
