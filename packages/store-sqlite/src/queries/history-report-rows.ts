// The reports of a history page, read as raw rows (arrays, not objects) from prepared statements:
// the bulk of a month-long export, and better-sqlite3 builds a row as an array several times
// faster than as an object of its 30 columns. A row is read through a view of its array, or copied
// into a `ReportRow` by position, so that the one mapper (`reports.toDomain` and the pieces it
// shares) still decides what a report is.
import { DEFAULT_RULES } from '@timon/core'
import type { RuleColumns } from '@timon/sql-common'
import type { SqliteColumnTypes } from '../rows/codec.js'
import type { ReportRow } from '../rows/reports.js'
import { rules } from '../rows/rules.js'
import { RowCursor } from '../row-views.js'
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
const RULE_COLUMNS = Object.keys(rules.toRow(DEFAULT_RULES)) as (keyof RuleColumns<SqliteColumnTypes>)[]

/** A report's values in its selection's column order, as the statement hands them back. */
export type ReportValues = readonly unknown[]

/** Which columns of the window's reports are read: the statement's text, and a view of its rows. */
export interface ReportSelection<Row> {
  readonly text: string
  readonly rows: RowCursor<Row>
}

/**
 * The window's reports with the columns `select` lists (named `columns` in order): samples by
 * `pushed_at`, runs by `started_at`, within the window, after the cursor — a range scan of the
 * primary key whatever the page.
 */
function selection<Row>(columns: readonly string[], select = columns.join(', ')): ReportSelection<Row> {
  return {
    text: `SELECT ${select} FROM reports
  WHERE id > ? AND ((pushed_at >= ? AND pushed_at <= ?) OR (pushed_at IS NULL AND started_at >= ? AND started_at <= ?))
  ORDER BY id LIMIT ?`,
    // One view per selection, moved over its rows: `eachWindowReport` is synchronous, so none overlap.
    rows: new RowCursor<Row>(columns),
  }
}

/** Every column: rows that {@link reportRowOf} copies, for `reports.toDomain`. */
export const EVERY_COLUMN = selection<ReportRow>(REPORT_COLUMNS)

/**
 * The columns a sample's mapping reads, but its rules (see {@link SampleRow}): a sample field the
 * history's columns must fill and this list lacks fails to compile there.
 */
const SAMPLE_COLUMNS = [
  'id',
  'contract_id',
  'kind',
  'uid',
  'health',
  'pushed_at',
  'comment',
  'detail',
  'host',
  'progress_count',
  'progress_of',
] as const satisfies readonly (keyof ReportRow)[]

/**
 * A report as the history's columns read it: the columns a sample's mapping reads (the pieces
 * `reports.toDomain` shares) but not the nine only runs fill (a run is read again in full), and its
 * eleven rule columns as one value, `rules_key`: their JSON array, the same text for the same
 * values and a different one for different values (SQLite's JSON writes integers, reals and text
 * exactly), so that a rule set is read ({@link readRuleColumns}) and mapped once. better-sqlite3
 * fills a raw row one value at a time, growing its array again past 17 values: 12 values instead
 * of 31 read a sample in half the time, with half the garbage.
 */
export type SampleRow = Pick<ReportRow, (typeof SAMPLE_COLUMNS)[number]> & { readonly rules_key: string }

/** The columns of {@link SampleRow}s. */
export const SAMPLE_ONLY = selection<SampleRow>(
  [...SAMPLE_COLUMNS, 'rules_key'],
  `${SAMPLE_COLUMNS.join(', ')}, json_array(${RULE_COLUMNS.join(', ')}) AS rules_key`,
)

/** The rule columns of report `id`, which must exist. */
export function readRuleColumns(statements: Statements, id: number): RuleColumns<SqliteColumnTypes> {
  return statements.prepare(RULES_OF_REPORT).get(id) as RuleColumns<SqliteColumnTypes>
}

const RULES_OF_REPORT = `SELECT ${RULE_COLUMNS.join(', ')} FROM reports WHERE id = ?`

/**
 * Rows read per statement call: a page of arrays held at once outgrows a daemon's small young
 * generation, and their copies and promotions cost more than reading them; a batch dies young.
 */
const BATCH = 250

/**
 * Hands `visit` each of up to `limit` reports after `afterId` whose time is within `[from, to]`
 * (ms), in id order, with the columns of `selection`: its row — a view of its values, valid during
 * the call only ({@link reportRowOf} copies one of {@link EVERY_COLUMN}) — and its values.
 *
 * @returns how many were read, and the id of the last (`afterId` when none): the cursor's part.
 */
export function eachWindowReport<Row extends { readonly id: number }>(
  statements: Statements,
  selection: ReportSelection<Row>,
  window: { readonly afterId: number; readonly from: number; readonly to: number; readonly limit: number },
  visit: (row: Row, values: ReportValues) => void,
): { readonly count: number; readonly lastId: number } {
  const { afterId, from, to, limit } = window
  // Each statement is the export's own (its text is used nowhere else), so raw mode stays with it.
  const statement = statements.prepare(selection.text).raw(true)
  let count = 0
  let lastId = afterId
  while (count < limit) {
    const asked = Math.min(BATCH, limit - count)
    const batch = statement.all(lastId, from, to, from, to, asked) as ReportValues[]
    for (const values of batch) {
      const row = selection.rows.at(values)
      lastId = row.id
      visit(row, values)
    }
    count += batch.length
    if (batch.length < asked) break
  }
  return { count, lastId }
}

/**
 * The row of a raw row's values ({@link EVERY_COLUMN}): an object literal of one shape, several
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
