import { err, ok, type Result } from 'neverthrow'
import type { CopyColumn, CopyDatabase, CopyTx, PortableRow, PortableValue } from '../ports/table-copy.js'

/** A table the copy carries over, in an order that inserts parents before children. */
export interface CopiedTable {
  readonly name: string
  /** Its integer primary key, kept as it is (so `INC-<id>` codes stay the same). */
  readonly key: string
  /** Columns that refer to a table copied later: inserted empty, then set once that table is copied. */
  readonly later?: readonly string[]
}

/** Every table of the history, parents first. */
export const COPIED_TABLES: readonly CopiedTable[] = [
  { name: 'contracts', key: 'id', later: ['last_report_id'] },
  { name: 'reports', key: 'id' },
  { name: 'steps', key: 'id' },
  { name: 'incidents', key: 'id' },
  { name: 'incident_events', key: 'id' },
  { name: 'deliveries', key: 'id' },
  { name: 'tokens', key: 'id' },
  { name: 'silences', key: 'id' },
  { name: 'incident_holds', key: 'incident_id' },
]

/**
 * What is not copied: each database's own migrations, the daemons' heartbeats, the delivery
 * claims of the daemons serving the source (a copied delivery is pending, claimed by nobody), and
 * the pending reminder times (keyed by incident and target, not an id: an incident still open is
 * reminded again once its next notification arms them).
 */
const UNCOPIED_TABLES: readonly string[] = ['schema_migrations', 'daemons', 'incident_reminders']
const UNCOPIED_COLUMNS: ReadonlyMap<string, readonly string[]> = new Map([
  ['deliveries', ['claimed_by', 'lease_until']],
])

/** What one table's copy did. */
export interface TableCopyCount {
  readonly table: string
  /** Rows in the source. */
  readonly source: number
  /** Rows inserted into the target. */
  readonly copied: number
  /** Rows the target held already, identical. */
  readonly present: number
}

/** A copy that committed. */
export interface CopyReport {
  readonly tables: readonly TableCopyCount[]
}

/** A target row that blocks the copy of the source's row with the same key. */
export interface RowConflict {
  readonly table: string
  readonly key: number
  /** The columns that differ; empty when another row holds one of its unique values (a code, a delivery id). */
  readonly columns: readonly string[]
}

/** Why a copy changed nothing. */
export type StoreCopyError =
  | { readonly kind: 'schema_version'; readonly message: string }
  | { readonly kind: 'schema_mismatch'; readonly message: string }
  | { readonly kind: 'conflict'; readonly message: string; readonly conflicts: readonly RowConflict[] }

/** How to copy. */
export interface CopyOptions {
  /** Rows read and inserted at a time, at most (fewer when the target binds fewer parameters). Default 500. */
  readonly batchSize?: number
}

/**
 * Copies every row of `from`'s history into `to`, keys kept, in one transaction of the target's
 * (read from one snapshot of the source's): all of it or, on an error, nothing.
 *
 * Idempotent: a row the target holds already, identical, is counted as present. A target row with
 * the same key but other content, or holding one of the row's unique values under another key, is
 * a conflict: the copy is rolled back and the conflicts are returned, never merged.
 *
 * Both schemas must be at the version this code knows (`to` is migrated before, by opening its
 * store); a source newer or older is refused, so is a table or column the copy does not know.
 */
export async function copyStores(
  from: CopyDatabase,
  to: CopyDatabase,
  options: CopyOptions = {},
): Promise<Result<CopyReport, StoreCopyError>> {
  const batchSize = Math.max(1, options.batchSize ?? 500)
  try {
    const report = await from.transaction((source) =>
      to.transaction(async (target) => {
        await checkVersions(source, from, target, to)
        const plans = await planTables(source, from, target, to)
        const tables: TableCopyCount[] = []
        const later: LaterColumn[] = []
        for (const plan of plans) {
          const rows = Math.max(1, Math.min(batchSize, Math.floor(to.maxParameters / plan.columns.length)))
          const copied = await copyTable(source, target, plan, rows)
          tables.push(copied.count)
          later.push(...copied.later)
        }
        // Every table is there now: fill in the references to rows of later tables.
        for (const { table, column, values } of later)
          if (values.length > 0) await target.update(table.name, table.key, column, values)
        return { tables }
      }),
    )
    return ok(report)
  } catch (error) {
    if (error instanceof CopyRefused) return err(error.reason)
    throw error
  }
}

// --- internal ---

/** Thrown inside the transactions so that they roll back; turned into the error it carries. */
class CopyRefused extends Error {
  constructor(readonly reason: StoreCopyError) {
    super(reason.message)
  }
}

/** The values of a {@link CopiedTable.later} column in the rows inserted, by key: set once every table is copied. */
interface LaterColumn {
  readonly table: CopiedTable
  readonly column: string
  readonly values: Array<readonly [number, PortableValue]>
}

interface TablePlan {
  readonly table: CopiedTable
  readonly columns: readonly string[]
  /** Columns holding JSON on either side. */
  readonly json: ReadonlySet<string>
}

async function checkVersions(source: CopyTx, from: CopyDatabase, target: CopyTx, to: CopyDatabase): Promise<void> {
  const sourceVersion = await source.schemaVersion()
  if (sourceVersion > from.latestSchemaVersion) {
    refuse(
      'schema_version',
      `${from.description}: schema version ${sourceVersion} is newer than this Timon supports (${from.latestSchemaVersion}); upgrade Timon`,
    )
  }
  if (sourceVersion < from.latestSchemaVersion) {
    refuse(
      'schema_version',
      `${from.description}: schema version ${sourceVersion} is older than this Timon's (${from.latestSchemaVersion}); start this Timon's daemon on it once (it migrates on start), then copy`,
    )
  }
  const targetVersion = await target.schemaVersion()
  if (targetVersion !== to.latestSchemaVersion) {
    refuse('schema_version', `${to.description}: schema version ${targetVersion}, expected ${to.latestSchemaVersion}`)
  }
}

async function planTables(source: CopyTx, from: CopyDatabase, target: CopyTx, to: CopyDatabase): Promise<TablePlan[]> {
  const known = new Set([...COPIED_TABLES.map((table) => table.name), ...UNCOPIED_TABLES])
  const unknown = (await source.tables()).filter((name) => !known.has(name))
  if (unknown.length > 0)
    refuse('schema_mismatch', `${from.description}: table(s) ${unknown.join(', ')} unknown to the copy`)
  const plans: TablePlan[] = []
  for (const table of COPIED_TABLES) {
    const skipped = UNCOPIED_COLUMNS.get(table.name) ?? []
    const sourceColumns = (await source.columns(table.name)).filter((column) => !skipped.includes(column.name))
    const targetColumns = await target.columns(table.name)
    if (sourceColumns.length === 0) refuse('schema_mismatch', `${from.description}: no table ${table.name}`)
    const missing = sourceColumns.filter((column) => !targetColumns.some((other) => other.name === column.name))
    if (missing.length > 0) {
      refuse(
        'schema_mismatch',
        `${to.description}: ${table.name} has no column(s) ${missing.map((column) => column.name).join(', ')}`,
      )
    }
    const json = new Set(
      [...sourceColumns, ...targetColumns].filter((column: CopyColumn) => column.json).map((column) => column.name),
    )
    plans.push({ table, columns: sourceColumns.map((column) => column.name), json })
  }
  return plans
}

async function copyTable(
  source: CopyTx,
  target: CopyTx,
  plan: TablePlan,
  batchSize: number,
): Promise<{ readonly count: TableCopyCount; readonly later: readonly LaterColumn[] }> {
  const { table, columns } = plan
  const later = table.later ?? []
  const pending: LaterColumn[] = later.map((column) => ({ table, column, values: [] }))
  const conflicts: RowConflict[] = []
  let count = { table: table.name, source: 0, copied: 0, present: 0 }
  let after: number | undefined
  for (;;) {
    const rows = await source.read(table.name, table.key, columns, after, batchSize)
    if (rows.length === 0) break
    after = keyOf(rows[rows.length - 1] as PortableRow, table.key)
    const inserted = new Set(
      await target.insert(
        table.name,
        table.key,
        columns,
        rows.map((row) => withEmpty(row, later)),
      ),
    )
    for (const row of rows) {
      const key = keyOf(row, table.key)
      if (!inserted.has(key)) continue
      for (const { column, values } of pending)
        if ((row[column] ?? null) !== null) values.push([key, row[column] ?? null])
    }
    const skipped = rows.filter((row) => !inserted.has(keyOf(row, table.key)))
    const present =
      skipped.length === 0
        ? []
        : await target.readKeys(
            table.name,
            table.key,
            columns,
            skipped.map((row) => keyOf(row, table.key)),
          )
    const byKey = new Map(present.map((row) => [keyOf(row, table.key), row]))
    for (const row of skipped) {
      const key = keyOf(row, table.key)
      const held = byKey.get(key)
      const differing =
        held === undefined
          ? []
          : columns.filter((column) => !sameValue(row[column] ?? null, held[column] ?? null, plan.json.has(column)))
      if (held === undefined || differing.length > 0) conflicts.push({ table: table.name, key, columns: differing })
    }
    count = {
      ...count,
      source: count.source + rows.length,
      copied: count.copied + inserted.size,
      present: count.present + skipped.length,
    }
  }
  // Later tables would refer to rows that are not there: stop at the first table with conflicts.
  if (conflicts.length > 0) refuse('conflict', conflictMessage(conflicts), conflicts)
  if (count.copied > 0) await target.afterInsert(table.name, table.key)
  return { count, later: pending }
}

function refuse(kind: 'schema_version' | 'schema_mismatch', message: string): never
function refuse(kind: 'conflict', message: string, conflicts: readonly RowConflict[]): never
function refuse(kind: StoreCopyError['kind'], message: string, conflicts?: readonly RowConflict[]): never {
  throw new CopyRefused(kind === 'conflict' ? { kind, message, conflicts: conflicts ?? [] } : { kind, message })
}

function conflictMessage(conflicts: readonly RowConflict[]): string {
  const [first] = conflicts
  if (first === undefined) return 'no conflict'
  const what =
    first.columns.length > 0 ? `differs in ${first.columns.join(', ')}` : 'clashes with another row on a unique value'
  return `${conflicts.length} row(s) of ${first.table} in the target conflict with the source's (first: ${first.key}, which ${what}); nothing was copied`
}

function keyOf(row: PortableRow, key: string): number {
  const value = row[key]
  if (typeof value !== 'number') throw new Error(`copy: row without an integer ${key}`)
  return value
}

function withEmpty(row: PortableRow, columns: readonly string[]): PortableRow {
  if (columns.length === 0) return row
  const copy: Record<string, PortableValue> = { ...row }
  for (const column of columns) copy[column] = null
  return copy
}

function sameValue(a: PortableValue, b: PortableValue, json: boolean): boolean {
  if (a === b) return true
  if (!json || typeof a !== 'string' || typeof b !== 'string') return false
  return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b))
}

/** JSON text with object keys sorted, so that two encodings of one value compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
