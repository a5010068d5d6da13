// The samples of a history page as columns (`exportHistoryColumns`, what the daemon answers
// `timon replay` with), gathered by SQLite: a batch of the window's reports is read as one row that
// holds each column of the samples in scope as the JSON text of its array (`json_group_array`),
// which goes on the wire as it is (`JsonColumn`). better-sqlite3 (on Node 20) builds a raw row by
// setting its values one at a time through V8's API, some 90 ns a value, and a page of rows, then
// of columns, held through a daemon's small young generation was copied and promoted; as JSON
// text a page is a few strings. Only what the page numbers or maps is parsed: each sample's probe
// and rules, and its progress.
import { HEALTHS, JsonColumn, type Health } from '@timon/core'
import type { ReportRow } from '../rows/reports.js'
import type { Statements } from '../statements.js'
import {
  RULE_COLUMNS,
  WINDOW_REPORTS,
  scanWindow,
  windowParameters,
  type ReportWindow,
  type ScannedReports,
} from './history-report-rows.js'

/**
 * The samples in scope of a window's reports, as columns in id order: the columns that go on the
 * page as they are, as JSON text; those the page numbers or maps, as values; and `rules_key`, each
 * sample's eleven rule columns as one value, their JSON array — the same text for the same values
 * and a different one for different values (SQLite's JSON writes integers, reals and text exactly)
 * — so that a rule set is mapped once. A sample is what `isSampleRow` and `sampleHealth` take for
 * one; the ids of the other reports in scope are in `others` (runs, or a corrupt row): read them
 * again in full.
 */
export interface SampleColumnsRead extends ScannedReports {
  readonly text: {
    readonly id: JsonColumn<number>
    readonly uid: JsonColumn<string>
    readonly health: JsonColumn<Health>
    readonly pushed_at: JsonColumn<number>
    readonly comment: JsonColumn<string | null>
    readonly detail: JsonColumn<string | null>
    readonly host: JsonColumn<string | null>
  }
  readonly values: {
    readonly id: readonly number[]
    readonly contract_id: readonly number[]
    readonly progress_count: readonly (number | null)[]
    readonly progress_of: readonly (number | null)[]
    readonly rules_key: readonly string[]
  }
  readonly others: readonly number[]
}

/**
 * Reads the samples of the window's reports whose probe is in `scope` (ids; `undefined`: every
 * probe's), in batches, as columns.
 */
export function readSampleColumns(
  statements: Statements,
  window: ReportWindow,
  scope: readonly number[] | undefined,
): SampleColumnsRead {
  // The statements are the export's own (their text is used nowhere else), so raw mode stays with them.
  const statement = statements.prepare(scope === undefined ? EVERY_PROBE : IN_SCOPE).raw(true)
  const named = scope === undefined ? [] : [{ scope: JSON.stringify(scope) }]
  const batches: string[][] = []
  const scanned = scanWindow(window, BATCH, (afterId, limit) => {
    const [count, lastId, ...columns] = statement.get(...windowParameters(window, afterId, limit), ...named) as [
      number,
      number | null,
      ...string[],
    ]
    batches.push(columns)
    return { count, lastId: lastId ?? afterId }
  })
  const column = (name: BatchColumn) =>
    joinedArrays(batches.map((columns) => columns[BATCH_COLUMNS.indexOf(name)] as string))
  const text = <T>(name: BatchColumn) => new JsonColumn<T>(column(name))
  const parsed = <T>(name: BatchColumn) => JSON.parse(column(name)) as T[]
  return {
    ...scanned,
    text: {
      id: text('id'),
      uid: text('uid'),
      health: text('health'),
      pushed_at: text('pushed_at'),
      comment: text('comment'),
      detail: text('detail'),
      host: text('host'),
    },
    values: inIdOrder({
      id: parsed('id'),
      contract_id: parsed('contract_id'),
      progress_count: parsed('progress_count'),
      progress_of: parsed('progress_of'),
      rules_key: parsed('rules_key'),
    }),
    others: parsed('others'),
  }
}

// --- internal ---

/**
 * The columns of a batch's row, after its count and last id: those a sample's mapping reads (the
 * pieces `reports.toDomain` shares) but its rules, then the rules' key, then `others`.
 */
const BATCH_COLUMNS = [
  ...([
    'id',
    'contract_id',
    'uid',
    'health',
    'pushed_at',
    'comment',
    'detail',
    'host',
    'progress_count',
    'progress_of',
  ] as const satisfies readonly (keyof ReportRow)[]),
  'rules_key',
  'others',
] as const

type BatchColumn = (typeof BATCH_COLUMNS)[number]

/** A sample as `isSampleRow` and `sampleHealth` take one. */
const SAMPLE = `kind = 'sample' AND pushed_at IS NOT NULL AND health IN (${HEALTHS.map((h) => `'${h}'`).join(', ')})`

/**
 * A batch: how many reports, the last id, then each of {@link BATCH_COLUMNS} as a JSON array. The
 * rules' key is made text (`|| ''`), else `json_group_array` would nest it as JSON.
 */
function batchStatement(inScope: string): string {
  const columns = BATCH_COLUMNS.filter((column) => column !== 'rules_key' && column !== 'others')
  return `SELECT count(*), max(id),
  ${[...columns, 'rules_key'].map((column) => `json_group_array(${column}) FILTER (WHERE sample AND in_scope)`).join(',\n  ')},
  json_group_array(id) FILTER (WHERE NOT sample AND in_scope)
  FROM (SELECT ${columns.join(', ')}, json_array(${RULE_COLUMNS.join(', ')}) || '' AS rules_key,
    ${SAMPLE} AS sample, ${inScope} AS in_scope
    ${WINDOW_REPORTS})`
}

const EVERY_PROBE = batchStatement('1')
/** With the JSON array of the ids in scope as `@scope`. */
const IN_SCOPE = batchStatement('contract_id IN (SELECT value FROM json_each(@scope))')

/** Reports per batch: a page of 5,000 in one statement call, a larger one in pieces of bounded text. */
const BATCH = 5000

/** The JSON array of the values of `arrays` (JSON arrays), in order. */
function joinedArrays(arrays: readonly string[]): string {
  if (arrays.length === 1) return arrays[0] as string
  const values = arrays.map((array) => array.slice(1, -1)).filter((values) => values !== '')
  return `[${values.join(',')}]`
}

/**
 * `columns`, checked to be in id order: SQLite aggregates a subquery's rows in the order it yields
 * them (its `ORDER BY id`), which its documentation leaves unspecified without an `ORDER BY` in
 * each aggregate, and that sorts each column again (three times the cost).
 */
function inIdOrder<C extends { readonly id: readonly number[] }>(columns: C): C {
  const { id } = columns
  for (let i = 1; i < id.length; i++) {
    if ((id[i] as number) <= (id[i - 1] as number))
      throw new Error(`history columns out of id order at report ${id[i]}`)
  }
  return columns
}
