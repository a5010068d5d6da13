// The samples of a history page as columns (`exportHistoryColumns`, what the daemon answers
// `timon replay` with), gathered by SQLite: a batch of the window's reports is read as one row that
// holds each column of the samples in scope as the JSON text of its array (`json_group_array`),
// which goes on the wire as it is (`JsonColumn`). better-sqlite3 (on Node 20) builds a raw row by
// setting its values one at a time through V8's API, some 90 ns a value, and a page of rows, then
// of columns, held through a daemon's small young generation was copied and promoted; as JSON
// text a page is a few strings. Only what the page numbers or maps is parsed (each sample's probe,
// rules and progress), and the ids, checked to be in order.
import { HEALTHS, JsonColumn, type Health, type Rules } from '@timon/core'
import type { ReportRow } from '../rows/reports.js'
import { rules as ruleRows } from '../rows/rules.js'
import type { Statements } from '../statements.js'
import {
  RULE_COLUMNS,
  WINDOW_REPORTS,
  readRuleColumns,
  scanWindow,
  windowParameters,
  type ReportWindow,
  type ScannedReports,
} from './history-report-rows.js'

/**
 * The samples in scope of a window's reports, as columns in id order: the columns that go on the
 * page as they are, as JSON text; those the page numbers or maps, as values (the ids too); and
 * each sample's rules. A sample is what `isSampleRow` and `sampleHealth` take for one; the ids of
 * the other reports in scope are in `others` (runs, or a corrupt row): read them again in full.
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
  }
  readonly rules: readonly Rules[]
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
  const batchesOf = (name: BatchColumn) => batches.map((columns) => columns[BATCH_COLUMNS.indexOf(name)] ?? '')
  const text = <T>(name: BatchColumn) => new JsonColumn<T>(joinedArrays(batchesOf(name)))
  const parsed = <T>(name: BatchColumn) => JSON.parse(joinedArrays(batchesOf(name))) as T[]
  const values = inIdOrder({
    id: parsed<number>('id'),
    contract_id: parsed<number>('contract_id'),
    progress_count: parsed<number | null>('progress_count'),
    progress_of: parsed<number | null>('progress_of'),
  })
  // Split, a key is a slice of the batch's text: parsed from JSON, each was a string of its own.
  const keys = batchesOf('rules_key').flatMap((lines) => (lines === '' ? [] : lines.split('\n')))
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
    values,
    rules: samplesRules(statements, values, keys),
    others: parsed('others'),
  }
}

// --- internal ---

/** The columns a sample's mapping reads but its rules, as the statement hands them (JSON arrays). */
const SAMPLE_COLUMNS = [
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
] as const satisfies readonly (keyof ReportRow)[]

/**
 * The columns of a batch's row, after its count and last id: those a sample's mapping reads (the
 * pieces `reports.toDomain` shares) but its rules, as JSON arrays; its rules' keys; then `others`.
 */
const BATCH_COLUMNS = [...SAMPLE_COLUMNS, 'rules_key', 'others'] as const

type BatchColumn = (typeof BATCH_COLUMNS)[number]

/** A sample as `isSampleRow` and `sampleHealth` take one. */
const SAMPLE = `kind = 'sample' AND pushed_at IS NOT NULL AND health IN (${HEALTHS.map((h) => `'${h}'`).join(', ')})`

/**
 * A batch: how many reports, the last id, then each of {@link BATCH_COLUMNS}. A sample's rules' key
 * is its eleven rule columns' JSON array: the same text for the same values and a different one for
 * different values (SQLite's JSON writes integers, reals and text exactly); the keys come one a
 * line (JSON escapes a newline in a text).
 */
function batchStatement(inScope?: string): string {
  // Without a scope, no condition of its own: a constant one still cost 8% of the statement.
  const [scoped, scope] = inScope === undefined ? ['', ''] : [' AND in_scope', `, ${inScope} AS in_scope`]
  const wanted = `FILTER (WHERE sample${scoped})`
  return `SELECT count(*), max(id),
  ${SAMPLE_COLUMNS.map((column) => `json_group_array(${column}) ${wanted}`).join(',\n  ')},
  group_concat(rules_key, char(10)) ${wanted},
  json_group_array(id) FILTER (WHERE NOT sample${scoped})
  FROM (SELECT ${SAMPLE_COLUMNS.join(', ')}, json_array(${RULE_COLUMNS.join(', ')}) AS rules_key,
    ${SAMPLE} AS sample${scope} ${WINDOW_REPORTS})`
}

const EVERY_PROBE = batchStatement()
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

/**
 * Each sample's rules, from their `keys` (in the samples' order): a probe's samples mostly carry the
 * rules of its previous one (the same object again, as the columns' builder expects), and probes
 * mostly share a few sets, so a set's columns are read and mapped once per page.
 */
function samplesRules(
  statements: Statements,
  samples: { readonly id: readonly number[]; readonly contract_id: readonly number[] },
  keys: readonly string[],
): Rules[] {
  const byKey = new Map<string, Rules>()
  const lastOf = new Map<number, { readonly key: string; readonly rules: Rules }>()
  return keys.map((key, i) => {
    const contractId = samples.contract_id[i] as number
    const last = lastOf.get(contractId)
    if (last !== undefined && last.key === key) return last.rules
    let rules = byKey.get(key)
    if (rules === undefined) {
      rules = ruleRows.toDomain(readRuleColumns(statements, samples.id[i] as number))
      byKey.set(key, rules)
    }
    lastOf.set(contractId, { key, rules })
    return rules
  })
}
